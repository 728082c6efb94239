"""The /papers command set, declared once as data.

Discord binds these as one slash command with subcommands, Slack parses the text after
``/papers``, the console parses whole lines (both with :mod:`bot.command_line`); all three
end in the same :class:`CommandCall`, checked by :func:`validate` (:mod:`bot.command_spec`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from bot.command_spec import (
    ArgValue,
    Command,
    CommandCall,
    Option,
    OptionKind,
    Shape,
    UsageError,
    validate,
)
from bot.models import WEEKDAY_KEYS
from bot.period import DEFAULT_PERIOD, Period

__all__ = [
    "COMMANDS",
    "ArgValue",
    "Command",
    "CommandCall",
    "Option",
    "OptionKind",
    "Shape",
    "UsageError",
    "declaration_hash",
    "find",
    "help_lines",
    "validate",
]


# "friday", "Thurs" and the like, for the weekday choices (Discord offers the choices).
WEEKDAY_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("monday", "mon"),
    ("tuesday", "tue"),
    ("tues", "tue"),
    ("wednesday", "wed"),
    ("weds", "wed"),
    ("thursday", "thu"),
    ("thurs", "thu"),
    ("friday", "fri"),
    ("saturday", "sat"),
    ("sunday", "sun"),
)


def _paper_id() -> Option:
    return Option(
        "id",
        "arXiv id or URL",
        required=True,
        max_length=200,
        autocomplete="papers",
        label="arXiv id or URL",
    )


COMMANDS: tuple[Command, ...] = (
    Command(
        ("today",),
        "Today's papers, ranked",
        (
            Option(
                "n",
                "How many (1–25)",
                "integer",
                min_value=1,
                max_value=25,
                default=10,
                label="number of papers",
            ),
        ),
        slow=True,
        example="/papers today 5",
    ),
    Command(
        ("search",),
        "Search stored papers",
        (
            Option(
                "query",
                'Words, "phrases", -exclude, prefix*, author:, cat:, since:',
                required=True,
                max_length=500,
                rest=True,
                label="word or phrase to search for",
            ),
        ),
        slow=True,
        example='/papers search "state space" since:2025-01-01',
    ),
    Command(
        ("paper",),
        "One paper with its full abstract",
        (_paper_id(),),
        example="/papers paper 2411.01234",
    ),
    Command(
        ("cite",),
        "A paper's BibTeX entry, to copy",
        (_paper_id(),),
        example="/papers cite 2411.01234",
    ),
    Command(
        ("export",),
        "A list of papers as a citation file",
        (
            Option(
                "list",
                "week, month, top, discussed or mine",
                choices=("week", "month", "top", "discussed", "mine"),
                default="week",
                label="list",
            ),
            Option(
                "format",
                "bibtex, ris or csl-json",
                choices=("bibtex", "ris", "csl-json"),
                default="bibtex",
                label="format",
            ),
        ),
        slow=True,
        example="/papers export month ris",
    ),
    Command(
        ("top",),
        "Leaderboard in this workspace: by votes, or most discussed",
        (
            Option(
                "period",
                "day, week or month",
                choices=tuple(p.value for p in Period),
                default=DEFAULT_PERIOD.value,
                label="period",
            ),
            Option(
                "by",
                "votes or discussed",
                choices=("votes", "discussed"),
                default="votes",
                label="order",
            ),
        ),
        example="/papers top week discussed",
    ),
    Command(
        ("discuss",),
        "Open (or find) this channel's discussion thread for a paper",
        (_paper_id(),),
        slow=True,
        example="/papers discuss 2411.01234",
    ),
    Command(
        ("upvote",),
        "Toggle your vote on a paper",
        (_paper_id(),),
        example="/papers upvote 2411.01234",
    ),
    Command(
        ("downvote",), "👎 Not for me (toggle): papers like it rank lower here", (_paper_id(),)
    ),
    Command(("why",), "Why a paper ranks where it does here, part by part", (_paper_id(),)),
    Command(
        ("subscribe",),
        "Get a daily DM of new papers on a topic",
        (
            Option(
                "topic",
                'A search, e.g. "gaussian splatting" -survey',
                required=True,
                max_length=200,
                rest=True,
                label="topic",
            ),
        ),
        example='/papers subscribe "gaussian splatting" -survey',
    ),
    Command(
        ("unsubscribe",),
        "Stop a topic (or all)",
        (
            Option(
                "topic",
                "The topic, its #id, or all",
                required=True,
                max_length=200,
                rest=True,
                autocomplete="own_topics",
                label="topic, its #id, or all",
                placeholder="topic|#id|all",
            ),
        ),
        example="/papers unsubscribe all",
    ),
    Command(("subscriptions",), "List your topics and your DM settings"),
    Command(
        ("settings",),
        "Your daily DM: time, time zone, on or off, size",
        (
            Option(
                "dm-time",
                "Local time HH:MM of your daily DM",
                max_length=5,
                label="DM time",
                shape="time",
                placeholder="dm-time HH:MM",
                aliases=("dm_time", "time"),
                named=True,
            ),
            Option(
                "timezone",
                "Your IANA time zone, e.g. Asia/Tokyo",
                max_length=64,
                autocomplete="timezones",
                label="time zone",
                shape="timezone",
                placeholder="timezone Zone",
                aliases=("tz", "zone"),
                named=True,
            ),
            Option(
                "dms",
                "Daily DMs on, or off (paused; your topics are kept)",
                choices=("on", "off"),
                label="dms setting",
                placeholder="dms on|off",
                aliases=("dm",),
                named=True,
            ),
            Option(
                "dm-size",
                "Papers per DM (1–25)",
                "integer",
                min_value=1,
                max_value=25,
                label="DM size",
                placeholder="dm-size N",
                aliases=("dm_size", "size"),
                named=True,
            ),
        ),
        example="/papers settings dm-time 08:30 timezone Asia/Tokyo",
    ),
    Command(
        ("channel", "setup"),
        "Post a daily thread in this channel (admins)",
        (
            Option(
                "time",
                "Local time HH:MM (default 09:00)",
                max_length=5,
                default="09:00",
                label="time",
                shape="time",
                placeholder="HH:MM",
            ),
            Option(
                "timezone",
                "IANA time zone, e.g. Europe/Berlin",
                max_length=64,
                autocomplete="timezones",
                label="time zone",
                shape="timezone",
                placeholder="zone",
                aliases=("tz", "zone"),
            ),
            Option(
                "top",
                "Papers per day (1–25)",
                "integer",
                min_value=1,
                max_value=25,
                default=10,
                label="number of papers",
            ),
            Option(
                "empty",
                "Days without papers: post a short note, or skip",
                choices=("note", "skip"),
                default="note",
                keyword_only=True,
                label="empty= setting",
            ),
            Option(
                "topic",
                "Only papers matching this search",
                max_length=200,
                rest=True,
                label="topic",
            ),
        ),
        admin=True,
        slow=True,
        example="/papers channel setup 09:00 Europe/Berlin 5 empty=skip",
    ),
    Command(("channel", "off"), "Stop this channel's daily thread (admins)", admin=True),
    Command(("channel", "status"), "Show this channel's daily thread and next post"),
    Command(
        ("channel", "discuss"),
        "Let members open discussion threads in this channel, or not (admins)",
        (Option("state", "on or off", required=True, choices=("on", "off"), label="on or off"),),
        admin=True,
        example="/papers channel discuss off",
    ),
    Command(
        ("channel", "weekly"),
        "A weekly recap here on one weekday, at the thread's time, or off (admins)",
        (
            Option(
                "day",
                "mon, tue, wed, thu, fri, sat, sun, or off",
                required=True,
                choices=(*WEEKDAY_KEYS, "off"),
                label="day",
                synonyms=WEEKDAY_SYNONYMS,
            ),
        ),
        admin=True,
        example="/papers channel weekly fri",
    ),
    Command(
        ("post-now",),
        "Post today's thread, or the weekly recap, here now (admins)",
        (
            Option(
                "what",
                "daily (today's thread) or weekly (the recap)",
                choices=("daily", "weekly"),
                default="daily",
                label="daily or weekly",
            ),
        ),
        admin=True,
        slow=True,
        example="/papers post-now weekly",
    ),
    Command(("help",), "What Paper Herald can do"),
)

_BY_PATH = {c.path: c for c in COMMANDS}


def find(path: tuple[str, ...]) -> Command | None:
    return _BY_PATH.get(path)


def declaration_hash() -> str:
    """Changes whenever the declarations change: adapters re-sync slash commands then."""
    data = json.dumps([asdict(c) for c in COMMANDS], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def help_lines(is_admin: bool = True) -> list[str]:
    lines = []
    for c in COMMANDS:
        if c.admin and not is_admin:
            continue
        lines.append(f"{c.usage()} — {c.description}")
    return lines

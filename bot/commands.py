"""The /papers command set, declared once as data, and the validation of its arguments.

Discord binds these as one slash command with subcommands, Slack parses the text after
``/papers``, the console parses whole lines (both with :mod:`bot.command_line`); all three
end in the same :class:`CommandCall`, checked by :func:`validate`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from bot import zones
from bot.period import DEFAULT_PERIOD, Period

OptionKind = Literal["string", "integer"]
Shape = Literal["time", "timezone"]
ArgValue = str | int | None
_TIME_SHAPE = re.compile(r"^\d{1,2}:\d{1,2}$")


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    kind: OptionKind = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    rest: bool = False  # takes the rest of the line (free text)
    autocomplete: str | None = None  # "own_topics" | "papers" | "timezones"
    default: ArgValue = None
    keyword_only: bool = False  # in text, only as name=value (never taken positionally)
    label: str = ""  # what the value is, in the user's words, for error messages
    shape: Shape | None = None  # in text, a word of this shape fills the option, in any order
    placeholder: str | None = None  # how usage lines show the value (default: the name)
    aliases: tuple[str, ...] = ()  # other names for name=value in text

    @property
    def noun(self) -> str:
        return self.label or self.name

    def accepts(self, token: str) -> bool:
        """Whether a bare word on a command line is a value of this option, by its shape.
        Quoted words never are: quotes make a word part of the free text."""
        if token.startswith('"'):
            return False
        if self.choices:
            return token.lower() in self.choices
        if self.shape == "time":
            return bool(_TIME_SHAPE.match(token))
        if self.shape == "timezone":
            return zones.looks_like_zone(token)
        if self.kind == "integer":
            return token.isascii() and token.isdigit()
        return True


@dataclass(frozen=True, slots=True)
class Command:
    path: tuple[str, ...]
    description: str
    options: tuple[Option, ...] = ()
    admin: bool = False
    ephemeral: bool = True
    slow: bool = False  # may take more than a moment: adapters defer first
    example: str | None = None

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def usage(self) -> str:
        parts = ["/papers", *self.path]
        for o in self.options:
            label = o.placeholder or ("|".join(o.choices) if o.choices else o.name)
            if o.keyword_only:
                label = f"{o.name}={label}"
            parts.append(f"<{label}>" if o.required else f"[{label}]")
        return " ".join(parts)


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
    Command(("subscriptions",), "List your topics"),
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
    Command(("post-now",), "Post today's thread here now (admins)", admin=True, slow=True),
    Command(("help",), "What Paper Herald can do"),
)

_BY_PATH = {c.path: c for c in COMMANDS}


def find(path: tuple[str, ...]) -> Command | None:
    return _BY_PATH.get(path)


def declaration_hash() -> str:
    """Changes whenever the declarations change: adapters re-sync slash commands then."""
    data = json.dumps([asdict(c) for c in COMMANDS], sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CommandCall:
    command: Command
    args: dict[str, ArgValue] = field(default_factory=dict)

    @property
    def path(self) -> tuple[str, ...]:
        return self.command.path

    def get(self, name: str) -> ArgValue:
        return self.args.get(name)


class UsageError(Exception):
    """A bad command line; the message is one line with the usage from the declaration."""


def validate(command: Command, raw: Mapping[str, object]) -> CommandCall:
    """Check raw option values (text from a line, or typed values from Discord)."""
    args: dict[str, ArgValue] = {}
    for option in command.options:
        value = raw.get(option.name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if option.required:
                raise UsageError(f"Give {_a(option.noun)}. Usage: {command.usage()}")
            args[option.name] = option.default
            continue
        if option.kind == "integer":
            args[option.name] = _whole_number(option, value)
            continue
        text = str(value)
        if option.choices:
            text = text.lower()
            if text not in option.choices:
                raise UsageError(
                    f"The {option.noun} must be one of {', '.join(option.choices)}, "
                    f"not {text[:40]!r}."
                )
        if option.max_length is not None and len(text) > option.max_length:
            raise UsageError(
                f"The {option.noun} is too long (at most {option.max_length} characters)."
            )
        args[option.name] = text
    unknown = set(raw) - {o.name for o in command.options}
    if unknown:
        raise UsageError(f"Unknown option {sorted(unknown)[0]!r}. Usage: {command.usage()}")
    return CommandCall(command, args)


def _whole_number(option: Option, value: object) -> int:
    lo, hi = option.min_value, option.max_value
    span = f" from {lo} to {hi}" if lo is not None and hi is not None else ""
    try:
        number = int(str(value))
    except ValueError:
        raise UsageError(
            f"{str(value)[:40]!r} is not a whole number: give {_a(option.noun)}{span}."
        ) from None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise UsageError(f"Give {_a(option.noun)}{span} (you gave {number}).")
    return number


def help_lines(is_admin: bool = True) -> list[str]:
    lines = []
    for c in COMMANDS:
        if c.admin and not is_admin:
            continue
        lines.append(f"{c.usage()} — {c.description}")
    return lines

"""The /papers command set, declared once as data.

Discord binds these as one slash command with subcommands, Slack parses the text after
``/papers``, the console parses whole lines; all three end in the same :class:`CommandCall`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

from bot.query import tokenize

OptionKind = Literal["string", "integer"]
ArgValue = str | int | None


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
            label = o.name if not o.choices else "|".join(o.choices)
            if o.keyword_only:
                label = f"{o.name}={label}"
            parts.append(f"<{label}>" if o.required else f"[{label}]")
        return " ".join(parts)


COMMANDS: tuple[Command, ...] = (
    Command(
        ("today",),
        "Today's papers, ranked",
        (Option("n", "How many (1–25)", "integer", min_value=1, max_value=25, default=10),),
        slow=True,
        example="/papers today 5",
    ),
    Command(
        ("search",),
        "Search stored papers",
        (
            Option(
                "query",
                'Words, "phrases", -exclude, author:, cat:, since:',
                required=True,
                max_length=500,
                rest=True,
            ),
        ),
        slow=True,
        example='/papers search "state space" since:2025-01-01',
    ),
    Command(
        ("paper",),
        "One paper with its full abstract",
        (Option("id", "arXiv id or URL", required=True, max_length=200, autocomplete="papers"),),
        example="/papers paper 2411.01234",
    ),
    Command(
        ("top",),
        "Leaderboard in this workspace: by votes, or most discussed",
        (
            Option(
                "period", "day, week or month", choices=("day", "week", "month"), default="week"
            ),
            Option("by", "votes or discussed", choices=("votes", "discussed"), default="votes"),
        ),
        example="/papers top week discussed",
    ),
    Command(
        ("discuss",),
        "Open (or find) this channel's discussion thread for a paper",
        (Option("id", "arXiv id or URL", required=True, max_length=200, autocomplete="papers"),),
        slow=True,
        example="/papers discuss 2411.01234",
    ),
    Command(
        ("upvote",),
        "Toggle your vote on a paper",
        (Option("id", "arXiv id or URL", required=True, max_length=200, autocomplete="papers"),),
        example="/papers upvote 2411.01234",
    ),
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
            ),
        ),
        example="/papers unsubscribe all",
    ),
    Command(("subscriptions",), "List your topics"),
    Command(
        ("channel", "setup"),
        "Post a daily thread in this channel (admins)",
        (
            Option("time", "Local time HH:MM (default 09:00)", max_length=5, default="09:00"),
            Option(
                "timezone",
                "IANA time zone, e.g. Europe/Berlin",
                max_length=64,
                autocomplete="timezones",
            ),
            Option(
                "top", "Papers per day (1–25)", "integer", min_value=1, max_value=25, default=10
            ),
            Option(
                "empty",
                "Days without papers: post a short note, or skip",
                choices=("note", "skip"),
                default="note",
                keyword_only=True,
            ),
            Option("topic", "Only papers matching this search", max_length=200, rest=True),
        ),
        admin=True,
        slow=True,
        example="/papers channel setup 09:00 Europe/Berlin 5 empty=skip",
    ),
    Command(("channel", "off"), "Stop this channel's daily thread (admins)", admin=True),
    Command(("channel", "status"), "Show this channel's daily thread and next post"),
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


def _strip_prefix(line: str) -> str:
    text = line.strip()
    lowered = text.lower()
    for prefix in ("/papers", "papers"):
        if lowered == prefix:
            return ""
        if lowered.startswith(prefix + " "):
            return text[len(prefix) :].strip()
    return text


def parse_line(line: str) -> CommandCall:
    """``/papers search "state space" since:2025-01-01`` -> CommandCall, or UsageError."""
    text = "".join(ch if ch.isprintable() else " " for ch in _strip_prefix(line)).strip()
    tokens = tokenize(text)
    if not tokens:
        return CommandCall(_BY_PATH[("help",)])
    head = tokens[0].lower()
    command = None
    consumed = 1
    if len(tokens) > 1 and (head, tokens[1].lower()) in _BY_PATH:
        command, consumed = _BY_PATH[(head, tokens[1].lower())], 2
    elif (head,) in _BY_PATH:
        command = _BY_PATH[(head,)]
    elif head == "channel":
        raise UsageError(
            "Use /papers channel setup, /papers channel off or /papers channel status."
        )
    if command is None:
        raise UsageError(f"Unknown command {tokens[0][:40]!r}. Try /papers help.")
    rest_text = _after_tokens(text, consumed)
    raw: dict[str, str] = {}
    # name=value for keyword options, anywhere after the command name.
    keywords = {o.name for o in command.options if o.keyword_only}
    if keywords:
        kept = []
        for token in tokenize(rest_text):
            name, eq, value = token.partition("=")
            if eq and name.lower() in keywords:
                raw[name.lower()] = value.strip('"')
            else:
                kept.append(token)
        rest_text = " ".join(kept)
    for option in command.options:
        if option.keyword_only:
            continue
        if not rest_text:
            break
        if option.rest:
            raw[option.name] = rest_text
            rest_text = ""
            break
        token = tokenize(rest_text)[0]
        raw[option.name] = token.strip('"')
        rest_text = _after_tokens(rest_text, 1)
    if rest_text:
        raise UsageError(f"Too many arguments. Usage: {command.usage()}")
    return validate(command, raw)


def _after_tokens(text: str, count: int) -> str:
    """The raw text after the first ``count`` tokens (quotes and spacing kept)."""
    i, n = 0, len(text)
    for _ in range(count):
        while i < n and text[i].isspace():
            i += 1
        while i < n and not text[i].isspace():
            if text[i] == '"':
                close = text.find('"', i + 1)
                i = n if close == -1 else close + 1
            else:
                i += 1
    return text[i:].strip()


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
                raise UsageError(f"{option.name} is missing. Usage: {command.usage()}")
            args[option.name] = option.default
            continue
        if option.kind == "integer":
            try:
                number = int(str(value))
            except ValueError:
                raise UsageError(
                    f"{option.name} must be a whole number. Usage: {command.usage()}"
                ) from None
            lo, hi = option.min_value, option.max_value
            if (lo is not None and number < lo) or (hi is not None and number > hi):
                raise UsageError(f"{option.name} must be between {lo} and {hi}.")
            args[option.name] = number
            continue
        text = str(value)
        if option.choices:
            text = text.lower()
            if text not in option.choices:
                raise UsageError(f"{option.name} must be one of {', '.join(option.choices)}.")
        if option.max_length is not None and len(text) > option.max_length:
            raise UsageError(f"{option.name} is too long (at most {option.max_length} characters).")
        args[option.name] = text
    unknown = set(raw) - {o.name for o in command.options}
    if unknown:
        raise UsageError(f"Unknown option {sorted(unknown)[0]!r}. Usage: {command.usage()}")
    return CommandCall(command, args)


def help_lines(is_admin: bool = True) -> list[str]:
    lines = []
    for c in COMMANDS:
        if c.admin and not is_admin:
            continue
        lines.append(f"{c.usage()} — {c.description}")
    return lines

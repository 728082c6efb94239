"""``/papers ...`` lines -> :class:`~bot.commands.CommandCall`: the text binding of the
declarations in :mod:`bot.commands`, for Slack's slash command text and the console."""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands import Command, CommandCall, Option, UsageError, find, validate
from bot.query import tokenize


def _strip_prefix(line: str) -> str:
    text = line.strip()
    lowered = text.lower()
    for prefix in ("/papers", "papers"):
        if lowered == prefix:
            return ""
        if lowered.startswith(prefix + " "):
            return text[len(prefix) :].strip()
    return text


def _help() -> Command:
    command = find(("help",))
    assert command is not None
    return command


def parse_line(line: str) -> CommandCall:
    """``/papers search "state space" since:2025-01-01`` -> CommandCall, or UsageError."""
    text = "".join(ch if ch.isprintable() else " " for ch in _strip_prefix(line)).strip()
    tokens = tokenize(text)
    if not tokens:
        return CommandCall(_help())
    head = tokens[0].lower()
    command: Command | None = None
    consumed = 1
    if len(tokens) > 1 and (pair := find((head, tokens[1].lower()))) is not None:
        command, consumed = pair, 2
    else:
        command = find((head,))
    if command is None and head == "channel":
        raise UsageError(
            "Use /papers channel setup, /papers channel off or /papers channel status."
        )
    if command is None:
        raise UsageError(f"Unknown command {tokens[0][:40]!r}. Try /papers help.")
    return validate(command, _arguments(command, _after_tokens(text, consumed)))


def _arguments(command: Command, text: str) -> dict[str, str]:
    """Assign the words after a command's name to its options.

    ``name=value`` fills that option (or an alias of it) anywhere on the line. Every other
    word fills the first free option it has the shape of (a choice, a time, a zone, a
    number), so optional arguments come in any order; the words left over are the free text
    (the topic), or, for a command without free text, fill the free options in order, so
    that validation can say what is wrong with them.
    """
    by_keyword: dict[str, Option] = {}
    for option in command.options:
        if not option.rest:
            for key in (option.name, *option.aliases):
                by_keyword[key.lower()] = option
    positional = [o for o in command.options if not o.keyword_only and not o.rest]
    rest = next((o for o in command.options if o.rest), None)
    raw: dict[str, str] = {}
    if rest is not None and not positional and not by_keyword:
        return {rest.name: text} if text else {}  # the whole line is free text (search ...)
    leftover: list[str] = []
    tokens = tokenize(text)
    while tokens:
        token = tokens.pop(0)
        key, eq, value = token.partition("=")
        target = by_keyword.get(key.lower()) if eq and not token.startswith('"') else None
        named = by_keyword.get(token.lower()) if not eq else None
        if named is not None and named.named:  # "dm-time 08:30": the next word is its value
            if not tokens:
                raise UsageError(f"Give the {named.noun} after {token}. Usage: {command.usage()}")
            target, value = named, tokens.pop(0)
        if target is None:
            target = next((o for o in positional if o.name not in raw and o.accepts(token)), None)
            if target is None:
                _refuse_second_value(command, raw, token)
                leftover.append(token)
                continue
            value = token
        elif target.name in raw:
            raise UsageError(
                f"The {target.noun} is given twice ({raw[target.name]} and {value}); give it once."
            )
        raw[target.name] = value.strip('"')
    if leftover and rest is not None:
        raw[rest.name] = " ".join(leftover)
    elif leftover:
        free = [o for o in positional if o.name not in raw]
        if len(leftover) > len(free):
            raise UsageError(f"Too many arguments. Usage: {command.usage()}")
        for option, token in zip(free, leftover, strict=False):
            raw[option.name] = token.strip('"')
    return raw


def _refuse_second_value(command: Command, raw: Mapping[str, str], token: str) -> None:
    """A second time or zone is a mistake, not a topic word (``setup 09:00 10:00``)."""
    for option in command.options:
        if option.shape and option.name in raw and option.accepts(token):
            raise UsageError(
                f"You gave two {option.noun}s ({raw[option.name]} and {token[:40]}); give one. "
                f"Usage: {command.usage()}"
            )


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

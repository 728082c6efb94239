"""How a /papers command is declared (:class:`Command`, :class:`Option`) and how the values
given to one are checked (:func:`validate`); the declarations themselves are in
:mod:`bot.commands`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot import zones

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
    named: bool = False  # in text, also "name value" (two words), as in "dm-time 08:30"
    synonyms: tuple[tuple[str, str], ...] = ()  # (typed, choice): "friday" means "fri"

    @property
    def noun(self) -> str:
        return self.label or self.name

    def choice(self, typed: str) -> str:
        """``typed`` as one of the choices where it is a synonym of one (lower-cased)."""
        text = typed.lower()
        return next((choice for word, choice in self.synonyms if word == text), text)

    def accepts(self, token: str) -> bool:
        """Whether a bare word on a command line is a value of this option, by its shape.
        Quoted words never are: quotes make a word part of the free text."""
        if token.startswith('"'):
            return False
        if self.choices:
            return self.choice(token) in self.choices
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
            text = option.choice(text)
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

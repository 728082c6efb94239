"""The neutral message model: one message that each adapter renders natively.

Like errbot's ``Card``: the core builds these, never a platform type. Text here is plain
(no markdown, no mentions); adapters escape it for their platform. Limits (lengths, block
counts) are the adapters' business, not the core's.

Adapters render through a :class:`BlockRenderers` table: one handler per kind of block, and an
unknown kind raises instead of being dropped silently (as opsdroid's connectors do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from bot.commands import Command
    from bot.models import UserRef


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Button:
    """A button. ``action`` is a stable id built by ``bot.actions.encode``
    (``upvote:2411.01234``) that the engine can handle after a restart; ``command`` is the
    equivalent text command, for the console."""

    label: str
    action: str
    command: str | None = None
    style: str = "secondary"  # "primary" | "secondary" | "danger"


@dataclass(frozen=True, slots=True)
class Header:
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Context:
    """Small print: counts, hints, attributions."""

    text: str


@dataclass(frozen=True, slots=True)
class Code:
    """Text to copy exactly (a BibTeX entry): monospaced, never reflowed or escaped away.
    ``language`` is a hint for highlighting (``bibtex``)."""

    text: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class PaperCard:
    arxiv_id: str
    title: str
    url: str
    authors: str  # already shortened: "A, B, C +12"
    summary: str  # one line
    categories: tuple[str, ...] = ()
    reason: str | None = None
    rank: int | None = None
    links: tuple[Link, ...] = ()
    buttons: tuple[Button, ...] = ()
    thumbnail: str | None = None
    abstract: str | None = None  # full abstract, shown only on the one-paper view
    published: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a message (an export): its name, media type and bytes. Each
    adapter delivers it its own way (Discord attachment, Slack upload, console file)."""

    name: str
    media_type: str
    data: bytes


Block = Header | Text | Context | Code | Divider | Actions | PaperCard


@dataclass(frozen=True, slots=True)
class Message:
    """What the bot says. ``text`` is the plain fallback (notifications, screen readers).

    ``ephemeral``: only the caller sees it (where the platform allows).
    ``button_updates``: buttons to relabel in the message the click came from (by action),
    so an upvote changes the count in place without re-rendering the card.
    ``thread_title``: the name of a thread opened on this message.
    ``attachment``: a file that goes with it (an adapter that cannot deliver files says so).
    """

    text: str
    blocks: tuple[Block, ...] = ()
    ephemeral: bool = True
    button_updates: tuple[Button, ...] = ()
    thread_title: str | None = None
    is_error: bool = False
    attachment: Attachment | None = None  # a file to deliver with the message

    def public(self) -> Message:
        return replace(self, ephemeral=False)


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """A line about one channel, led by the channel itself, which each adapter names its own
    way (Slack: a channel mention): a feed on a person's page. Not a :data:`Block`: a
    Message never carries one."""

    channel: str  # the platform's channel id
    text: str


@dataclass(frozen=True, slots=True)
class Home:
    """A person's own page (Slack's App Home tab), built by ``bot.present.home``: neutral
    blocks and channel lines, in the order shown; ``text`` is the plain fallback. A
    :class:`Text` followed by an :class:`Actions` of one button is a line with its button
    (a topic and its Remove): an adapter may show the button beside the line."""

    text: str
    blocks: tuple[Block | ChannelLine, ...] = ()

    def with_notice(self, notice: str) -> Home:
        """The page with one line on top: what a click on it just did."""
        return replace(self, blocks=(Context(notice), *self.blocks))


def plain(text: str, *, ephemeral: bool = True) -> Message:
    return Message(text=text, blocks=(Text(text),), ephemeral=ephemeral)


def error(text: str) -> Message:
    """One friendly sentence, never a traceback."""
    return Message(text=text, blocks=(Text(text),), ephemeral=True, is_error=True)


# Said by the engine and by the adapters alike: one wording, kept here.
INTERNAL_ERROR = "Something went wrong on our side; it has been logged. Please try again."


def internal_error() -> Message:
    """The answer when a command or a button failed in our code (the traceback is logged)."""
    return error(INTERNAL_ERROR)


def admin_refusal(command: Command, caller: UserRef, *, hint: str = "") -> Message | None:
    """The one admin check: None when ``caller`` may run ``command``, else the answer.
    ``hint`` is what "admin" means on the caller's platform, when the adapter says so."""
    if not command.admin or caller.is_admin:
        return None
    return error(" ".join(x for x in (f"Only admins can use /papers {command.name}.", hint) if x))


R = TypeVar("R")
AnyBlock = TypeVar("AnyBlock")


class UnknownBlockError(TypeError):
    pass


@dataclass
class BlockRenderers(Generic[R]):
    """Per-adapter table of block kind -> render function; unknown kinds fail loudly."""

    handlers: dict[type, Callable[[object], R]] = field(default_factory=dict)

    def register(
        self, kind: type[AnyBlock]
    ) -> Callable[[Callable[[AnyBlock], R]], Callable[[AnyBlock], R]]:
        def deco(fn: Callable[[AnyBlock], R]) -> Callable[[AnyBlock], R]:
            self.handlers[kind] = fn  # type: ignore[assignment]
            return fn

        return deco

    def render(self, block: object) -> R:
        handler = self.handlers.get(type(block))
        if handler is None:
            raise UnknownBlockError(f"no renderer registered for {type(block).__name__}")
        return handler(block)

    def check_complete(self) -> None:
        """Raise at start-up when a block kind has no handler, not at 9 am."""
        missing = [
            k.__name__
            for k in (Header, Text, Context, Code, Divider, Actions, PaperCard)
            if k not in self.handlers
        ]
        if missing:
            raise UnknownBlockError("no renderer for: " + ", ".join(missing))

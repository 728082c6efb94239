"""What the core needs from a chat platform, as Protocols (``adapters/`` implement them)
and what it gives one (:class:`CommandHandler`); re-exported by :mod:`bot.ports`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.models import ChannelRef, UserRef

if TYPE_CHECKING:
    from bot.commands import CommandCall
    from bot.messages import Attachment, Home, Message


@dataclass(frozen=True, slots=True)
class PostedRef:
    """Where an adapter put a message: enough to edit it or reply under it."""

    channel: ChannelRef
    message_id: str
    thread_id: str | None = None


@runtime_checkable
class ChatAdapter(Protocol):
    """One chat platform. The engine hands it neutral Messages; it renders them natively."""

    platform: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def send(self, channel: ChannelRef, message: Message) -> PostedRef: ...
    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        """Post ``header`` in the channel and open a thread on it (forum: a post)."""
        ...

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef: ...
    async def edit(self, ref: PostedRef, message: Message) -> None: ...
    async def send_dm(self, user: UserRef, message: Message) -> PostedRef: ...
    async def reply_ephemeral(
        self, channel: ChannelRef, user: UserRef, message: Message
    ) -> None: ...
    async def check_channel(self, channel: ChannelRef) -> str | None:
        """None when the bot can post threads there, else one sentence saying what is missing."""
        ...


class DeliveryError(Exception):
    """A platform refused a post. ``permanent`` faults (deleted channel, lost permission)
    disable the feed; the others are retried on the next run."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class DMClosedError(DeliveryError):
    """The user does not accept direct messages from the bot."""

    def __init__(self, message: str = "This user does not accept direct messages.") -> None:
        super().__init__(message, permanent=True)


class CommandHandler(Protocol):
    """What adapters call: the core's command entry points, implemented by
    ``bot.dispatch.Dispatcher`` (all return a Message)."""

    async def handle(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None = None
    ) -> Message: ...
    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message: ...
    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message: ...
    async def autocomplete(
        self, caller: UserRef, kind: str, prefix: str
    ) -> list[tuple[str, str]]: ...
    async def home(self, caller: UserRef) -> Home: ...  # a person's page (Slack App Home)
    async def cards_for_links(
        self, caller: UserRef, text: str, channel: ChannelRef | None = None
    ) -> Message:
        """The cards of the papers the store has among those ``text`` links to (arXiv, HF,
        arXiv DOI); one sentence when it knows none. Discord's "Show paper", Slack unfurls."""
        ...

    async def record_reply(
        self,
        platform: str,
        workspace: str,
        *,
        message_id: str,
        user_id: str,
        thread_id: str | None = None,
        reply_to: str | None = None,
    ) -> bool:
        """A human reply (not a bot's) in a thread or to a message, from platform events,
        so discussion activity is counted per paper."""
        ...


@runtime_checkable
class Permalinks(Protocol):
    """Optional for adapters: a link people can click to reach a posted message."""

    async def permalink(self, ref: PostedRef) -> str | None: ...


@runtime_checkable
class FileUploads(Protocol):
    """Optional for adapters: deliver a file (an export) to the person who asked for it, in
    ``channel`` where there is one; returns where it went (a path, a link) or None."""

    async def upload(
        self, channel: ChannelRef | None, user: UserRef, attachment: Attachment, comment: str
    ) -> str | None: ...


InterimReply = Callable[["Message"], Awaitable[None]]
# An adapter that can show the caller a short answer while a command is still working sets
# this around the command (the console prints it at once); a handler about to do something
# slow (post-now fetching a day first) says so through it. Unset: the platform's own
# "working…" indicator (a deferred Discord or Slack answer) has to do.
interim_reply: ContextVar[InterimReply | None] = ContextVar("interim_reply", default=None)

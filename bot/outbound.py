"""One policy for every call the core makes to a chat platform.

The composition root puts one :class:`Outbound` around each adapter (``Services.attach``), and
the core reaches adapters only through it, so no call site keeps a timeout of its own:

* a deadline: a call that hangs ends after ``deadline`` seconds (``DEADLINE`` unless told);
* errors mapped: a timeout or a connection fault becomes a transient :class:`DeliveryError`
  ("opening the thread timed out after 90 s"); a platform's own refusals already are
  DeliveryErrors (``permanent`` or not) and pass unchanged; anything else is a bug and
  propagates, to be logged with its traceback;
* outcomes counted: posts and DMs sent or failed, through the :class:`Metrics` port.

Every method of :class:`ChatAdapter`, and every optional capability the core looks for
(:class:`Permalinks`, :class:`FileUploads`, ``connected``), is forwarded explicitly: a wrapper that hid one would
silently switch a feature off (tests/core/test_outbound.py checks each of them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from bot.messages import Attachment, Message
from bot.metrics import Metrics, NullMetrics
from bot.models import ChannelRef, UserRef
from bot.ports import ChatAdapter, DeliveryError, FileUploads, Permalinks, PostedRef

T = TypeVar("T")

DEADLINE = 90.0  # seconds for one platform call; the platform libraries normally give up first


class Outbound:
    """``inner`` with the outbound policy. ``deadline`` None: the module's ``DEADLINE``,
    read at each call."""

    def __init__(
        self,
        inner: ChatAdapter,
        *,
        metrics: Metrics | None = None,
        deadline: float | None = None,
    ) -> None:
        self.inner = inner
        self.platform = inner.platform
        self.metrics: Metrics = metrics or NullMetrics()
        self.deadline = deadline

    async def _call(self, what: str, call: Awaitable[T], *, counted: str | None = None) -> T:
        try:
            result = await self._mapped(what, call)
        except Exception:
            self._count(counted, False)
            raise
        self._count(counted, True)
        return result

    async def _mapped(self, what: str, call: Awaitable[T]) -> T:
        deadline = DEADLINE if self.deadline is None else self.deadline
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow an outer
            # cancellation when the call finishes at the same moment (shutdown would hang).
            async with asyncio.timeout(deadline):
                return await call
        except TimeoutError:
            raise DeliveryError(f"{what} timed out after {deadline:g} s") from None
        except OSError as exc:  # the connection failed: transient, like a 5xx
            raise DeliveryError(f"{what} failed: {exc or type(exc).__name__}") from exc

    def _count(self, kind: str | None, ok: bool) -> None:
        if kind is not None:
            self.metrics.delivery(self.platform, kind, ok)

    # -- lifecycle: no deadline (a login takes as long as it takes; run() bounds close)
    @property
    def connected(self) -> bool:
        return bool(getattr(self.inner, "connected", True))

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    # -- ChatAdapter
    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        return await self._call(
            "posting the message", self.inner.send(channel, message), counted="post"
        )

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        return await self._call(
            "opening the thread", self.inner.open_thread(channel, header, title), counted="post"
        )

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        return await self._call(
            "posting in the thread", self.inner.post_in_thread(thread, message), counted="post"
        )

    async def edit(self, ref: PostedRef, message: Message) -> None:
        await self._call("editing the message", self.inner.edit(ref, message))

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        return await self._call(
            "sending the direct message", self.inner.send_dm(user, message), counted="dm"
        )

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        await self._call("answering privately", self.inner.reply_ephemeral(channel, user, message))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return await self._call("checking the channel", self.inner.check_channel(channel))

    # -- optional capabilities
    async def permalink(self, ref: PostedRef) -> str | None:
        """The inner adapter's link, or None when its platform has none."""
        if not isinstance(self.inner, Permalinks):
            return None
        return await self._call("looking up the message's link", self.inner.permalink(ref))

    async def upload(
        self, channel: ChannelRef | None, user: UserRef, attachment: Attachment, comment: str
    ) -> str | None:
        """The inner adapter's upload; a DeliveryError when its platform takes no files."""
        if not isinstance(self.inner, FileUploads):
            raise DeliveryError(f"{self.platform} cannot take files", permanent=True)
        return await self._call(
            "uploading the file",
            self.inner.upload(channel, user, attachment, comment),
            counted="upload",
        )

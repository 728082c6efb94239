"""A CommandHandler whose every entry point fails the test: stubs subclass it and override
only what the test means to be called, so the type checker sees a complete engine."""

from __future__ import annotations

from bot.commands import CommandCall
from bot.messages import Home, Message
from bot.models import ChannelRef, UserRef


class UnusedEngine:
    def _unused(self, what: str) -> AssertionError:
        return AssertionError(f"{type(self).__name__}: {what} is not used here")

    async def handle(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None = None
    ) -> Message:
        raise self._unused("handle")

    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        raise self._unused("handle_text")

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        raise self._unused("handle_action")

    async def autocomplete(self, caller: UserRef, kind: str, prefix: str) -> list[tuple[str, str]]:
        raise self._unused("autocomplete")

    async def home(self, caller: UserRef) -> Home:
        raise self._unused("home")

    async def cards_for_links(
        self, caller: UserRef, text: str, channel: ChannelRef | None = None
    ) -> Message:
        raise self._unused("cards_for_links")

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
        raise self._unused("record_reply")

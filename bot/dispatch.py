"""The dispatcher: what every command and button click goes through, on every platform.

Rate limit, the one admin check, routing to the handler table (bot.handlers), the one
failure sentence for a bug, a pending notice in front of the answer, metrics and a log line.
It is the :class:`bot.ports.CommandHandler` the adapters call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from bot import actions
from bot.command_line import parse_line
from bot.commands import CommandCall, UsageError
from bot.inject import Bound
from bot.messages import Home, Message, Text, admin_refusal, error, internal_error
from bot.metrics import Metrics, NullMetrics
from bot.models import ChannelRef, UserRef
from bot.present.replies import button_unsupported, slow_down, slow_down_click, with_notice
from bot.ratelimit import CommandLimiter

log = logging.getLogger(__name__)

PopNotice = Callable[[UserRef], Awaitable[str | None]]
RecordReply = Callable[..., Awaitable[bool]]
MAX_SUGGESTIONS = 25  # Discord's limit for autocomplete choices


def _where(caller: UserRef, channel: ChannelRef | None, command: str) -> dict[str, str]:
    """Log context: who, where, what — never the command's free text."""
    return {
        "platform": caller.platform,
        "workspace": caller.workspace,
        "channel": channel.channel if channel else "-",
        "command": command,
    }


class Dispatcher:
    def __init__(
        self,
        *,
        commands: Mapping[tuple[str, ...], Bound],
        actions: Mapping[str, Bound],
        completers: Mapping[str, Bound],
        limiter: CommandLimiter,
        pop_notice: PopNotice,
        record_reply: RecordReply,
        metrics: Metrics | None = None,
        links: Bound | None = None,
        home: Bound | None = None,
    ) -> None:
        self.commands = commands
        self.actions = actions
        self.completers = completers
        self.limiter = limiter
        self.pop_notice = pop_notice
        self._record_reply = record_reply
        self.metrics: Metrics = metrics or NullMetrics()
        self.links = links
        self._home = home

    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        try:
            call = parse_line(line)
        except UsageError as exc:
            return error(str(exc))
        return await self.handle(caller, call, channel)

    async def handle(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None = None
    ) -> Message:
        """Run one command for ``caller``. Always a Message; errors are one sentence."""
        t0 = time.perf_counter()
        name = call.command.name
        if not self.limiter.allow(caller):
            outcome, message = "rate_limited", slow_down(self.limiter.limit)
        elif (refusal := admin_refusal(call.command, caller)) is not None:
            outcome, message = "denied", refusal
        else:
            try:
                message = await self.commands[call.path](caller=caller, call=call, channel=channel)
                outcome = "error" if message.is_error else "ok"
            except Exception:
                outcome = "failed"
                log.exception("command %s failed", name, extra=_where(caller, channel, name))
                message = internal_error()
            else:
                notice = await self.pop_notice(caller)
                message = with_notice(notice, message) if notice else message
        self._account(name, outcome, t0, caller, channel)
        return message

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        """A button click: an action string as ``bot.actions.encode`` built it."""
        t0 = time.perf_counter()
        call = actions.decode(action)
        handler = self.actions.get(call.name) if call is not None else None
        name = f"button {call.name if call is not None else 'unknown'}"
        if not self.limiter.allow(caller):
            outcome, message = "rate_limited", slow_down_click()
        elif call is None or handler is None:
            outcome, message = "error", button_unsupported()
        else:
            try:
                message = await handler(caller=caller, call=call, channel=channel)
                outcome = "error" if message.is_error else "ok"
            except Exception:
                log.exception("%s failed", name)
                outcome, message = "failed", internal_error()
        self._account(name, outcome, t0, caller, channel)
        return message

    async def cards_for_links(
        self, caller: UserRef, text: str, channel: ChannelRef | None = None
    ) -> Message:
        """The cards of the papers linked in ``text`` (bot.handlers.links), rate-limited and
        counted like a command ("show paper")."""
        t0 = time.perf_counter()
        name = "show paper"
        if not self.limiter.allow(caller):
            outcome, message = "rate_limited", slow_down(self.limiter.limit)
        elif self.links is None:
            outcome, message = "error", error("Showing linked papers is not set up here.")
        else:
            try:
                message = await self.links(caller=caller, text=text, channel=channel)
                outcome = "error" if message.is_error else "ok"
            except Exception:
                outcome = "failed"
                log.exception("%s failed", name, extra=_where(caller, channel, name))
                message = internal_error()
        self._account(name, outcome, t0, caller, channel)
        return message

    async def home(self, caller: UserRef) -> Home:
        """The caller's own page (bot.handlers.home). Not rate-limited: the platform asks
        for it (Slack, when the person opens the tab, and again after a click on it that was
        limited already), and a "slow down" page would replace a good one."""
        t0 = time.perf_counter()
        name = "home"
        if self._home is None:
            text = "This page is not set up here."
            page, outcome = Home(text=text, blocks=(Text(text),)), "error"
        else:
            try:
                page, outcome = await self._home(caller=caller), "ok"
            except Exception:
                log.exception("%s failed", name, extra=_where(caller, None, name))
                failed = internal_error()
                page, outcome = Home(text=failed.text, blocks=failed.blocks), "failed"
        self._account(name, outcome, t0, caller, None)
        return page

    def _account(
        self, name: str, outcome: str, t0: float, caller: UserRef, channel: ChannelRef | None
    ) -> None:
        seconds = time.perf_counter() - t0
        self.metrics.command(name, outcome, seconds)
        log.info(
            "%s %s in %.0f ms",
            name if name.startswith("button ") else f"command {name}",
            outcome,
            seconds * 1000,
            extra=_where(caller, channel, name),
        )

    async def autocomplete(self, caller: UserRef, kind: str, prefix: str) -> list[tuple[str, str]]:
        """(label, value) suggestions, at most 25."""
        completer = self.completers.get(kind)
        if completer is None or not self.limiter.allow(caller):
            return []  # a throttled caller gets no suggestions, not an error
        found: list[tuple[str, str]] = await completer(caller=caller, prefix=prefix.strip()[:100])
        return found[:MAX_SUGGESTIONS]

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
        """Adapters report human replies here (see bot.discussion)."""
        return await self._record_reply(
            platform,
            workspace,
            message_id=message_id,
            user_id=user_id,
            thread_id=thread_id,
            reply_to=reply_to,
        )

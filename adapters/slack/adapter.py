"""The Slack ChatAdapter: slack-bolt's AsyncApp over Socket Mode (default) or HTTP.

Channel refs: workspace = team id, channel = channel id. Posted refs: message id = ``ts``,
thread id = ``thread_ts`` (a daily thread or a discussion is its top-level message's ``ts``, so
``edit`` on the PostedRef from ``open_thread`` updates that message: the standings header).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import (
    API_FAILURES,
    AUTH_ERRORS,
    BOT_NAME,
    INVITE,
    slack_error_code,
    to_delivery_error,
)
from adapters.slack.listeners import register
from adapters.slack.memory import EphemeralMemory
from adapters.slack.pacing import ChannelPacer
from adapters.slack.people import People
from adapters.slack.render import render_message
from adapters.slack.replay import DropReplays
from bot.config import ConfigError, Settings, listen_error
from bot.messages import Message
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler, PostedRef

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
Mode = Literal["socket", "http"]


class _InjectedClientNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment on its own, then warns that the
    injected client wins. That client is built from the same token: the warning would only
    make a correct set-up look broken at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


_bolt_log = logging.getLogger("slack_bolt.AsyncApp")
if not any(isinstance(f, _InjectedClientNotice) for f in _bolt_log.filters):
    _bolt_log.addFilter(_InjectedClientNotice())


class SlackAdapter:
    platform = Platform.SLACK.value

    def __init__(
        self,
        settings: Settings,
        engine: CommandHandler,
        *,
        client: AsyncWebClient,
        mode: Mode,
        post_interval: float = 1.0,
        admin_cache_seconds: float = 60.0,
        http_port: int | None = None,
        connect_timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.connect_timeout = connect_timeout
        self.engine = engine
        self.client = client
        self.mode: Mode = mode
        secret = settings.slack_signing_secret
        self.app = AsyncApp(
            name="paperherald",
            client=client,
            # Passed explicitly ("" in Socket Mode, where it is never checked) so Bolt does
            # not read SLACK_SIGNING_SECRET from the environment behind the Settings' back.
            signing_secret=secret.get_secret_value() if secret else "",
            process_before_response=False,
        )
        # After Bolt's signature check: a replayed request (same trigger or event id) is
        # acked and dropped, so it cannot toggle a vote back or run a command twice.
        self.replays = DropReplays()
        self.app.use(self.replays)
        self.people = People(client, settings.slack_admins, ttl=admin_cache_seconds)
        self.memory = EphemeralMemory()
        register(self.app, engine, people=self.people, memory=self.memory)
        self.pacer = ChannelPacer(post_interval)
        self.http_port = settings.slack_http_port if http_port is None else http_port
        self.bound_port: int | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (Socket Mode) or listen (HTTP) and return; Bolt runs in the background."""
        await self._check_bot_token()
        if self.mode == "socket" and self.settings.slack_signing_secret:
            log.info(
                "slack: SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set: Socket Mode wins "
                "(unset SLACK_APP_TOKEN to use HTTP mode)"
            )
        if self.mode == "socket":
            await self._start_socket_mode()
        else:
            await self._start_http()

    async def _check_bot_token(self) -> None:
        # Fail at start-up with one line, not on the first command, when the token is wrong.
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            code = slack_error_code(exc)
            if code in AUTH_ERRORS:
                raise ConfigError(f"SLACK_BOT_TOKEN: Slack refused it ({code}).") from None
            raise ConnectionError(f"Slack answered {code} at start-up; try again later.") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectionError(
                f"Slack could not be reached ({type(exc).__name__}); check the network "
                "or SLACK_API_BASE_URL."
            ) from None
        if auth.get("team_id"):
            self.people.home_team = str(auth["team_id"])
        log.info(
            "slack: workspace %s (%s) as %s",
            auth.get("team"),
            auth.get("team_id"),
            auth.get("user"),
        )

    async def _start_socket_mode(self) -> None:
        token = self.settings.slack_app_token
        assert token is not None
        handler = AsyncSocketModeHandler(self.app, token.get_secret_value())
        try:
            # The SDK would retry a refused app token forever; ask once ourselves first.
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            await handler.client.close()  # type: ignore[no-untyped-call]
            code = slack_error_code(exc)
            if code in AUTH_ERRORS:
                raise ConfigError(
                    f"SLACK_APP_TOKEN: Slack refused it ({code}); it needs the "
                    "connections:write scope."
                ) from None
            raise ConnectionError(f"Slack answered {code} at start-up; try again later.") from None
        try:
            # The SDK retries a failing websocket forever; start() must come back.
            await asyncio.wait_for(handler.connect_async(), self.connect_timeout)  # type: ignore[no-untyped-call]
        except TimeoutError:
            await handler.client.close()  # type: ignore[no-untyped-call]
            raise ConnectionError(
                f"Slack's Socket Mode websocket did not open within {self.connect_timeout:g} s."
            ) from None
        self._socket = handler
        log.info("slack: connected over Socket Mode")

    async def _start_http(self) -> None:
        web_app = self.app.web_app(path=EVENTS_PATH, port=self.http_port)
        # Requests only ack (the work runs after), so a short drain on shutdown is plenty.
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=3.0)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.http_host, self.http_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise listen_error(
                self.settings.http_host,
                self.http_port,
                exc,
                port_variable="PAPERHERALD_SLACK_HTTP_PORT",
            ) from None
        self._runner = runner
        addresses = runner.addresses  # the real port when http_port is 0 (tests)
        self.bound_port = int(addresses[0][1]) if addresses else self.http_port
        log.info(
            "slack: HTTP mode, listening on http://%s:%s%s",
            self.settings.http_host,
            self.bound_port,
            EVENTS_PATH,
        )

    @property
    def connected(self) -> bool:
        """For the health endpoint: the websocket is open / the HTTP listener is up."""
        if self._socket is not None:
            session = self._socket.client.current_session
            return session is not None and not session.closed
        return self._runner is not None

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- posting ------------------------------------------------------------------------------
    async def _post(self, channel: str, message: Message, thread_ts: str | None = None) -> str:
        out = render_message(message)
        args: dict[str, Any] = {
            "channel": channel,
            "text": out.text,
            "blocks": out.blocks,
            # A thread of ten papers with ten link previews is a wall; the cards say enough.
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
        async with self.pacer.slot(channel):
            try:
                resp = await self.client.chat_postMessage(**args)
            except API_FAILURES as exc:
                raise to_delivery_error(exc) from exc
        return str(resp["ts"])

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        ts = await self._post(channel.channel, message)
        return PostedRef(channel, ts)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        # Slack threads have no name: the header message is the thread's root.
        ts = await self._post(channel.channel, header)
        return PostedRef(channel, ts, thread_id=ts)

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        thread_ts = thread.thread_id or thread.message_id
        ts = await self._post(thread.channel.channel, message, thread_ts)
        return PostedRef(thread.channel, ts, thread_id=thread_ts)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        out = render_message(message)
        try:
            await self.client.chat_update(
                channel=ref.channel.channel, ts=ref.message_id, text=out.text, blocks=out.blocks
            )
        except API_FAILURES as exc:
            raise to_delivery_error(exc, "edit") from exc

    async def permalink(self, ref: PostedRef) -> str | None:
        """A link to the message (``chat.getPermalink``; no scope needed), None when Slack
        cannot give one: the caller then describes where the message is instead."""
        try:
            resp = await self.client.chat_getPermalink(
                channel=ref.channel.channel, message_ts=ref.message_id
            )
        except API_FAILURES as exc:
            code = slack_error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.info("chat.getPermalink for %s failed (%s)", ref.channel.channel, code)
            return None
        url = resp.get("permalink")
        return str(url) if url else None

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        try:
            opened = await self.client.conversations_open(users=user.user_id)
        except API_FAILURES as exc:
            raise to_delivery_error(exc, "direct message") from exc
        dm = str((opened.get("channel") or {}).get("id"))
        ts = await self._post(dm, message)
        return PostedRef(ChannelRef(self.platform, user.workspace, dm), ts)

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        out = render_message(message)
        try:
            await self.client.chat_postEphemeral(
                channel=channel.channel, user=user.user_id, text=out.text, blocks=out.blocks
            )
        except API_FAILURES as exc:
            raise to_delivery_error(exc, "reply") from exc

    async def check_channel(self, channel: ChannelRef) -> str | None:
        if channel.channel.startswith("D"):
            return (
                "Daily threads go to channels: run /papers channel setup in a public or "
                "private channel, not in a direct message."
            )
        try:
            resp = await self.client.conversations_info(channel=channel.channel)
        except SlackApiError as exc:
            code = slack_error_code(exc)
            if code == "channel_not_found":
                return f"I can't see this channel. If it is private, invite me with {INVITE} first."
            if code in ("not_in_channel", "is_archived", "missing_scope"):
                return str(to_delivery_error(exc))
            return f"Slack could not check this channel ({code}); please try again."
        except (aiohttp.ClientError, TimeoutError):
            return "Slack could not be reached to check this channel; please try again."
        info = resp.get("channel") or {}
        if info.get("is_archived"):
            return "This channel is archived; unarchive it or set up the thread in another channel."
        if not info.get("is_member", False):
            return f"I'm not in this channel. Invite me with {INVITE} first."
        return None


__all__ = ["BOT_NAME", "EVENTS_PATH", "SlackAdapter"]

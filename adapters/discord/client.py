"""The Discord adapter: a discord.py client that implements ``bot.ports.ChatAdapter``.

Built by :func:`build_discord_adapter`; nothing is created at import time. This module holds
the lifecycle (log in, connect, READY, close) and wires the parts, one concern each:

* :mod:`~adapters.discord.interactions`: slash commands, buttons, autocomplete -> the engine
* :mod:`~adapters.discord.outbound`: posts, daily threads, edits, DMs, permalinks
* :mod:`~adapters.discord.channels`: finding a channel and checking the bot's permissions there
* :mod:`~adapters.discord.events`: gateway messages -> the engine's reply counter
* :mod:`~adapters.discord.render`, :mod:`~adapters.discord.views`,
  :mod:`~adapters.discord.limits`: neutral messages -> embeds and persistent buttons, in limits
* :mod:`~adapters.discord.slash`: the ``/papers`` command tree from the declarations
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord
from discord import app_commands

from adapters.discord import channels, slash
from adapters.discord.endpoints import apply_endpoints
from adapters.discord.errors import DiscordStartError
from adapters.discord.events import ReplyRecorder, count_reply
from adapters.discord.interactions import Interactions
from adapters.discord.outbound import Outbound
from adapters.discord.pacing import ChannelPacer
from adapters.discord.render import NO_MENTIONS
from adapters.discord.views import ActionButton
from bot.config import ConfigError, Settings
from bot.messages import Message
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler, KeyValue, PostedRef

log = logging.getLogger(__name__)

GUILD_READY_TIMEOUT = 2.0  # discord.py waits this long after the last GUILD_CREATE for on_ready
READY_TIMEOUT = 30.0
CLOSE_GRACE = 0.25  # the gateway loop needs a few ms to notice the close


def gateway_intents() -> discord.Intents:
    """``guilds`` (channels, threads, the bot's permissions) and ``guild_messages`` (replies
    are counted from MESSAGE_CREATE). Nothing privileged: no Message Content, no Members."""
    return discord.Intents(guilds=True, guild_messages=True)


class HeraldClient(discord.Client):
    """A plain Client (not AutoSharded: it would ask ``GET /gateway/bot`` first)."""

    def __init__(self, adapter: DiscordAdapter, *, guild_ready_timeout: float) -> None:
        # No voice here: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=gateway_intents(),
            allowed_mentions=NO_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.adapter = adapter
        # What persistent buttons call (views.ActionButton looks it up on the client).
        self.button_host: Interactions | None = None
        self.tree: app_commands.CommandTree[HeraldClient] = app_commands.CommandTree(self)
        self.ready_event = asyncio.Event()

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.ready_event.set()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)


class DiscordAdapter:
    platform = Platform.DISCORD.value

    def __init__(
        self,
        settings: Settings,
        engine: CommandHandler,
        *,
        kv: KeyValue | None = None,
        sync_commands: bool = False,
        guild_ready_timeout: float | None = None,
        ready_timeout: float | None = None,
    ) -> None:
        if settings.discord_token is None:
            raise ConfigError("DISCORD_TOKEN: set it to the bot token to use Discord.")
        self.settings = settings
        self.engine = engine
        self.kv = kv
        self.sync_commands = sync_commands
        self.ready_timeout = READY_TIMEOUT if ready_timeout is None else ready_timeout
        self.pacer = ChannelPacer()
        self.client = HeraldClient(
            self,
            guild_ready_timeout=(
                GUILD_READY_TIMEOUT if guild_ready_timeout is None else guild_ready_timeout
            ),
        )
        self.interactions = Interactions(self.client, engine, self.platform)
        self.client.button_host = self.interactions
        self.outbound = Outbound(self.client, self.pacer, self.platform)
        self.client.tree.add_command(
            slash.build_group(self.interactions.run_command, self.interactions.complete)
        )
        self.client.tree.add_command(slash.build_show_paper(self.interactions.show_paper))
        for guild_id in settings.discord_guild_ids:
            self.client.tree.copy_global_to(guild=discord.Object(guild_id))
        self.client.tree.error(self.interactions.on_command_error)
        self._task: asyncio.Task[None] | None = None
        # The engine's reply counter; a separate narrow handle so tests can watch it.
        self.recorder: ReplyRecorder = engine

    # ------------------------------------------------------------------ lifecycle
    async def setup(self) -> None:
        """Runs once after login, before the gateway connects."""
        self.client.add_dynamic_items(ActionButton)
        await slash.sync_if_needed(
            self.client.tree, self.kv, self.settings.discord_guild_ids, force=self.sync_commands
        )

    async def start(self) -> None:
        """Log in, connect in the background, and return once Discord says READY."""
        if self._task is not None:
            raise RuntimeError("the Discord adapter is already started")
        assert self.settings.discord_token is not None
        token = self.settings.discord_token.get_secret_value()
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            await self.client.close()
            raise ConfigError(
                "DISCORD_TOKEN: Discord rejected the token; reset it in the Developer Portal."
            ) from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise DiscordStartError(
                f"Could not log in to Discord at {discord.http.Route.BASE}: {exc}"
            ) from exc
        self._task = asyncio.create_task(self.client.connect(reconnect=True), name="discord")
        ready = asyncio.create_task(self.client.ready_event.wait())
        try:
            done, _ = await asyncio.wait(
                {ready, self._task}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            # Stopped while connecting: the caller never saw us start, so it won't close us.
            ready.cancel()
            await self.close()
            raise
        if ready in done:
            return
        ready.cancel()
        failure = self._task.exception() if self._task in done else None
        gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        await self.close()
        if failure is not None:
            # discord.py's own error here can be an unhelpful AttributeError; it is chained.
            raise DiscordStartError(
                f"Could not connect to the Discord gateway at {gateway}; "
                "check the network and DISCORD_GATEWAY_URL."
            ) from failure
        raise DiscordStartError(
            f"Could not connect to the Discord gateway at {gateway}: "
            f"no READY within {self.ready_timeout:g} s."
        )

    async def close(self) -> None:
        if not self.client.is_closed():
            await self.client.close()
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            # Once closed the gateway loop ends by itself, unless it sleeps in a reconnect backoff.
            await asyncio.wait({task}, timeout=CLOSE_GRACE)
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
        if not task.cancelled() and task.exception() is not None:
            log.debug("the gateway task ended with %r", task.exception())

    async def on_message(self, message: discord.Message) -> None:
        """MESSAGE_CREATE: count a human reply in a discussion or to a paper's card."""
        me = self.client.user
        await count_reply(self.recorder, self.platform, message, me.id if me is not None else None)

    # ------------------------------------------------------------------ ChatAdapter
    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        # A forum takes no plain message (Discord answers 50008): a message for the channel
        # (the weekly recap, an empty day's note) is a forum post there, named after its
        # first line. An uncached channel is taken for a text channel.
        cached = (
            self.client.get_channel(int(channel.channel)) if channel.channel.isdigit() else None
        )
        if isinstance(cached, discord.ForumChannel):
            title = message.thread_title or message.text.split("\n", 1)[0].lstrip("#* ")
            return await self.outbound.open_thread(channel, message, title)
        return await self.outbound.send(channel, message)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        return await self.outbound.open_thread(channel, header, title)

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        return await self.outbound.post_in_thread(thread, message)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        await self.outbound.edit(ref, message)

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        return await self.outbound.send_dm(user, message)

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        await self.outbound.reply_ephemeral(channel, user, message)

    async def permalink(self, ref: PostedRef) -> str | None:
        return await self.outbound.permalink(ref)

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return await channels.check_channel(self.client, channel)


def build_discord_adapter(
    settings: Settings,
    engine: CommandHandler,
    *,
    kv: KeyValue | None = None,
    sync_commands: bool = False,
) -> DiscordAdapter:
    """The adapter for ``settings``; redirects discord.py first when a proxy/fake URL is set."""
    apply_endpoints(settings)
    return DiscordAdapter(settings, engine, kv=kv, sync_commands=sync_commands)

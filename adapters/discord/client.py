"""The Discord adapter: a discord.py client that implements ``bot.ports.ChatAdapter``.

Built by :func:`build_discord_adapter`; nothing is created at import time. Slash commands
come from :mod:`adapters.discord.slash`, rendering from :mod:`adapters.discord.render`,
persistent buttons from :mod:`adapters.discord.views`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal

import aiohttp
import discord
from discord import app_commands

from adapters.discord import slash
from adapters.discord.endpoints import apply_endpoints
from adapters.discord.errors import DiscordStartError, delivery_errors, snowflake
from adapters.discord.events import ReplyRecorder, human_reply
from adapters.discord.invite import PERMISSIONS
from adapters.discord.pacing import ChannelPacer
from adapters.discord.render import NO_MENTIONS, Rendered, render_message, thread_name
from adapters.discord.views import ActionButton, relabel
from bot.actions import decode
from bot.commands import Command, UsageError, validate
from bot.config import ConfigError, Settings
from bot.messages import Message, admin_refusal, error, internal_error
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler, DeliveryError, KeyValue, PostedRef

log = logging.getLogger(__name__)

GUILD_READY_TIMEOUT = 2.0  # discord.py waits this long after the last GUILD_CREATE for on_ready
READY_TIMEOUT = 30.0
CLOSE_GRACE = 0.25  # the gateway loop needs a few ms to notice the close
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the thread stays open until the next one
# What "admin" means here, added to the core's one refusal sentence.
ADMIN_HINT = "On Discord that takes the Manage Server permission."
# Where a discussion opens: the channel, also when /papers discuss is used inside a thread.
DISCUSSION_COMMANDS = frozenset({("discuss",)})


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
        self.button_host = adapter
        self.tree: app_commands.CommandTree[HeraldClient] = app_commands.CommandTree(self)
        self.ready_event = asyncio.Event()

    async def setup_hook(self) -> None:
        await self.button_host.setup()

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))
        self.ready_event.set()

    async def on_message(self, message: discord.Message) -> None:
        await self.button_host.on_message(message)


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
        self.client.tree.add_command(slash.build_group(self._run_command, self._complete))
        for guild_id in settings.discord_guild_ids:
            self.client.tree.copy_global_to(guild=discord.Object(guild_id))
        self.client.tree.error(self._on_command_error)
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

    # ------------------------------------------------------------------ who and where
    def caller(self, interaction: discord.Interaction[Any]) -> UserRef:
        user = interaction.user
        guild_id = interaction.guild_id
        perms = interaction.permissions
        return UserRef(
            platform=self.platform,
            workspace=str(guild_id) if guild_id else "dm",
            user_id=str(user.id),
            display_name=user.display_name,
            is_admin=bool(guild_id) and (perms.manage_guild or perms.administrator),
        )

    def channel_of(self, interaction: discord.Interaction[Any]) -> ChannelRef | None:
        if not interaction.guild_id or interaction.channel_id is None:
            return None  # a DM has no daily thread; the engine says so
        return ChannelRef(self.platform, str(interaction.guild_id), str(interaction.channel_id))

    def discussion_channel(self, interaction: discord.Interaction[Any]) -> ChannelRef | None:
        """Where Discuss opens its thread: the channel it was used in, or, inside a thread
        (the daily thread, a forum post), the thread's parent text or forum channel."""
        here = self.channel_of(interaction)
        if here is None:
            return None
        channel: Any = interaction.channel
        if not isinstance(channel, discord.Thread):
            channel = self.client.get_channel(int(here.channel)) or channel
        if isinstance(channel, discord.Thread) and channel.parent_id:
            return ChannelRef(self.platform, here.workspace, str(channel.parent_id))
        return here

    # ------------------------------------------------------------------ commands
    async def _run_command(
        self, interaction: discord.Interaction[Any], decl: Command, values: dict[str, Any]
    ) -> None:
        caller = self.caller(interaction)
        # Checked before deferring too: a public "thinking…" would make the refusal public.
        refusal = admin_refusal(decl, caller, hint=ADMIN_HINT)
        if refusal is not None:
            await self.reply(interaction, refusal)
            return
        if decl.slow:  # answer within Discord's 3 s, then take the time needed
            await interaction.response.defer(ephemeral=decl.ephemeral, thinking=True)
        try:
            call = validate(decl, {k: v for k, v in values.items() if v is not None})
        except UsageError as exc:
            message = error(str(exc))
        else:
            where = (
                self.discussion_channel(interaction)
                if decl.path in DISCUSSION_COMMANDS
                else self.channel_of(interaction)
            )
            message = await self.engine.handle(caller, call, where)
        await self.reply(interaction, message)

    async def _complete(
        self, interaction: discord.Interaction[Any], kind: str, current: str
    ) -> list[app_commands.Choice[str]]:
        pairs = await self.engine.autocomplete(self.caller(interaction), kind, current)
        return slash.choices(pairs)

    async def _on_command_error(
        self, interaction: discord.Interaction[Any], exc: app_commands.AppCommandError
    ) -> None:
        log.error("/papers failed", exc_info=exc)
        with contextlib.suppress(discord.HTTPException):
            await self.reply(interaction, internal_error())

    async def reply(self, interaction: discord.Interaction[Any], message: Message) -> None:
        """Answer an interaction (or follow up a deferred one) with a rendered Message."""
        kwargs = render_message(message).send_kwargs()
        ephemeral = message.ephemeral or message.is_error
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    # ------------------------------------------------------------------ buttons
    async def on_button(self, interaction: discord.Interaction[Any], button: ActionButton) -> None:
        try:
            await self._button(interaction, button)
        except Exception:
            log.exception("button %s failed", button.action)
            # Not answered yet, or only "thinking…": say so (an answered click stays as it is).
            deferred = interaction.response.type is (
                discord.InteractionResponseType.deferred_channel_message
            )
            if not interaction.response.is_done() or deferred:
                with contextlib.suppress(discord.HTTPException):
                    await self.reply(interaction, internal_error())

    async def _button(self, interaction: discord.Interaction[Any], button: ActionButton) -> None:
        caller = self.caller(interaction)
        # What the click does around the answer comes from the action's declaration.
        call = decode(button.action)  # None: the engine answers that it is unsupported
        action = call.action if call is not None else None
        if action is not None and action.deferred:
            await interaction.response.defer(ephemeral=True, thinking=True)
        where = (
            self.discussion_channel(interaction)
            if action is not None and action.in_parent
            else self.channel_of(interaction)
        )
        message = await self.engine.handle_action(caller, button.action, where)
        if message.is_error or interaction.response.is_done():  # an error, or after "thinking…"
            await self.reply(interaction, message)
            return
        view = button.view
        if message.button_updates and isinstance(view, discord.ui.View):
            # Same message, same buttons, one new label (the vote count); the text privately.
            relabel(view, message.button_updates)
            await interaction.response.edit_message(view=view, allowed_mentions=NO_MENTIONS)
            await self.reply(interaction, message)
            return
        if action is not None and action.replaces:
            await interaction.response.edit_message(**render_message(message).edit_kwargs())
            return
        await self.reply(interaction, message)

    # ------------------------------------------------------------------ replies
    async def on_message(self, message: discord.Message) -> None:
        """MESSAGE_CREATE: count a human reply in a discussion or to a paper's card."""
        me = self.client.user
        reply = human_reply(message, me.id if me is not None else None)
        if reply is None:
            return
        try:
            counted = await self.recorder.record_reply(
                self.platform,
                reply.guild_id,
                message_id=reply.message_id,
                user_id=reply.user_id,
                thread_id=reply.thread_id,
                reply_to=reply.reply_to,
            )
        except Exception:
            log.exception("reply %s was not recorded", reply.message_id)
            return
        if counted:
            log.debug("reply %s in %s counted", reply.message_id, reply.thread_id or "-")

    # ------------------------------------------------------------------ posting
    async def _guild_channel(self, channel_id: int) -> Any:
        found = self.client.get_channel(channel_id)
        return found if found is not None else await self.client.fetch_channel(channel_id)

    def _messageable(self, channel_id: int) -> Any:
        # A partial messageable posts without fetching the channel first (one request less,
        # and it works for threads that are not in the cache after a restart).
        found = self.client.get_channel(channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        return self.client.get_partial_messageable(channel_id)

    async def _post(self, channel_id: int, rendered: Rendered) -> discord.Message:
        await self.pacer.wait(str(channel_id))
        sent: discord.Message = await self._messageable(channel_id).send(**rendered.send_kwargs())
        return sent

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        channel_id = snowflake(channel.channel, "channel")
        async with delivery_errors(f"a post in channel {channel_id}", "this channel"):
            sent = await self._post(channel_id, render_message(message))
        return PostedRef(channel, str(sent.id))

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        channel_id = snowflake(channel.channel, "channel")
        name = thread_name(title or header.thread_title or "Daily Papers")
        rendered = render_message(header)
        async with delivery_errors(f"a new thread in channel {channel_id}", "this channel"):
            target = await self._guild_channel(channel_id)
            if isinstance(target, discord.ForumChannel):
                await self.pacer.wait(str(channel_id))
                created = await target.create_thread(
                    name=name,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    **rendered.send_kwargs(),
                )
                return PostedRef(channel, str(created.message.id), str(created.thread.id))
            if not isinstance(target, discord.TextChannel):
                raise DeliveryError(
                    "Threads need a text or forum channel; this is neither.", permanent=True
                )
            root = await self._post(channel_id, rendered)
            try:
                # Through the channel, not the message (pitfall 5: webhook messages have no guild).
                thread = await target.create_thread(
                    name=name, message=root, auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except BaseException:
                # Without its thread the header is an orphan that the retry would duplicate.
                with contextlib.suppress(discord.HTTPException):
                    await root.delete()
                raise
        return PostedRef(channel, str(root.id), str(thread.id))

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        thread_id = snowflake(thread.thread_id or thread.message_id, "thread")
        async with delivery_errors(f"a post in thread {thread_id}", "the thread"):
            sent = await self._post(thread_id, render_message(message))
        return PostedRef(thread.channel, str(sent.id), str(thread_id))

    async def edit(self, ref: PostedRef, message: Message) -> None:
        """Replace a posted message: a thread post, or a thread's root as ``open_thread``
        returned it (in a text channel the header message, in a forum the post's first
        message, which lives inside the thread)."""
        message_id = snowflake(ref.message_id, "message")
        channel_id = snowflake(ref.channel.channel, "channel")
        async with delivery_errors(f"an edit of message {message_id}", "that message's channel"):
            if ref.thread_id and ref.thread_id != ref.message_id:
                channel_id = snowflake(ref.thread_id, "thread")  # a post inside the thread
            elif ref.thread_id:
                # Both roots have the thread's id: only the channel type tells them apart
                # (from the cache; after a restart an uncached channel is fetched once).
                parent = await self._guild_channel(channel_id)
                if isinstance(parent, discord.ForumChannel):
                    channel_id = snowflake(ref.thread_id, "thread")
            partial = self.client.get_partial_messageable(channel_id).get_partial_message(
                message_id
            )
            await partial.edit(**render_message(message).edit_kwargs())

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        user_id = snowflake(user.user_id, "user")
        async with delivery_errors(f"a direct message to user {user_id}"):
            dm = await self.client.create_dm(discord.Object(user_id))
            await self.pacer.wait(str(dm.id))
            sent = await dm.send(**render_message(message).send_kwargs())
        return PostedRef(ChannelRef(self.platform, user.workspace, str(dm.id)), str(sent.id))

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        # Discord has ephemeral messages only as answers to an interaction; outside one the
        # private way to tell a single person is a direct message.
        await self.send_dm(user, message)

    async def permalink(self, ref: PostedRef) -> str | None:
        """A link for people to click; no request needed.

        A thread's root (``open_thread``'s ref: the thread has the root message's id, in text
        and forum channels alike) links to the thread, which Discord opens; a message inside
        a thread to ``/<guild>/<thread>/<message>``; any other message to
        ``/<guild>/<channel>/<message>``."""
        guild = ref.channel.workspace
        if not guild.isdigit():
            return None  # a DM: no stable link for other people
        base = f"https://discord.com/channels/{guild}"
        if ref.thread_id and ref.thread_id == ref.message_id:
            return f"{base}/{ref.thread_id}"
        if ref.thread_id:
            return f"{base}/{ref.thread_id}/{ref.message_id}"
        return f"{base}/{ref.channel.channel}/{ref.message_id}"

    async def check_channel(self, channel: ChannelRef) -> str | None:
        try:
            channel_id = int(channel.channel)
        except ValueError:
            return "That is not a Discord channel."
        try:
            target = await self._guild_channel(channel_id)
        except (discord.Forbidden, discord.NotFound):
            return (
                "Paper Herald cannot see this channel; give it the View Channels permission here."
            )
        except discord.HTTPException as exc:
            return f"Discord did not answer ({exc.status}); try again in a minute."
        if isinstance(target, discord.Thread):
            return "Run this in a text or forum channel, not inside a thread."
        if not isinstance(target, discord.TextChannel | discord.ForumChannel):
            return "Daily threads need a text or forum channel."
        me = target.guild.me
        if me is None:
            return None  # not cached yet; posting will report a missing permission
        perms = target.permissions_for(me)
        needed = [
            (label, attr)
            for label, attr in PERMISSIONS
            # A forum post is the thread: creating one takes Send Messages, not Create Threads.
            if not (isinstance(target, discord.ForumChannel) and attr == "create_public_threads")
        ]
        missing = [label for label, attr in needed if not getattr(perms, attr)]
        if not missing:
            return None
        names = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
        return (
            f"Paper Herald is missing {names} in this channel; "
            "grant {} to its role here and run setup again.".format(
                "them" if len(missing) > 1 else "it"
            )
        )


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

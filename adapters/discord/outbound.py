"""Outbound: everything the core posts to Discord. Posts, daily threads (text and forum
channels), edits, direct messages and permalinks, each paced per channel and each failure
mapped to the core's DeliveryError (:mod:`adapters.discord.errors`)."""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import discord

from adapters.discord.channels import guild_channel
from adapters.discord.errors import delivery_errors, snowflake
from adapters.discord.limits import thread_name
from adapters.discord.pacing import ChannelPacer, wait_all
from adapters.discord.render import Rendered, render_message
from bot.messages import Message
from bot.models import ChannelRef, UserRef
from bot.ports import DeliveryError, PostedRef

THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the thread stays open until the next one
# Discord allows a bot 50 requests/s in all (interaction answers are exempt). discord.py only
# waits after a global 429, and 10,000 refused requests in 10 minutes get the IP banned, so
# everything posted here keeps under it (with room for the few other requests).
GLOBAL_LIMIT = 48  # requests per second


class Outbound:
    def __init__(
        self,
        client: discord.Client,
        pacer: ChannelPacer,
        platform: str,
        everything: ChannelPacer | None = None,
    ) -> None:
        self.client = client
        self.pacer = pacer  # per channel
        self.platform = platform
        self.everything = everything or ChannelPacer(GLOBAL_LIMIT, 1.0)  # the bot's requests

    async def _request(self, channel_id: int | None = None) -> None:
        """Wait before one request: for the bot-wide budget, and for the channel's when it is
        a message in ``channel_id``."""
        if channel_id is None:
            await self.everything.wait("")
        else:
            await wait_all([(self.pacer, str(channel_id)), (self.everything, "")])

    def _messageable(self, channel_id: int) -> Any:
        # A partial messageable posts without fetching the channel first (one request less,
        # and it works for threads that are not in the cache after a restart).
        found = self.client.get_channel(channel_id)
        if isinstance(found, discord.abc.Messageable):
            return found
        return self.client.get_partial_messageable(channel_id)

    async def _post(self, channel_id: int, rendered: Rendered) -> discord.Message:
        await self._request(channel_id)
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
            target = await guild_channel(self.client, channel_id)
            if isinstance(target, discord.ForumChannel):
                await self._request(channel_id)
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
                await self._request()
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
                parent = await guild_channel(self.client, channel_id)
                if isinstance(parent, discord.ForumChannel):
                    channel_id = snowflake(ref.thread_id, "thread")
            partial = self.client.get_partial_messageable(channel_id).get_partial_message(
                message_id
            )
            await self._request()
            await partial.edit(**render_message(message).edit_kwargs())

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        user_id = snowflake(user.user_id, "user")
        async with delivery_errors(f"a direct message to user {user_id}"):
            await self._request()
            dm = await self.client.create_dm(discord.Object(user_id))
            await self._request(dm.id)
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

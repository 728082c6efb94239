"""Gateway messages -> the engine's reply counter (discussion activity).

Only non-privileged intents: ``guilds`` (channels, threads, THREAD_CREATE) and
``guild_messages`` (MESSAGE_CREATE). Without Message Content the text of other people's
messages arrives empty, which is fine: a reply is counted from who wrote it, where, and what
it answers (``message_reference``), never from what it says.

What is passed on:

* ``thread_id`` for a message in a thread, and for one in a channel the client does not have
  cached (after a restart an archived thread that comes back to life may be unknown; it shows
  up as a PartialMessageable). The core only matches ids of its discussion threads and
  ignores the rest, at the cost of one indexed lookup; plain channel messages are skipped.
* ``reply_to`` for a reply (not a forward) to some message: a paper's card in a daily thread,
  or a discussion's root card in the channel.

Messages from bots (this one included), webhooks and the system, and every message type
other than a plain message or a reply (pins, joins, "started a thread", ...), are ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import discord

COUNTED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
_FORWARD = discord.MessageReferenceType.forward  # a forward quotes; it does not answer

log = logging.getLogger(__name__)


class ReplyRecorder(Protocol):
    """The core's reply counter (``CommandHandler.record_reply``: bot.dispatch)."""

    async def record_reply(
        self,
        platform: str,
        workspace: str,
        *,
        message_id: str,
        user_id: str,
        thread_id: str | None = None,
        reply_to: str | None = None,
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class HumanReply:
    guild_id: str
    message_id: str
    user_id: str
    thread_id: str | None
    reply_to: str | None


def human_reply(message: discord.Message, me_id: int | None) -> HumanReply | None:
    """The countable reply ``message`` is, or None."""
    author = message.author
    if author.bot or author.system or message.webhook_id is not None:
        return None
    if me_id is not None and author.id == me_id:
        return None
    if message.type not in COUNTED_TYPES:
        return None
    channel = message.channel
    guild_id = message.guild.id if message.guild is not None else None
    if guild_id is None:
        guild_id = getattr(channel, "guild_id", None)  # a PartialMessageable knows its guild
    if guild_id is None:
        return None  # a direct message: no discussions there
    thread_id = None
    if isinstance(channel, discord.Thread | discord.PartialMessageable):
        thread_id = str(channel.id)
    reply_to = None
    ref = message.reference
    if ref is not None and ref.message_id is not None and ref.type is not _FORWARD:
        reply_to = str(ref.message_id)
    if thread_id is None and reply_to is None:
        return None
    return HumanReply(str(guild_id), str(message.id), str(author.id), thread_id, reply_to)


async def count_reply(
    recorder: ReplyRecorder, platform: str, message: discord.Message, me_id: int | None
) -> None:
    """MESSAGE_CREATE: count a human reply in a discussion or to a paper's card."""
    reply = human_reply(message, me_id)
    if reply is None:
        return
    try:
        counted = await recorder.record_reply(
            platform,
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

"""Channels: finding one (cache first, then one request) and checking that the bot may post
its daily thread there, with one sentence naming what is missing."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.invite import PERMISSIONS
from bot.models import ChannelRef


async def guild_channel(client: discord.Client, channel_id: int) -> Any:
    """The channel from the cache, or fetched (an uncached channel after a restart)."""
    found = client.get_channel(channel_id)
    return found if found is not None else await client.fetch_channel(channel_id)


def missing_permissions(target: discord.TextChannel | discord.ForumChannel) -> list[str]:
    """The permissions the bot lacks in ``target`` for daily threads, by their names."""
    me = target.guild.me
    if me is None:
        return []  # not cached yet; posting will report a missing permission
    perms = target.permissions_for(me)
    needed = [
        (label, attr)
        for label, attr in PERMISSIONS
        # A forum post is the thread: creating one takes Send Messages, not Create Threads.
        if not (isinstance(target, discord.ForumChannel) and attr == "create_public_threads")
    ]
    return [label for label, attr in needed if not getattr(perms, attr)]


async def check_channel(client: discord.Client, channel: ChannelRef) -> str | None:
    """None when daily threads can go to ``channel``, else the sentence saying why not."""
    try:
        channel_id = int(channel.channel)
    except ValueError:
        return "That is not a Discord channel."
    try:
        target = await guild_channel(client, channel_id)
    except (discord.Forbidden, discord.NotFound):
        return "Paper Herald cannot see this channel; give it the View Channels permission here."
    except discord.HTTPException as exc:
        return f"Discord did not answer ({exc.status}); try again in a minute."
    if isinstance(target, discord.Thread):
        return "Run this in a text or forum channel, not inside a thread."
    if not isinstance(target, discord.TextChannel | discord.ForumChannel):
        return "Daily threads need a text or forum channel."
    missing = missing_permissions(target)
    if not missing:
        return None
    names = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    return (
        f"Paper Herald is missing {names} in this channel; "
        "grant {} to its role here and run setup again.".format(
            "them" if len(missing) > 1 else "it"
        )
    )

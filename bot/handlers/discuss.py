"""Discussions: ``/papers discuss <id>`` and the 💬 Discuss button open (or link) a thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.actions import ActionCall
from bot.commands import CommandCall
from bot.handlers.common import known_paper
from bot.messages import Message, error
from bot.models import ChannelRef, Paper, UserRef
from bot.ports import PaperRepo
from bot.present.replies import confirm

OpenDiscussion = Callable[[UserRef, Paper, ChannelRef | None], Awaitable[Message]]
SetDiscuss = Callable[[ChannelRef, bool], Awaitable[None]]


async def discuss(
    caller: UserRef,
    call: CommandCall,
    channel: ChannelRef | None,
    papers: PaperRepo,
    open_discussion: OpenDiscussion,
) -> Message:
    return await discuss_paper(caller, str(call.get("id")), channel, papers, open_discussion)


async def discuss_click(
    caller: UserRef,
    call: ActionCall,
    channel: ChannelRef | None,
    papers: PaperRepo,
    open_discussion: OpenDiscussion,
) -> Message:
    return await discuss_paper(caller, call.get("arxiv_id"), channel, papers, open_discussion)


async def discuss_paper(
    caller: UserRef,
    raw: str,
    channel: ChannelRef | None,
    papers: PaperRepo,
    open_discussion: OpenDiscussion,
) -> Message:
    found = await known_paper(raw, papers)
    if isinstance(found, str):
        return error(found)
    return await open_discussion(caller, found, channel)


async def channel_discuss(
    call: CommandCall, channel: ChannelRef | None, set_discuss: SetDiscuss
) -> Message:
    """``/papers channel discuss on|off`` (admins): whether Discuss may open threads here."""
    if channel is None:
        return error("Run this in the channel it is about.")
    on = call.get("state") == "on"
    await set_discuss(channel, on)
    if on:
        return confirm("Discussions are on in this channel: members can open threads.")
    return confirm("Discussions are off in this channel: Discuss no longer opens threads here.")

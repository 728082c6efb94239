"""``/papers why``: the ranking of one paper here, taken apart."""

from __future__ import annotations

from bot.commands import CommandCall
from bot.digest import Digests
from bot.handlers.common import known_paper, utc_today
from bot.messages import Message, error
from bot.models import ChannelRef, UserRef
from bot.ports import Clock, FeedRepo, PaperRepo
from bot.present.why import why_message
from bot.taste_service import TasteService


async def why(
    caller: UserRef,
    call: CommandCall,
    channel: ChannelRef | None,
    clock: Clock,
    papers: PaperRepo,
    feeds: FeedRepo,
    digests: Digests,
    tastes: TasteService,
) -> Message:
    found = await known_paper(str(call.get("id")), papers)
    if isinstance(found, str):
        return error(found)
    feed = await feeds.get(channel) if channel is not None else None
    topic = feed.topic if feed is not None and feed.enabled else None
    day = utc_today(clock)
    if not await papers.featured_on(day):
        day = await digests.latest_day() or day
    where = {"platform": caller.platform, "workspace": caller.workspace}
    scored = (await digests.planned(day, [found.arxiv_id], topic=topic, **where)).get(
        found.arxiv_id
    )
    if scored is None:
        return error(f"I can't score {found.arxiv_id} here.")
    taste = await tastes.for_workspace(caller.platform, caller.workspace)
    explanation = (
        None
        if taste is None
        else await tastes.explain(taste, found, caller.platform, caller.workspace)
    )
    label = f"in this channel's feed on '{topic}'" if topic else "here"
    return why_message(scored, day, where=label, explanation=explanation)

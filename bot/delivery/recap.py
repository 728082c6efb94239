"""Weekly recaps: once a week, at a feed's post time on its weekly day (``/papers channel
weekly fri``), one message in the channel with the week's most upvoted and most discussed
papers of the workspace, how many people voted, and links to the discussion threads.

A recap is a second *track* of the same Publisher: its rows (``Repositories.recaps``) are
claimed, leased, resumed, caught up within the grace window and marked missed beyond it by the
very code that does it for daily threads (:mod:`bot.delivery.publisher`); only what a post is
differs, here. The schedule sees a recap feed as a feed that posts on one weekday
(:func:`weekly`), so :mod:`bot.delivery.schedule` decides when it is due.

The week of the recap on local day D is [D - 7 days, D) at the feed's post time, in its zone:
consecutive recaps tile time, and a vote counts in exactly one of them. An admin's
``post-now weekly`` covers the 7 days up to now; a recap posted in the six days before D (a
post-now mid-week, or the recap day moved) ends the next one's week there instead. A week without votes or discussion replies
posts a one-line note, or nothing on a feed that skips empty days (its status says so).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.delivery.plan import Attempt
from bot.delivery.schedule import post_instant
from bot.delivery.thread import still_ours
from bot.models import ChannelRef, Delivery, DeliveryStatus, EmptyDay, Feed, WeekTally
from bot.ports import ChatAdapter, DeliveryError, DeliveryRepo, Permalinks, PostedRef
from bot.present.recap import EMPTY_WEEK, recap_message, recap_note
from bot.present.text import day_label
from bot.retries import Retries

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)


class WeekOf(Protocol):
    """``VoteRepo.week``: a workspace's up-votes and discussion replies in [start, end)."""

    async def __call__(self, channel: ChannelRef, start: datetime, end: datetime) -> WeekTally: ...


def weekly(feed: Feed) -> Feed | None:
    """The feed as the schedule sees its recaps (one post a week, on its weekly day); None
    for a feed without a recap."""
    if feed.weekly_day is None:
        return None
    return replace(feed, weekdays=frozenset({feed.weekly_day}))


def week_window(feed: Feed, day: date, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The week the recap of local ``day`` covers, in UTC; ``now`` (post-now) ends it now,
    this very second included (stored times have whole seconds: a vote cast a moment ago
    counts)."""
    start = post_instant(feed, day - WEEK)
    if now is None:
        return start, post_instant(feed, day)
    return start, now.replace(microsecond=0) + timedelta(seconds=1)


class RecapPoster:
    """Posts a recap whose (feed, day) row the Publisher has claimed."""

    def __init__(
        self,
        *,
        recaps: DeliveryRepo,
        week: WeekOf,
        stopping: asyncio.Event,
        retries: Retries[int],
        owner: str,
    ) -> None:
        self.recaps = recaps
        self.week = week
        self.stopping = stopping
        self.retries = retries
        self.owner = owner

    async def post(
        self, feed: Feed, day: date, claim: Delivery, adapter: ChatAdapter, attempt: Attempt
    ) -> str:
        assert feed.id is not None
        repo = self.recaps
        if claim.root_message_id is not None:  # it went out; only the finish was lost
            await repo.finish(feed.id, day, DeliveryStatus.DONE, claim.note)
            self.retries.clear(feed.id, day)
            return "This week's recap is already posted here."
        start, end = week_window(feed, day, attempt.now if attempt.manual else None)
        start = max(start, await self._previous_end(feed.id, day))
        tally = await self.week(feed.channel, start, end)
        last_day = end.astimezone(ZoneInfo(feed.timezone)).date()
        if tally.empty and feed.empty_day is EmptyDay.SKIP:
            await repo.finish(feed.id, day, DeliveryStatus.SKIPPED, EMPTY_WEEK)
            self.retries.clear(feed.id, day)
            log.info("feed %s recap %s: skipped, %s", feed.id, day, EMPTY_WEEK)
            return (
                "No votes or discussion that week; nothing was posted (this feed skips empty days)."
            )
        ids: tuple[str, ...] = ()
        if tally.empty:
            message = recap_note(feed, start, end)
        else:
            links = await self._links(adapter, tally)
            message = recap_message(feed, start, end, tally, links)
            ids = tuple(
                dict.fromkeys(
                    [p.arxiv_id for p, _ in tally.upvoted]
                    + [d.paper.arxiv_id for d in tally.discussed]
                )
            )
        await repo.set_plan(feed.id, day, ids, content_day=last_day)
        await still_ours(repo, self.stopping, feed.id, day, self.owner)
        ref = await adapter.send(feed.channel, message)
        await repo.set_root(feed.id, day, ref.message_id, ref.thread_id or ref.message_id)
        await repo.finish(feed.id, day, DeliveryStatus.DONE, EMPTY_WEEK if tally.empty else None)
        self.retries.clear(feed.id, day)
        log.info("feed %s recap %s: posted (%d voters)", feed.id, day, tally.voters)
        if tally.empty:
            return "No votes or discussion that week; posted a short note."
        return f"Posted the weekly recap for the week to {day_label(last_day)}."

    async def _previous_end(self, feed_id: int, day: date) -> datetime:
        """When a recap posted in the six days before ``day`` (a post-now mid-week, or the
        recap day moved) ended: the second after it was finished (a post-now counts its own
        second, :func:`week_window`), so its votes are not counted again."""
        for back in range(1, WEEK.days):
            row = await self.recaps.get(feed_id, day - timedelta(days=back))
            if row and row.status is DeliveryStatus.DONE and row.updated_at is not None:
                return row.updated_at.replace(microsecond=0) + timedelta(seconds=1)
        return datetime.min.replace(tzinfo=UTC)

    @staticmethod
    async def _links(adapter: ChatAdapter, tally: WeekTally) -> dict[str, str]:
        """Each discussed paper's thread link, where the platform gives one."""
        links: dict[str, str] = {}
        if not isinstance(adapter, Permalinks):
            return links
        for d in tally.discussed:
            where = d.where
            if where is None or where.root_message_id is None:
                continue
            ref = PostedRef(where.channel, where.root_message_id, where.thread_id)
            try:
                url = await adapter.permalink(ref)
            except DeliveryError as exc:
                log.info("no link to the discussion of %s: %s", d.paper.arxiv_id, exc)
                continue
            if url:
                links[d.paper.arxiv_id] = url
        return links

"""A track of posts the Publisher keeps for every feed: its daily threads, or its weekly
recaps. Each has its own rows (claimed with a lease, per feed and local day), its own poster
and its own retry memory; the Publisher runs every track through the same claim, resume,
grace and missed-day code, and the channel status reads each through :func:`outlook`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.delivery import schedule
from bot.delivery.plan import Attempt
from bot.delivery.schedule import content_day
from bot.models import Delivery, DeliveryStatus, Feed
from bot.ports import ChatAdapter, DeliveryRepo
from bot.retries import Retries

# (feed, local day, its claimed row, adapter, attempt) -> what happened, in one sentence
Poster = Callable[[Feed, date, Delivery, ChatAdapter, Attempt], Awaitable[str]]


@dataclass(frozen=True)
class Track:
    name: str  # "daily" | "weekly"
    repo: DeliveryRepo
    post: Poster
    retries: Retries[int]
    # the feed as this track's schedule sees it; None: the feed has nothing on this track
    scheduled: Callable[[Feed], Feed | None]
    noun: str  # how answers name one post: "thread", "weekly recap"

    def not_claimed(self, existing: Delivery | None) -> str:
        if existing is None or existing.status is DeliveryStatus.CLAIMED:
            return f"That day's {self.noun} is being posted right now."
        if existing.status is DeliveryStatus.DONE:
            return f"That day's {self.noun} is already posted here."
        return f"Nothing to do: that day is already marked {existing.status.value}."


async def outlook(
    track: Track, feed: Feed, now: datetime, grace: timedelta, lease: timedelta, scheduled: bool
) -> schedule.Outlook | None:
    """What the channel status says about ``feed`` on ``track``: its next post by the same
    rules the Publisher follows (over the rows of the days it would look at: the passed posts
    of the grace window, and today), and its newest row. None: nothing on this track."""
    sched = track.scheduled(feed)
    if sched is None or feed.id is None:
        return None
    repo = track.repo
    days = {p.day for p in schedule.lookback(sched, now, grace)}
    days.add(schedule.local_today(sched, now))
    rows = {d: r for d in days if (r := await repo.get(feed.id, d))}
    upcoming = schedule.next_post(
        sched,
        now,
        grace,
        {d: r.status for d, r in rows.items()},
        {d for d, r in rows.items() if r.root_message_id},
    )
    last = await repo.last(feed.id)
    return schedule.Outlook(
        next_post=upcoming[0] if upcoming and feed.enabled else None,
        due=bool(upcoming and upcoming[1]),
        scheduled=scheduled,
        retry_at=track.retries.at(feed.id, upcoming[0].day) if upcoming else None,
        last=last,
        last_content_day=(last.content_day or content_day(feed, last.day)) if last else None,
        # Claims are stamped with the same injected clock (storage's Repositories(db, clock)).
        last_live=bool(
            last
            and last.status is DeliveryStatus.CLAIMED
            and last.owner is not None
            and last.updated_at is not None
            and now - last.updated_at < lease
        ),
    )

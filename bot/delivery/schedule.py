"""When a feed posts, as pure functions of (feed, now, grace, what is finished): no I/O.

The Publisher asks :func:`step` what to do with each post in :func:`lookback`; the channel
status asks :func:`next_post` what happens next. Both go through the same functions, so the
status never promises a post that the Publisher would not make (or hide one it will make).

A *post* is one feed's thread for one local day: its instant (the feed's local time, made
UTC with the zone's rules of that day) and its content day (the Hugging Face day it shows).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.models import Delivery, DeliveryStatus, Feed

LOOKAHEAD_DAYS = 8  # a feed posts at least one weekday a week


def post_instant(feed: Feed, local_day: date) -> datetime:
    """The UTC instant of the feed's post on ``local_day`` (DST-correct via zoneinfo).

    A wall time that does not exist (spring forward) posts an hour later by the clock
    (02:30 -> 03:30); one that happens twice (fall back) posts at its first occurrence.
    """
    tz = ZoneInfo(feed.timezone)
    return datetime.combine(local_day, feed.post_time, tzinfo=tz).astimezone(UTC)


def content_day(feed: Feed, local_day: date) -> date:
    """The HF (UTC) day whose papers the post of ``local_day`` shows.

    It is the UTC day before the post instant, computed with the zone's *summer* offset (the
    larger of its January and July offsets) rather than the offset of that very day: the
    earliest the post can happen in any season. So the day is always complete at post time,
    and consecutive local days always show consecutive HF days, also across a DST change
    (with the day's own offset, a New York feed at 19:30 would show 7 March on both 7 and
    8 March 2026, and skip 31 October in the autumn).
    """
    tz = ZoneInfo(feed.timezone)
    offsets = (
        tz.utcoffset(datetime(local_day.year, 1, 1)),
        tz.utcoffset(datetime(local_day.year, 7, 1)),
    )
    summer = max(o for o in offsets if o is not None)
    earliest = datetime.combine(local_day, feed.post_time) - summer
    return earliest.date() - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Post:
    """One feed's thread for one local day."""

    day: date  # the feed's local day
    at: datetime  # when it is due (UTC)
    content_day: date  # the HF day it shows

    def local_at(self, feed: Feed) -> datetime:
        return self.at.astimezone(ZoneInfo(feed.timezone))


def post_on(feed: Feed, local_day: date) -> Post:
    return Post(local_day, post_instant(feed, local_day), content_day(feed, local_day))


def local_today(feed: Feed, now: datetime) -> date:
    return now.astimezone(ZoneInfo(feed.timezone)).date()


def lookback(feed: Feed, now: datetime, grace: timedelta) -> list[Post]:
    """The feed's posts whose time has passed and that may still need work (posting,
    resuming, or marking missed), oldest first: today's and those of the grace window."""
    today = local_today(feed, now)
    back = int(grace / timedelta(days=1)) + 1
    found = []
    for n in range(back, -1, -1):
        day = today - timedelta(days=n)
        if day.weekday() in feed.weekdays:
            post = post_on(feed, day)
            if post.at <= now:
                found.append(post)
    return found


class Step(StrEnum):
    NOTHING = "nothing"  # finished (posted, skipped, missed or failed)
    POST = "post"  # due: post it, or resume it (also past the grace window once started)
    CLOSE = "close"  # the grace window is over and nothing went out: missed (or a last note)


def step(
    post: Post,
    now: datetime,
    grace: timedelta,
    status: DeliveryStatus | None,
    *,
    started: bool = False,
) -> Step:
    """What the schedule does with ``post`` at ``now``, given its delivery row's status
    (None: no row yet) and whether its root message went out (a started thread is always
    finished, even after the grace window: never half a thread)."""
    if status is not None and status is not DeliveryStatus.CLAIMED:
        return Step.NOTHING
    if post.at > now:
        return Step.NOTHING
    if now >= post.at + grace and not started:
        return Step.CLOSE
    return Step.POST


def next_post(
    feed: Feed,
    now: datetime,
    grace: timedelta,
    statuses: dict[date, DeliveryStatus],
    started: Collection[date] = (),
) -> tuple[Post, bool] | None:
    """The next post the schedule makes, and whether it is due already.

    ``statuses`` holds the delivery status of the local days of :func:`lookback` and of
    today (days without a row are absent); ``started`` the days whose root went out. A
    passed post that :func:`step` would post is due now (the oldest first); otherwise the
    first upcoming post whose day is not finished yet (``post-now`` can finish today's before
    its time, and then tomorrow's is next).
    """
    for post in lookback(feed, now, grace):
        status = statuses.get(post.day)
        if step(post, now, grace, status, started=post.day in started) is Step.POST:
            return post, True
    today = local_today(feed, now)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in feed.weekdays:
            continue
        post = post_on(feed, day)
        status = statuses.get(day)
        if post.at > now and (status is None or status is DeliveryStatus.CLAIMED):
            return post, False
    return None


@dataclass(frozen=True, slots=True)
class Outlook:
    """What ``/papers channel status`` says about a feed's schedule."""

    next_post: Post | None = None
    due: bool = False  # next_post's time has passed and it is not finished
    scheduled: bool = False  # a scheduler runs here (``paperherald run``; not ``chat``)
    retry_at: datetime | None = None  # the schedule waits until then after a failure
    last: Delivery | None = None  # the newest delivery row
    last_content_day: date | None = None  # the HF day that row's thread shows
    last_live: bool = False  # the row is claimed by a run that is posting right now
    recap: Outlook | None = None  # the feed's weekly recaps, when it has them

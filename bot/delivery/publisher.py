"""Daily threads: the database is the schedule.

Every minute ``publish_due(now)`` looks at each enabled feed: if its local post time has
passed and the (feed, day) delivery is not finished, it claims the row and posts. The claim
is a unique row; the ids to post are fixed in it at the first attempt, the root message and
every paper message are recorded right after they are posted, so a crash at any point
resumes into the same thread and posts only what is missing. The one message in flight when
a process dies may be posted twice (the platform took it, the record did not happen); nothing
is ever lost.

Which papers: a feed's post on local day D shows the papers of the newest Hugging Face day
that had ended (UTC) at the post time, so the list is complete and its upvotes have settled.
See :func:`bot.delivery.schedule.content_day` for how daylight-saving time is kept from repeating or
skipping a day. When and whether a post is due is decided by the pure functions of
:mod:`bot.delivery.schedule`, which the channel status uses too; which papers, by
:mod:`bot.delivery.plan`.

Timing rules, per (feed, local day D) whose post time P has passed:

* before ``P + grace``: post (or resume); a source that is down, or a transient platform
  fault, is retried on later runs with exponential backoff (1, 2, 4 … 30 minutes);
* at ``P + grace`` with nothing posted: if we were retrying because the sources were down,
  one final attempt posts the feed's empty-day note with the reason; otherwise the day is
  marked ``missed`` (the bot was down): a stale thread is never posted late;
* a thread whose root message went out is always finished, even after the grace window.

The same code keeps a feed's weekly recaps (:mod:`bot.delivery.recap`): each kind of post is
a :class:`~bot.delivery.track.Track` with its own rows, poster and retries.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import schedule
from bot.delivery.plan import (
    Attempt,
    Planner,
    Stopping,
    clip,
)
from bot.delivery.recap import RecapPoster, WeekOf, weekly
from bot.delivery.schedule import Post, Step
from bot.delivery.thread import ClaimLost, PlannedScores, ThreadPoster
from bot.delivery.track import Track, outlook
from bot.ingest import IngestReport
from bot.models import Delivery, DeliveryStatus, Feed
from bot.ports import (
    ChatAdapter,
    Clock,
    DeliveryError,
    DeliveryRepo,
    FeedRepo,
    InterimReply,
)
from bot.retries import Retries

log = logging.getLogger(__name__)

# After the grace window, a day whose sources were down gets its empty-day note only if the
# bot is still (or again) running this soon after the window closed; later it is "missed".
FINAL_NOTE_WINDOW = timedelta(hours=1)
# Feeds posted at once, so one slow channel never holds the others. A thread is paced at
# 5 posts per 5 s in its channel (~2.4 requests/s for 10 papers) and the bot at 50 requests/s:
# it takes 21+ threads at once to use the budget; 48 keep 10,000 feeds due at the same minute
# within 1.05x of the rate-limit floor (bench/feeds.py; 4 took 5.2x).
PARALLEL_FEEDS = 48


@dataclass(frozen=True)
class PublishPolicy:
    """The settings the Publisher follows."""

    grace: timedelta  # how long after its time a post may still go out
    lease_seconds: int  # a claim not renewed for this long may be taken over
    post_now_wait: float  # seconds post-now waits for a fetch before using the store
    # seconds a scheduled post waits for the day's fetch: then it goes on with what the store
    # has (or retries per the grace rules), so a hung upstream never stalls every feed
    fetch_wait: float | None = None


class Publisher:
    def __init__(
        self,
        *,
        deliveries: DeliveryRepo,
        feeds: FeedRepo,
        planner: Planner,
        planned: PlannedScores,
        adapters: Mapping[str, ChatAdapter],
        clock: Clock,
        stopping: asyncio.Event,
        policy: PublishPolicy,
        recaps: DeliveryRepo | None = None,
        week: WeekOf | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.feeds = feeds
        self.planner = planner
        self.adapters = adapters
        self.clock = clock
        self.stopping = stopping
        self.policy = policy
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._locks: dict[int, asyncio.Lock] = {}
        self.retries: Retries[int] = Retries()  # failed (feed, day)s wait before their next try
        self.thread = ThreadPoster(
            deliveries=deliveries,
            planner=planner,
            planned=planned,
            stopping=stopping,
            retries=self.retries,
            owner=self.owner,
        )
        self.daily = Track("daily", deliveries, self.thread.post, self.retries, _same, "thread")
        self.tracks = [self.daily]
        self.weekly: Track | None = None
        if recaps is not None and week is not None:  # weekly recaps: a second track
            retries: Retries[int] = Retries()
            poster = RecapPoster(
                recaps=recaps, week=week, stopping=stopping, retries=retries, owner=self.owner
            )
            self.weekly = Track("weekly", recaps, poster.post, retries, weekly, "weekly recap")
            self.tracks.append(self.weekly)
        # True while a scheduler calls publish_due (``paperherald run``); ``chat`` has none,
        # so the channel status must not promise that a due post "goes out within a minute".
        self.scheduled = False

    @property
    def grace(self) -> timedelta:
        return self.policy.grace

    def retry_at(self, feed_id: int, day: date) -> datetime | None:
        """When the schedule tries (feed, day) again after a failure, if it is waiting."""
        return self.retries.at(feed_id, day)

    async def drain(self, grace: float) -> None:
        """Shutdown (the stopping event is set): fetches are cancelled (nothing was posted
        for them yet), and in-flight posts get ``grace`` seconds to finish the message they
        are sending and record it; the next start resumes their threads."""
        fetches = self.planner.cancel_fetches()

        async def idle() -> None:
            for lock in list(self._locks.values()):
                async with lock:
                    pass

        try:
            async with asyncio.timeout(grace):
                await idle()
                await asyncio.gather(*fetches, return_exceptions=True)
        except TimeoutError:
            log.warning("shutdown: a post was still in flight after %.0f s", grace)

    async def outlook(self, feed: Feed) -> schedule.Outlook:
        """What the channel status says about ``feed``: its next thread by the same rules
        :meth:`publish_due` follows, its newest delivery, and the same for its recaps."""
        now, lease = self.clock.now(), timedelta(seconds=self.policy.lease_seconds)
        args = (now, self.grace, lease, self.scheduled)
        daily = await outlook(self.daily, feed, *args)
        assert daily is not None
        recap = await outlook(self.weekly, feed, *args) if self.weekly else None
        return replace(daily, recap=recap)

    # ------------------------------------------------------------------ the schedule
    async def publish_due(self, now: datetime) -> list[str]:
        """Post every due (feed, day). One bad feed never blocks the others: feeds run side
        by side, every platform call has a deadline (bot.outbound), and each failure is
        caught per feed."""
        feeds = [f for f in await self.feeds.enabled() if f.id is not None]
        # Feeds of a platform this process does not serve are left alone: another process
        # may serve them, and marking them missed from here would be wrong.
        feeds = [f for f in feeds if f.channel.platform in self.adapters]
        for track in self.tracks:  # days long out of the lookback
            track.retries.forget_before(now - timedelta(days=3))
        fetches: dict[date, asyncio.Future[IngestReport]] = {}
        gate = asyncio.Semaphore(PARALLEL_FEEDS)

        async def one(feed: Feed) -> list[str]:
            assert feed.id is not None
            outcomes = []
            async with gate:
                for track in self.tracks:  # the day's thread first, then the week's recap
                    try:
                        sched = track.scheduled(feed)
                        posts = schedule.lookback(sched, now, self.grace) if sched else []
                    except Exception:
                        log.exception("feed %s: cannot compute its post times", feed.id)
                        continue
                    what = "" if track is self.daily else f" {track.name}"
                    for post in posts:
                        try:
                            outcome = await self._due(feed, post, now, fetches, track)
                        except Exception:
                            log.exception("publishing feed %s for %s failed", feed.id, post.day)
                            track.retries.backoff(feed.id, post.day, now)
                            continue
                        if outcome:
                            outcomes.append(f"feed {feed.id} {post.day}{what}: {outcome}")
            return outcomes

        results = await asyncio.gather(*(one(f) for f in feeds))
        return [o for r in results for o in r]

    async def _due(
        self,
        feed: Feed,
        post: Post,
        now: datetime,
        fetches: dict[date, asyncio.Future[IngestReport]],
        track: Track,
    ) -> str | None:
        assert feed.id is not None
        repo = track.repo
        day, at = post.day, post.at
        existing = await repo.get(feed.id, day)
        started = existing is not None and existing.root_message_id is not None
        what = schedule.step(
            post, now, self.grace, existing.status if existing else None, started=started
        )
        if what is Step.NOTHING:
            return None
        grace_end = at + self.grace
        if what is Step.CLOSE:
            if (
                track is self.daily  # a recap has no sources to wait for
                and existing is not None
                and existing.plan is None
                and existing.note
                and now < grace_end + FINAL_NOTE_WINDOW
            ):
                # We were running and waiting for the sources: say so in the channel.
                attempt = Attempt(now, final=True, fetches=fetches, wait=self.policy.fetch_wait)
                return await self.deliver(feed, day, attempt=attempt)
            return await self._mark_missed(feed, day, at, grace_end, existing, track)
        retry_at = track.retries.at(feed.id, day)
        if retry_at and now < retry_at:
            return None
        attempt = Attempt(now, final=now >= grace_end, fetches=fetches, wait=self.policy.fetch_wait)
        return await self.deliver(feed, day, attempt=attempt, track=track)

    async def _mark_missed(
        self,
        feed: Feed,
        day: date,
        at: datetime,
        grace_end: datetime,
        existing: Delivery | None,
        track: Track,
    ) -> str | None:
        assert feed.id is not None
        repo = track.repo
        if existing is None:
            since = await self.feeds.enabled_since(feed.id)
            if since is not None and since > at:
                return None  # the feed was set up after that post time: nothing was missed
        claim = await repo.claim(feed.id, day, self.owner, self.policy.lease_seconds)
        if claim is None:
            return None  # a live run holds it; it decides
        if claim.root_message_id is not None:
            # Someone posted the root meanwhile: leave the row for the next run to finish.
            await repo.release(feed.id, day, self.owner)
            return None
        tz = ZoneInfo(feed.timezone)
        window = f"{at.astimezone(tz):%H:%M} and {grace_end.astimezone(tz):%H:%M} ({feed.timezone})"
        if claim.note:
            note = f"not posted between {window}: {claim.note}"
        else:
            note = f"not posted: the bot was not running between {window}"
        await repo.finish(feed.id, day, DeliveryStatus.MISSED, note)
        track.retries.clear(feed.id, day)
        log.warning("feed %s missed %s: %s", feed.id, day, note)
        return f"missed ({note})"

    async def post_now(
        self, feed: Feed, *, progress: InterimReply | None = None, what: str = "daily"
    ) -> str:
        """An admin's ``/papers post-now``: the same path as the schedule, for today's local
        day; it also takes back a day that was missed, skipped or failed.

        A person is waiting, so when the day has to be fetched first it says so at once
        (``progress``) and waits at most ``post_now_wait`` seconds. If the sources fail or
        are too slow, the thread shows the latest complete day in the store instead (the
        newest day up to the post's own content day), saying why; with nothing stored it
        posts nothing and leaves the day open. ``what="weekly"``: the recap of the week up to
        now, as today's recap (the schedule then has nothing to post today)."""
        now = self.clock.now()
        day = schedule.local_today(feed, now)
        attempt = Attempt(now, manual=True, wait=self.policy.post_now_wait, progress=progress)
        track = self.weekly if what == "weekly" else self.daily
        if track is None:
            return "Weekly recaps are not available here."
        return await self.deliver(feed, day, attempt=attempt, reopen=True, track=track)

    # ------------------------------------------------------------------ one delivery
    async def deliver(
        self,
        feed: Feed,
        day: date,
        *,
        final_attempt: bool = False,
        attempt: Attempt | None = None,
        reopen: bool = False,
        track: Track | None = None,
    ) -> str:
        """Post (or resume) the thread (or ``track``'s post) of ``feed`` for local ``day``;
        returns what happened."""
        assert feed.id is not None
        track = track or self.daily
        attempt = attempt or Attempt(self.clock.now(), final=final_attempt)
        adapter = self.adapters.get(feed.channel.platform)
        if adapter is None:
            return f"no {feed.channel.platform} adapter is running here"
        if self.stopping.is_set():
            return "shutting down; not starting a new post"
        repo, retries = track.repo, track.retries
        lock = self._locks.setdefault(feed.id, asyncio.Lock())
        async with lock:
            lease = self.policy.lease_seconds
            claim = await repo.claim(feed.id, day, self.owner, lease, reopen=reopen)
            if claim is None:
                return track.not_claimed(await repo.get(feed.id, day))
            try:
                return await track.post(feed, day, claim, adapter, attempt)
            except ClaimLost:
                log.warning("feed %s %s: another run took the delivery over", feed.id, day)
                return "another run took this delivery over"
            except Stopping:
                await repo.release(feed.id, day, self.owner)
                log.info("feed %s %s: paused for shutdown; the next start resumes", feed.id, day)
                return "paused for shutdown; the next start resumes the thread"
            except DeliveryError as exc:
                if exc.permanent:
                    await self.feeds.disable(feed.id, str(exc))
                    await repo.finish(feed.id, day, DeliveryStatus.FAILED, str(exc))
                    retries.clear(feed.id, day)
                    log.error("feed %s disabled: %s", feed.id, exc)
                    return f"Posting failed and the daily thread was turned off: {exc}"
                delay = retries.backoff(feed.id, day, attempt.now)
                await repo.release(feed.id, day, self.owner, note=clip(f"posting failed: {exc}"))
                log.warning(
                    "feed %s %s: posting failed, retrying in %s: %s", feed.id, day, delay, exc
                )
                return f"Posting failed for now and will be retried: {exc}"
            except Exception as exc:
                retries.backoff(feed.id, day, attempt.now)
                await repo.release(
                    feed.id, day, self.owner, note=clip(f"unexpected error: {exc!r}")
                )
                raise
            except BaseException:
                await repo.release(feed.id, day, self.owner)
                raise


def _same(feed: Feed) -> Feed:
    """The daily track sees a feed as it is."""
    return feed

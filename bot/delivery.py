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
See :func:`content_day` for how daylight-saving time is kept from repeating or skipping a day.

Timing rules, per (feed, local day D) whose post time P has passed:

* before ``P + grace``: post (or resume); a source that is down, or a transient platform
  fault, is retried on later runs with exponential backoff (1, 2, 4 … 30 minutes);
* at ``P + grace`` with nothing posted: if we were retrying because the sources were down,
  one final attempt posts the feed's empty-day note with the reason; otherwise the day is
  marked ``missed`` (the bot was down): a stale thread is never posted late;
* a thread whose root message went out is always finished, even after the grace window.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from bot import render
from bot.models import Delivery, DeliveryStatus, EmptyDay, Feed, ScoredPaper
from bot.ports import ChatAdapter, DeliveryError, PostedRef
from bot.ranking import score_papers

if TYPE_CHECKING:
    from bot.engine import Engine, IngestReport

log = logging.getLogger(__name__)
T = TypeVar("T")

SOURCE_NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}
POST_TIMEOUT = 90.0  # seconds for one platform call; adapters normally time out first
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
# After the grace window, a day whose sources were down gets its empty-day note only if the
# bot is still (or again) running this soon after the window closed; later it is "missed".
FINAL_NOTE_WINDOW = timedelta(hours=1)
PARALLEL_FEEDS = 4  # feeds posted at once, so one slow channel never holds the others


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


class _ClaimLost(Exception):
    """Another run took the (feed, day) over (our lease had run out); stop posting."""


class _Stopping(Exception):
    """The process is shutting down (``engine.stopping``): stop between two messages."""


@dataclass
class _Attempt:
    now: datetime
    final: bool = False  # the grace window is over: no more waiting for the sources
    manual: bool = False  # an admin's post-now: answers are for a person, not the log
    fetches: dict[date, asyncio.Future[IngestReport]] = field(default_factory=dict)


def _names(errors: Mapping[str, str]) -> str:
    return " and ".join(SOURCE_NAMES.get(n, n) for n in errors)


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Publisher:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._locks: dict[int, asyncio.Lock] = {}
        # (feed id, local day) -> (failed attempts, not before): backoff between retries.
        self._retry: dict[tuple[int, date], tuple[int, datetime]] = {}

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.engine.settings.publish_grace_hours)

    def next_post(self, feed: Feed, now: datetime, *, after_today: bool = False) -> datetime | None:
        """Next local post time on one of the feed's weekdays."""
        tz = ZoneInfo(feed.timezone)
        local_today = now.astimezone(tz).date()
        for offset in range(1 if after_today else 0, 9):
            day = local_today + timedelta(days=offset)
            if day.weekday() not in feed.weekdays:
                continue
            at = post_instant(feed, day)
            if at > now:
                return at.astimezone(tz)
        return None

    def due_days(self, feed: Feed, now: datetime) -> list[tuple[date, datetime]]:
        """(local day, post instant) of the feed's passed post times that may still need
        work (posting, resuming, or marking missed), oldest first."""
        local_today = now.astimezone(ZoneInfo(feed.timezone)).date()
        back = int(self.grace / timedelta(days=1)) + 1
        found = []
        for n in range(back, -1, -1):
            day = local_today - timedelta(days=n)
            if day.weekday() in feed.weekdays:
                at = post_instant(feed, day)
                if at <= now:
                    found.append((day, at))
        return found

    # ------------------------------------------------------------------ the schedule
    async def publish_due(self, now: datetime) -> list[str]:
        """Post every due (feed, day). One bad feed never blocks the others: feeds run side
        by side, every platform call has a timeout, and each failure is caught per feed."""
        feeds = [f for f in await self.engine.store.feeds.enabled() if f.id is not None]
        # Feeds of a platform this process does not serve are left alone: another process
        # may serve them, and marking them missed from here would be wrong.
        feeds = [f for f in feeds if f.channel.platform in self.engine.adapters]
        for key, (_, not_before) in list(self._retry.items()):
            if not_before < now - timedelta(days=3):  # days long out of the lookback
                del self._retry[key]
        fetches: dict[date, asyncio.Future[IngestReport]] = {}
        gate = asyncio.Semaphore(PARALLEL_FEEDS)

        async def one(feed: Feed) -> list[str]:
            assert feed.id is not None
            outcomes = []
            async with gate:
                try:
                    days = self.due_days(feed, now)
                except Exception:
                    log.exception("feed %s: cannot compute its post times", feed.id)
                    return []
                for day, at in days:
                    try:
                        outcome = await self._due(feed, day, at, now, fetches)
                    except Exception:
                        log.exception("publishing feed %s for %s failed", feed.id, day)
                        self._backoff(feed.id, day, now)
                        continue
                    if outcome:
                        outcomes.append(f"feed {feed.id} {day}: {outcome}")
            return outcomes

        results = await asyncio.gather(*(one(f) for f in feeds))
        return [o for r in results for o in r]

    async def _due(
        self,
        feed: Feed,
        day: date,
        at: datetime,
        now: datetime,
        fetches: dict[date, asyncio.Future[IngestReport]],
    ) -> str | None:
        assert feed.id is not None
        repo = self.engine.store.deliveries
        existing = await repo.get(feed.id, day)
        if existing and existing.status is not DeliveryStatus.CLAIMED:
            return None
        grace_end = at + self.grace
        started = existing is not None and existing.root_message_id is not None
        if now >= grace_end and not started:
            if (
                existing is not None
                and existing.plan is None
                and existing.note
                and now < grace_end + FINAL_NOTE_WINDOW
            ):
                # We were running and waiting for the sources: say so in the channel.
                attempt = _Attempt(now, final=True, fetches=fetches)
                return await self.deliver(feed, day, attempt=attempt)
            return await self._mark_missed(feed, day, at, grace_end, existing)
        retry = self._retry.get((feed.id, day))
        if retry and now < retry[1]:
            return None
        attempt = _Attempt(now, final=now >= grace_end, fetches=fetches)
        return await self.deliver(feed, day, attempt=attempt)

    async def _mark_missed(
        self,
        feed: Feed,
        day: date,
        at: datetime,
        grace_end: datetime,
        existing: Delivery | None,
    ) -> str | None:
        assert feed.id is not None
        repo = self.engine.store.deliveries
        if existing is None:
            since = await self.engine.store.feeds.enabled_since(feed.id)
            if since is not None and since > at:
                return None  # the feed was set up after that post time: nothing was missed
        claim = await repo.claim(
            feed.id, day, self.owner, self.engine.settings.delivery_lease_seconds
        )
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
        await repo.finish(feed.id, day, DeliveryStatus.MISSED.value, note)
        self._retry.pop((feed.id, day), None)
        log.warning("feed %s missed %s: %s", feed.id, day, note)
        return f"missed ({note})"

    async def post_now(self, feed: Feed) -> str:
        """An admin's ``/papers post-now``: the same path as the schedule, for today's local
        day; it also takes back a day that was missed, skipped or failed. If the sources are
        down it does not post the empty-day note: it says so and leaves the day open."""
        now = self.engine.clock.now()
        day = now.astimezone(ZoneInfo(feed.timezone)).date()
        return await self.deliver(feed, day, attempt=_Attempt(now, manual=True), reopen=True)

    # ------------------------------------------------------------------ one delivery
    async def deliver(
        self,
        feed: Feed,
        day: date,
        *,
        final_attempt: bool = False,
        attempt: _Attempt | None = None,
        reopen: bool = False,
    ) -> str:
        """Post (or resume) the thread of ``feed`` for local ``day``; returns what happened."""
        assert feed.id is not None
        attempt = attempt or _Attempt(self.engine.clock.now(), final=final_attempt)
        adapter = self.engine.adapters.get(feed.channel.platform)
        if adapter is None:
            return f"no {feed.channel.platform} adapter is running here"
        if self.engine.stopping.is_set():
            return "shutting down; not starting a new post"
        repo = self.engine.store.deliveries
        lock = self._locks.setdefault(feed.id, asyncio.Lock())
        async with lock:
            lease = self.engine.settings.delivery_lease_seconds
            claim = await repo.claim(feed.id, day, self.owner, lease, reopen=reopen)
            if claim is None:
                return self._not_claimed(await repo.get(feed.id, day))
            try:
                return await self._post(feed, day, claim, adapter, attempt)
            except _ClaimLost:
                log.warning("feed %s %s: another run took the delivery over", feed.id, day)
                return "another run took this delivery over"
            except _Stopping:
                await repo.release(feed.id, day, self.owner)
                log.info("feed %s %s: paused for shutdown; the next start resumes", feed.id, day)
                return "paused for shutdown; the next start resumes the thread"
            except DeliveryError as exc:
                if exc.permanent:
                    await self.engine.store.feeds.disable(feed.id, str(exc))
                    await repo.finish(feed.id, day, DeliveryStatus.FAILED.value, str(exc))
                    self._retry.pop((feed.id, day), None)
                    log.error("feed %s disabled: %s", feed.id, exc)
                    return f"Posting failed and the daily thread was turned off: {exc}"
                delay = self._backoff(feed.id, day, attempt.now)
                await repo.release(feed.id, day, self.owner, note=_clip(f"posting failed: {exc}"))
                log.warning(
                    "feed %s %s: posting failed, retrying in %s: %s", feed.id, day, delay, exc
                )
                return f"Posting failed for now and will be retried: {exc}"
            except Exception as exc:
                self._backoff(feed.id, day, attempt.now)
                await repo.release(
                    feed.id, day, self.owner, note=_clip(f"unexpected error: {exc!r}")
                )
                raise
            except BaseException:
                await repo.release(feed.id, day, self.owner)
                raise

    @staticmethod
    def _not_claimed(existing: Delivery | None) -> str:
        if existing is None or existing.status is DeliveryStatus.CLAIMED:
            return "That day's thread is being posted right now."
        if existing.status is DeliveryStatus.DONE:
            return "That day's thread is already posted here."
        return f"Nothing to do: that day is already marked {existing.status.value}."

    def _backoff(self, feed_id: int, day: date, now: datetime) -> timedelta:
        attempts = self._retry.get((feed_id, day), (0, now))[0] + 1
        delay = min(RETRY_BASE * (1 << min(attempts - 1, 10)), RETRY_CAP)
        self._retry[(feed_id, day)] = (attempts, now + delay)
        return delay

    async def _renew(self, feed: Feed, day: date) -> None:
        """Before each post: still ours, and not shutting down."""
        assert feed.id is not None
        if self.engine.stopping.is_set():
            raise _Stopping
        if not await self.engine.store.deliveries.renew(feed.id, day, self.owner):
            raise _ClaimLost

    @staticmethod
    async def _call(call: Awaitable[T], what: str) -> T:
        """One platform call with a deadline: a hung call is a transient fault, not a hang."""
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow an outer
            # cancellation when the call finishes at the same moment (shutdown would hang).
            async with asyncio.timeout(POST_TIMEOUT):
                return await call
        except TimeoutError:
            raise DeliveryError(f"{what} timed out after {POST_TIMEOUT:.0f} s") from None

    async def _post(
        self,
        feed: Feed,
        day: date,
        claim: Delivery,
        adapter: ChatAdapter,
        attempt: _Attempt,
    ) -> str:
        assert feed.id is not None
        repo, ch = self.engine.store.deliveries, feed.channel
        cday = content_day(feed, day)
        plan, root, thread_id = claim.plan, claim.root_message_id, claim.thread_id
        ranked: dict[str, ScoredPaper] | None = None
        if plan is None:
            if root is not None:  # the empty-day note went out; only the finish was lost
                await repo.finish(feed.id, day, DeliveryStatus.DONE.value, "empty day")
                return "No papers for that day; posted a short note."
            items, errors = await self._plan_items(feed, cday, attempt)
            if not items:
                return await self._empty(feed, day, cday, adapter, errors, attempt)
            plan = tuple(s.paper.arxiv_id for s in items)
            await repo.set_plan(feed.id, day, plan)
            ranked = {s.paper.arxiv_id: s for s in items}
        if ranked is None:
            ranked = await self._ranked(feed, cday, plan)
        if root is None:
            header = render.digest_header(cday, len(plan), feed.topic)
            await self._renew(feed, day)
            ref = await self._call(
                adapter.open_thread(ch, header, header.thread_title or "Daily Papers"),
                "opening the thread",
            )
            root, thread_id = ref.message_id, ref.thread_id or ref.message_id
            await repo.set_root(feed.id, day, root, thread_id)
        thread = PostedRef(channel=ch, message_id=root, thread_id=thread_id)
        posted, count = set(claim.posted), 0
        for rank, arxiv_id in enumerate(plan, 1):
            if arxiv_id in posted:
                continue
            item = ranked.get(arxiv_id)
            if item is None:
                log.warning("feed %s %s: planned paper %s is gone", feed.id, day, arxiv_id)
                continue
            await self._renew(feed, day)
            sent = await self._call(
                adapter.post_in_thread(thread, render.digest_item(item, rank)),
                f"posting paper {rank} of {len(plan)}",
            )
            await repo.add_posted(feed.id, day, arxiv_id, sent.message_id)
            count += 1
        await repo.finish(feed.id, day, DeliveryStatus.DONE.value, None)
        self._retry.pop((feed.id, day), None)
        resumed = f" (resumed after {len(posted)})" if claim.root_message_id else ""
        log.info("feed %s %s: posted %d of %d papers%s", feed.id, day, count, len(plan), resumed)
        return f"Posted the thread for {render.day_label(cday)} ({render.counted(len(plan), 'paper')})."

    async def _plan_items(
        self, feed: Feed, cday: date, attempt: _Attempt
    ) -> tuple[list[ScoredPaper], dict[str, str]]:
        """The ranked list to post, fetching the day first when the store has nothing for
        it (fresh install, missed fetch); also the sources that failed on that fetch."""
        engine, ch = self.engine, feed.channel

        async def ranked() -> list[ScoredPaper]:
            return await engine.digest(
                cday, top=feed.top_n, topic=feed.topic, platform=ch.platform, workspace=ch.workspace
            )

        # Whether the day is in the store is checked before ranking, not after: a fetch
        # finishing in between (the start-up fetch job, another feed) must not turn a full
        # day into an "empty" one.
        if await engine.store.papers.featured_on(cday):
            return await ranked(), {}
        fetch = attempt.fetches.get(cday)
        if fetch is None:  # one fetch per day per run, shared by every feed that needs it
            fetch = attempt.fetches[cday] = asyncio.ensure_future(engine.ingest(cday))
        report = await asyncio.shield(fetch)
        return await ranked(), dict(report.errors)

    async def _ranked(self, feed: Feed, cday: date, plan: Sequence[str]) -> dict[str, ScoredPaper]:
        """Scores and reasons for a resumed plan (votes may have moved; the order is fixed)."""
        engine, ch = self.engine, feed.channel
        wanted = set(plan)
        items = await engine.digest(
            cday, top=10_000, topic=feed.topic, platform=ch.platform, workspace=ch.workspace
        )
        found = {s.paper.arxiv_id: s for s in items if s.paper.arxiv_id in wanted}
        missing = [i for i in plan if i not in found]
        if missing:  # no longer featured that day, or no longer matching the topic
            papers = await engine.store.papers.get_many(missing)
            votes = await engine.store.votes.counts(ch.platform, ch.workspace, missing)
            for s in score_papers(
                [papers[i] for i in missing if i in papers],
                day=cday,
                votes=votes,
                weights=engine.weights,
            ):
                found[s.paper.arxiv_id] = s
        return found

    async def _empty(
        self,
        feed: Feed,
        day: date,
        cday: date,
        adapter: ChatAdapter,
        errors: dict[str, str],
        attempt: _Attempt,
    ) -> str:
        assert feed.id is not None
        repo = self.engine.store.deliveries
        names = _names(errors)
        if errors and not attempt.final:
            detail = _clip(f"{names} could not be reached: " + "; ".join(errors.values()))
            delay = self._backoff(feed.id, day, attempt.now)
            await repo.release(feed.id, day, self.owner, note=detail)
            log.warning(
                "feed %s %s: no papers yet, retrying in %s: %s", feed.id, day, delay, detail
            )
            if attempt.manual:
                return (
                    f"{names} could not be reached, so nothing was posted; "
                    "try /papers post-now again in a few minutes."
                )
            return f"{names} could not be reached; retrying in {delay}"
        reason = f"No papers today: {names} could not be reached." if errors else None
        if errors:
            log.error(
                "feed %s %s: %s still failing when the grace window ended: %s",
                feed.id,
                day,
                names,
                "; ".join(errors.values()),
            )
        self._retry.pop((feed.id, day), None)
        if feed.empty_day is EmptyDay.SKIP:
            note = f"{names} could not be reached" if errors else None
            await repo.finish(feed.id, day, DeliveryStatus.SKIPPED.value, note)
            return "No papers for that day; nothing was posted (this feed skips empty days)."
        await self._renew(feed, day)
        ref = await self._call(
            adapter.send(feed.channel, render.empty_day(cday, reason)), "posting the note"
        )
        await repo.set_root(feed.id, day, ref.message_id, ref.thread_id or ref.message_id)
        await repo.finish(feed.id, day, DeliveryStatus.DONE.value, reason or "empty day")
        return "No papers for that day; posted a short note."

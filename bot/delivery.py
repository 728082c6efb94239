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
See :func:`bot.schedule.content_day` for how daylight-saving time is kept from repeating or
skipping a day. When and whether a post is due is decided by the pure functions of
:mod:`bot.schedule`, which the channel status uses too.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import schedule
from bot.models import Delivery, DeliveryStatus, EmptyDay, Feed, ScoredPaper
from bot.ports import ChatAdapter, DeliveryError, InterimReply, PostedRef
from bot.present.feeds import digest_header, digest_item, empty_day
from bot.present.replies import confirm
from bot.present.text import counted, day_label
from bot.ranking import score_papers
from bot.schedule import Post, Step, content_day

if TYPE_CHECKING:
    from bot.engine import Engine, IngestReport

log = logging.getLogger(__name__)

SOURCE_NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
# After the grace window, a day whose sources were down gets its empty-day note only if the
# bot is still (or again) running this soon after the window closed; later it is "missed".
FINAL_NOTE_WINDOW = timedelta(hours=1)
PARALLEL_FEEDS = 4  # feeds posted at once, so one slow channel never holds the others


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
    # post-now only: how long to wait for a fetch, and how to tell the admin it is fetching
    wait: float | None = None
    progress: InterimReply | None = None


@dataclass(frozen=True)
class _Plan:
    items: list[ScoredPaper]
    errors: dict[str, str]  # source name -> why it failed (or did not answer in time)
    day: date  # the HF day these papers are from
    note: str | None = None  # why ``day`` is not the post's own content day


def _names(errors: Mapping[str, str]) -> str:
    return " and ".join(SOURCE_NAMES.get(n, n) for n in errors)


def _reasons(errors: Mapping[str, str]) -> str:
    """The sources' sentences joined into one ("…later; …later"), without ".;"."""
    return "; ".join(e.strip().rstrip(".") for e in errors.values())


def _stored_day_note(day: date) -> str:
    """Why a thread shows ``day`` (resumed: the first attempt's exact reason is gone)."""
    label = day_label(day)
    return f"The sources could not be reached, so this thread shows {label}, the latest day stored."


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
        self._fetches: set[asyncio.Future[IngestReport]] = set()
        # True while a scheduler calls publish_due (``paperherald run``); ``chat`` has none,
        # so the channel status must not promise that a due post "goes out within a minute".
        self.scheduled = False

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.engine.settings.publish_grace_hours)

    def retry_at(self, feed_id: int, day: date) -> datetime | None:
        """When the schedule tries (feed, day) again after a failure, if it is waiting."""
        found = self._retry.get((feed_id, day))
        return found[1] if found else None

    async def drain(self, grace: float) -> None:
        """Shutdown (``engine.stopping`` is set): fetches are cancelled (nothing was posted
        for them yet), and in-flight posts get ``grace`` seconds to finish the message they
        are sending and record it; the next start resumes their threads."""
        for fetch in list(self._fetches):
            fetch.cancel()

        async def idle() -> None:
            for lock in list(self._locks.values()):
                async with lock:
                    pass

        try:
            async with asyncio.timeout(grace):
                await idle()
                await asyncio.gather(*self._fetches, return_exceptions=True)
        except TimeoutError:
            log.warning("shutdown: a post was still in flight after %.0f s", grace)

    async def outlook(self, feed: Feed) -> schedule.Outlook:
        """What the channel status says about ``feed``: its next post by the same rules
        :meth:`publish_due` follows (over the rows of the days it would look at: the passed
        posts of the grace window, and today), and its newest delivery."""
        assert feed.id is not None
        repo, now, grace = self.engine.store.deliveries, self.engine.clock.now(), self.grace
        days = {p.day for p in schedule.lookback(feed, now, grace)}
        days.add(schedule.local_today(feed, now))
        rows = {d: r for d in days if (r := await repo.get(feed.id, d))}
        upcoming = schedule.next_post(
            feed,
            now,
            grace,
            {d: r.status for d, r in rows.items()},
            {d for d, r in rows.items() if r.root_message_id},
        )
        last = await repo.last(feed.id)
        lease = timedelta(seconds=self.engine.settings.delivery_lease_seconds)
        return schedule.Outlook(
            next_post=upcoming[0] if upcoming and feed.enabled else None,
            due=bool(upcoming and upcoming[1]),
            scheduled=self.scheduled,
            retry_at=self.retry_at(feed.id, upcoming[0].day) if upcoming else None,
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

    # ------------------------------------------------------------------ the schedule
    async def publish_due(self, now: datetime) -> list[str]:
        """Post every due (feed, day). One bad feed never blocks the others: feeds run side
        by side, every platform call has a deadline (bot.outbound), and each failure is
        caught per feed."""
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
                    posts = schedule.lookback(feed, now, self.grace)
                except Exception:
                    log.exception("feed %s: cannot compute its post times", feed.id)
                    return []
                for post in posts:
                    try:
                        outcome = await self._due(feed, post, now, fetches)
                    except Exception:
                        log.exception("publishing feed %s for %s failed", feed.id, post.day)
                        self._backoff(feed.id, post.day, now)
                        continue
                    if outcome:
                        outcomes.append(f"feed {feed.id} {post.day}: {outcome}")
            return outcomes

        results = await asyncio.gather(*(one(f) for f in feeds))
        return [o for r in results for o in r]

    async def _due(
        self,
        feed: Feed,
        post: Post,
        now: datetime,
        fetches: dict[date, asyncio.Future[IngestReport]],
    ) -> str | None:
        assert feed.id is not None
        repo = self.engine.store.deliveries
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
        await repo.finish(feed.id, day, DeliveryStatus.MISSED, note)
        self._retry.pop((feed.id, day), None)
        log.warning("feed %s missed %s: %s", feed.id, day, note)
        return f"missed ({note})"

    async def post_now(self, feed: Feed, *, progress: InterimReply | None = None) -> str:
        """An admin's ``/papers post-now``: the same path as the schedule, for today's local
        day; it also takes back a day that was missed, skipped or failed.

        A person is waiting, so when the day has to be fetched first it says so at once
        (``progress``) and waits at most ``post_now_wait`` seconds. If the sources fail or
        are too slow, the thread shows the latest complete day in the store instead (the
        newest day up to the post's own content day), saying why; with nothing stored it
        posts nothing and leaves the day open."""
        now = self.engine.clock.now()
        day = schedule.local_today(feed, now)
        attempt = _Attempt(
            now, manual=True, wait=self.engine.settings.post_now_wait, progress=progress
        )
        return await self.deliver(feed, day, attempt=attempt, reopen=True)

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
                    await repo.finish(feed.id, day, DeliveryStatus.FAILED, str(exc))
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
        own_day = content_day(feed, day)
        cday = claim.content_day or own_day
        plan, root, thread_id = claim.plan, claim.root_message_id, claim.thread_id
        ranked: dict[str, ScoredPaper] | None = None
        note = _stored_day_note(cday) if cday != own_day else None
        if plan is None:
            if root is not None:  # the empty-day note went out; only the finish was lost
                await repo.finish(feed.id, day, DeliveryStatus.DONE, "empty day")
                return "No papers for that day; posted a short note."
            planned = await self._plan_items(feed, own_day, attempt)
            if not planned.items:
                return await self._empty(feed, day, own_day, adapter, planned.errors, attempt)
            cday, note = planned.day, planned.note
            plan = tuple(s.paper.arxiv_id for s in planned.items)
            await repo.set_plan(feed.id, day, plan, content_day=cday)
            ranked = {s.paper.arxiv_id: s for s in planned.items}
        if ranked is None:
            ranked = await self._ranked(feed, cday, plan)
        if root is None:
            header = digest_header(cday, len(plan), feed.topic, note=note)
            await self._renew(feed, day)
            ref = await adapter.open_thread(ch, header, header.thread_title or "Daily Papers")
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
            sent = await adapter.post_in_thread(thread, digest_item(item, rank))
            await repo.add_posted(feed.id, day, arxiv_id, sent.message_id)
            count += 1
        await repo.finish(feed.id, day, DeliveryStatus.DONE, note)
        self._retry.pop((feed.id, day), None)
        resumed = f" (resumed after {len(posted)})" if claim.root_message_id else ""
        log.info("feed %s %s: posted %d of %d papers%s", feed.id, day, count, len(plan), resumed)
        done = f"Posted the thread for {day_label(cday)} ({counted(len(plan), 'paper')})."
        return f"{done} {note}" if note else done

    async def _plan_items(self, feed: Feed, cday: date, attempt: _Attempt) -> _Plan:
        """The ranked list to post, fetching the day first when the store has nothing for
        it (fresh install, missed fetch); also the sources that failed on that fetch."""
        engine, ch = self.engine, feed.channel

        async def ranked(day: date) -> list[ScoredPaper]:
            return await engine.digest(
                day, top=feed.top_n, topic=feed.topic, platform=ch.platform, workspace=ch.workspace
            )

        # Whether the day is in the store is checked before ranking, not after: a fetch
        # finishing in between (the start-up fetch job, another feed) must not turn a full
        # day into an "empty" one.
        if await engine.store.papers.featured_on(cday):
            return _Plan(await ranked(cday), {}, cday)
        fetch = attempt.fetches.get(cday)
        if fetch is None:  # one fetch per day per run, shared by every feed that needs it
            fetch = attempt.fetches[cday] = self._start_fetch(cday)
        if attempt.progress is not None:
            names = _names({s.name: "" for s in engine.sources}) or "the sources"
            await attempt.progress(
                confirm(f"Fetching today's papers ({day_label(cday)}) from {names}…")
            )
        report = await self._wait_for(fetch, attempt.wait)
        if report is None:  # post-now's wait is over: the admin gets what the store has
            fetch.cancel()
            errors = {s.name: f"no answer within {attempt.wait:g} s" for s in engine.sources}
        else:
            errors = dict(report.errors)
        items = await ranked(cday)
        if items or not errors or not attempt.manual:
            return _Plan(items, errors, cday)
        stored = [d for d in await engine.store.papers.days_with_papers(10) if d <= cday]
        if not stored:
            return _Plan([], errors, cday)
        why = (
            f"{_names(errors)} did not answer within {attempt.wait:g} s"
            if report is None
            else f"{_names(errors)} could not be reached"
        )
        note = f"{why}, so this thread shows {day_label(stored[0])}, the latest day stored."
        log.info("feed %s: %s", feed.id, note)  # the admin who asked reads it in the answer
        return _Plan(await ranked(stored[0]), errors, stored[0], note)

    def _start_fetch(self, day: date) -> asyncio.Future[IngestReport]:
        fetch = asyncio.ensure_future(self.engine.ingest(day))
        self._fetches.add(fetch)
        fetch.add_done_callback(self._fetches.discard)
        return fetch

    async def _wait_for(
        self, fetch: asyncio.Future[IngestReport], patience: float | None
    ) -> IngestReport | None:
        """The fetch's report; None after ``patience`` seconds (None: no limit). Neither
        running out of patience nor our own cancellation cancels the shared fetch; shutting
        down stops the wait at once (the claim is released: nothing was posted yet)."""
        stopping = asyncio.ensure_future(self.engine.stopping.wait())
        waiting: set[asyncio.Future[object]] = {fetch, stopping}  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=patience, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()
        if stopping in done:
            raise _Stopping
        if fetch in done:
            return fetch.result()
        return None

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
            detail = _clip(f"{names} could not be reached: " + _reasons(errors))
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
                _reasons(errors),
            )
        self._retry.pop((feed.id, day), None)
        if feed.empty_day is EmptyDay.SKIP:
            note = f"{names} could not be reached" if errors else None
            await repo.finish(feed.id, day, DeliveryStatus.SKIPPED, note)
            return "No papers for that day; nothing was posted (this feed skips empty days)."
        await self._renew(feed, day)
        ref = await adapter.send(feed.channel, empty_day(cday, reason))
        await repo.set_root(feed.id, day, ref.message_id, ref.thread_id or ref.message_id)
        await repo.finish(feed.id, day, DeliveryStatus.DONE, reason or "empty day")
        return "No papers for that day; posted a short note."

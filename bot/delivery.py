"""Daily threads: the database is the schedule.

Every minute ``publish_due(now)`` looks at each enabled feed: if its local post time has
passed and the (feed, day) delivery is not finished, it claims the row and posts. The claim
is a unique row; the ids to post are fixed in it at the first attempt, the root message and
every paper message are recorded right after they are posted, so a crash at any point
resumes into the same thread and posts only what is missing.

Which papers: a feed's post on local day D shows the papers of the newest Hugging Face day
that had ended (UTC) at the post time, so the list is complete and its upvotes have settled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import render
from bot.models import DeliveryStatus, EmptyDay, Feed
from bot.ports import DeliveryError, PostedRef

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)
SOURCE_NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}


def post_instant(feed: Feed, local_day: date) -> datetime:
    """The UTC instant of the feed's post on ``local_day`` (DST-correct via zoneinfo)."""
    tz = ZoneInfo(feed.timezone)
    return datetime.combine(local_day, feed.post_time, tzinfo=tz).astimezone(UTC)


def content_day(feed: Feed, local_day: date) -> date:
    return post_instant(feed, local_day).date() - timedelta(days=1)


class Publisher:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._locks: dict[int, asyncio.Lock] = {}

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

    async def publish_due(self, now: datetime) -> list[str]:
        """Post every due (feed, day). One bad feed never blocks the others."""
        outcomes = []
        grace_days = int(self.grace / timedelta(days=1)) + 1
        for feed in await self.engine.store.feeds.enabled():
            assert feed.id is not None
            local_today = now.astimezone(ZoneInfo(feed.timezone)).date()
            for back in range(grace_days, -1, -1):
                day = local_today - timedelta(days=back)
                if day.weekday() not in feed.weekdays:
                    continue
                at = post_instant(feed, day)
                if now < at:
                    continue
                try:
                    outcome = await self._due(feed, day, at, now)
                except Exception:
                    log.exception("publishing feed %s for %s failed", feed.id, day)
                    continue
                if outcome:
                    outcomes.append(outcome)
        return outcomes

    async def _due(self, feed: Feed, day: date, at: datetime, now: datetime) -> str | None:
        assert feed.id is not None
        existing = await self.engine.store.deliveries.get(feed.id, day)
        if existing and existing.status is not DeliveryStatus.CLAIMED:
            return None
        grace_end = at + self.grace
        if now > grace_end and (existing is None or existing.root_message_id is None):
            # Down all through the window: say so in status, don't post a stale thread.
            await self.engine.store.deliveries.finish(
                feed.id,
                day,
                DeliveryStatus.MISSED.value,
                f"not posted: the bot was not running between {at:%H:%M} and {grace_end:%H:%M} UTC",
            )
            log.warning("feed %s missed %s", feed.id, day)
            return f"feed {feed.id} {day}: missed"
        final = now + timedelta(minutes=1) > grace_end
        return await self.deliver(feed, day, final_attempt=final)

    async def post_now(self, feed: Feed) -> str:
        """Same path as the schedule; if the sources are down it waits for them, not a note."""
        now = self.engine.clock.now()
        day = now.astimezone(ZoneInfo(feed.timezone)).date()
        return await self.deliver(feed, day, final_attempt=False)

    async def deliver(self, feed: Feed, day: date, *, final_attempt: bool = False) -> str:
        """Post (or resume) the thread of ``feed`` for local ``day``; returns what happened."""
        assert feed.id is not None
        adapter = self.engine.adapters.get(feed.channel.platform)
        if adapter is None:
            return f"feed {feed.id}: no {feed.channel.platform} adapter is running"
        lock = self._locks.setdefault(feed.id, asyncio.Lock())
        async with lock:
            repo = self.engine.store.deliveries
            lease = self.engine.settings.delivery_lease_seconds
            claim = await repo.claim(feed.id, day, self.owner, lease)
            if claim is None:
                return "Today's thread is already posted (or being posted) here."
            try:
                return await self._post(
                    feed,
                    day,
                    claim.plan,
                    claim.root_message_id,
                    claim.thread_id,
                    set(claim.posted),
                    final_attempt,
                )
            except DeliveryError as exc:
                if exc.permanent:
                    await self.engine.store.feeds.disable(feed.id, str(exc))
                    await repo.finish(feed.id, day, DeliveryStatus.FAILED.value, str(exc))
                    log.error("feed %s disabled: %s", feed.id, exc)
                    return f"Posting failed and the daily thread was turned off: {exc}"
                await repo.release(feed.id, day, self.owner)
                log.warning("feed %s %s: will retry: %s", feed.id, day, exc)
                return f"Posting failed for now and will be retried: {exc}"
            except BaseException:
                await repo.release(feed.id, day, self.owner)
                raise

    async def _post(
        self,
        feed: Feed,
        day: date,
        plan: tuple[str, ...] | None,
        root: str | None,
        thread_id: str | None,
        posted: set[str],
        final_attempt: bool,
    ) -> str:
        assert feed.id is not None
        engine, repo = self.engine, self.engine.store.deliveries
        adapter = engine.adapters[feed.channel.platform]
        cday = content_day(feed, day)
        ch = feed.channel
        if plan is None:
            items = await engine.digest(
                cday, top=feed.top_n, topic=feed.topic, platform=ch.platform, workspace=ch.workspace
            )
            fetch_error = None
            if not items and not await engine.store.papers.featured_on(cday):
                # Fresh install or a missed fetch: get the day before deciding it is empty.
                report = await engine.ingest(cday)
                fetch_error = " and ".join(SOURCE_NAMES.get(n, n) for n in report.errors) or None
                items = await engine.digest(
                    cday,
                    top=feed.top_n,
                    topic=feed.topic,
                    platform=ch.platform,
                    workspace=ch.workspace,
                )
            if not items:
                if fetch_error and not final_attempt:
                    await repo.release(feed.id, day, self.owner)
                    return (
                        f"{fetch_error} could not be reached, so nothing was posted yet; "
                        "the thread goes out as soon as papers arrive."
                    )
                if fetch_error:
                    log.error(
                        "feed %s %s: posting the empty-day note: %s", feed.id, day, fetch_error
                    )
                if feed.empty_day is EmptyDay.SKIP:
                    await repo.finish(feed.id, day, DeliveryStatus.SKIPPED.value, fetch_error)
                    return (
                        "No papers for that day; nothing was posted (this feed skips empty days)."
                    )
                reason = (
                    f"No papers today: {fetch_error} could not be reached." if fetch_error else None
                )
                await adapter.send(ch, render.empty_day(cday, reason))
                await repo.finish(feed.id, day, DeliveryStatus.DONE.value, reason or "empty day")
                return "No papers for that day; posted a short note."
            plan = tuple(s.paper.arxiv_id for s in items)
            await repo.set_plan(feed.id, day, plan)
        papers = await engine.store.papers.get_many(plan)
        votes = await engine.store.votes.counts(ch.platform, ch.workspace, list(plan))
        from bot.ranking import score_papers

        ranked = {
            s.paper.arxiv_id: s
            for s in score_papers(
                [papers[i] for i in plan if i in papers],
                day=cday,
                votes=votes,
                weights=engine.weights,
            )
        }
        if root is None:
            header = render.digest_header(cday, len(plan), feed.topic)
            ref = await adapter.open_thread(ch, header, header.thread_title or "Daily Papers")
            root, thread_id = ref.message_id, ref.thread_id or ref.message_id
            await repo.set_root(feed.id, day, root, thread_id)
        thread = PostedRef(channel=ch, message_id=root, thread_id=thread_id)
        count = 0
        for rank, arxiv_id in enumerate(plan, 1):
            if arxiv_id in posted or arxiv_id not in ranked:
                continue
            sent = await adapter.post_in_thread(thread, render.digest_item(ranked[arxiv_id], rank))
            await repo.add_posted(feed.id, day, arxiv_id, sent.message_id)
            count += 1
        await repo.finish(feed.id, day, DeliveryStatus.DONE.value, None)
        log.info("feed %s %s: posted %d of %d papers", feed.id, day, count, len(plan))
        return f"Posted the thread for {render.day_label(cday)} ({len(plan)} papers)."

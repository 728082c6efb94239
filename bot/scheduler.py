"""APScheduler 3.x wiring. Jobs only call engine use cases; the database is the schedule.

Every job is an ``async def`` (AsyncIOScheduler awaits coroutines; a sync wrapper would leave
them un-awaited), with ``coalesce`` and ``max_instances=1`` so a slow run never stacks up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.engine import Engine

log = logging.getLogger(__name__)

ARXIV_ZONE = "America/New_York"  # arXiv announces Sun–Thu 20:00 US Eastern


class Jobs:
    """The scheduled work, as plain coroutines (easy to call from tests and the CLI)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._running: set[asyncio.Task[object]] = set()

    def stoppable(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """``job`` as run by the scheduler, cancellable at shutdown (:meth:`cancel_running`):
        a run cancelled because the process stops ends quietly, where APScheduler would log
        the CancelledError as a job failure with its whole traceback."""

        @functools.wraps(job)
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except asyncio.CancelledError:
                if not self.engine.stopping.is_set():
                    raise
                log.info("shutdown: %s stopped", getattr(job, "__name__", "a job"))
            finally:
                if task is not None:
                    self._running.discard(task)

        return run

    async def cancel_running(self, grace: float) -> None:
        """Shutdown, after the posts were drained: cancel the jobs still running (a fetch
        waiting on a slow server, a notify run) and wait up to ``grace`` s for them to end."""
        running = set(self._running)
        for task in running:
            task.cancel()
        if running:
            _, pending = await asyncio.wait(running, timeout=grace)
            if pending:
                log.warning("shutdown: %d job(s) did not stop within %.0f s", len(pending), grace)

    async def fetch_hf(self) -> None:
        """Today and yesterday (UTC): HF upvotes keep growing during the day."""
        settings, now = self.engine.settings, self.engine.clock.now()
        if "hf" not in settings.sources:
            return
        today = now.astimezone(UTC).date()
        for day in (today, today - timedelta(days=1)):
            await self.engine.ingest(day, only="hf")
        await self.notify()

    async def fetch_arxiv(self) -> None:
        if "arxiv" not in self.engine.settings.sources:
            return
        today = self.engine.clock.now().astimezone(UTC).date()
        for day in (today - timedelta(days=1), today):
            await self.engine.ingest(day, only="arxiv")
        await self.notify()

    async def publish(self) -> None:
        outcomes = await self.engine.publisher.publish_due(self.engine.clock.now())
        for outcome in outcomes:
            log.info("publish: %s", outcome)

    async def standings(self) -> None:
        edited = await self.engine.discussions.refresh_standings(self.engine.clock.now())
        if edited:
            log.info("standings: %d daily headers updated", edited)

    async def notify(self) -> None:
        sent = await self.engine.notifier.notify(self.engine.clock.now())
        if sent:
            log.info("notify: %d subscription DMs sent", sent)


def _hours(start: int, end: int, step: int = 1) -> str:
    """Cron hours from ``start`` to ``end`` inclusive, wrapping past midnight (22 -> 4)."""
    every = f"/{step}" if step > 1 else ""
    if start <= end:
        return f"{start}-{end}{every}"
    return f"{start}-23{every},0-{end}{every}"


def fetch_trigger(settings: Settings) -> CronTrigger | IntervalTrigger:
    """HF refresh: every ``fetch_interval_minutes`` during the configured UTC hours."""
    n = settings.fetch_interval_minutes
    hours = (settings.fetch_start_hour, settings.fetch_end_hour)
    if n < 60 and 60 % n == 0:
        return CronTrigger(hour=_hours(*hours), minute=f"*/{n}", timezone=UTC)
    if n % 60 == 0 and n <= 12 * 60:
        return CronTrigger(hour=_hours(*hours, step=n // 60), minute=0, timezone=UTC)
    return IntervalTrigger(minutes=n, timezone=UTC)  # e.g. 45 min: round the clock


def arxiv_trigger(settings: Settings) -> CronTrigger:
    """arXiv announces Sunday–Thursday at 20:00 US Eastern; fetch a little after."""
    return CronTrigger(
        day_of_week="sun,mon,tue,wed,thu",
        hour=settings.arxiv_fetch_time.hour,
        minute=settings.arxiv_fetch_time.minute,
        timezone=ARXIV_ZONE,
    )


def build_scheduler(engine: Engine, jobs: Jobs | None = None) -> AsyncIOScheduler:
    """Every job is a coroutine function with coalesce and max_instances=1. The HF fetch and
    the publish job also run right at start: a restart catches up at once, not a minute
    later (publishing fetches a day itself when the store has nothing for it)."""
    settings = engine.settings
    jobs = jobs or Jobs(engine)
    now = engine.clock.now()
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    job = jobs.stoppable
    scheduler.add_job(job(jobs.fetch_hf), fetch_trigger(settings), id="fetch_hf")
    scheduler.add_job(job(jobs.fetch_hf), "date", run_date=now, id="fetch_hf_start")
    scheduler.add_job(job(jobs.fetch_arxiv), arxiv_trigger(settings), id="fetch_arxiv")
    scheduler.add_job(
        job(jobs.publish), IntervalTrigger(minutes=1, timezone=UTC), id="publish", next_run_time=now
    )
    scheduler.add_job(job(jobs.notify), IntervalTrigger(minutes=15, timezone=UTC), id="notify")
    # Each feed's header is edited at most hourly (bot.discussion); checking every 10 minutes
    # keeps the edits close to the hour after a thread is posted.
    scheduler.add_job(
        job(jobs.standings), IntervalTrigger(minutes=10, timezone=UTC), id="standings"
    )
    return scheduler

"""APScheduler 3.x wiring. Jobs only call engine use cases; the database is the schedule.

Every job is an ``async def`` (AsyncIOScheduler awaits coroutines; a sync wrapper would leave
them un-awaited), with ``coalesce`` and ``max_instances=1`` so a slow run never stacks up.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.engine import Engine

log = logging.getLogger(__name__)

ARXIV_ZONE = "America/New_York"  # arXiv announces Sun–Thu 20:00 US Eastern


class Jobs:
    """The scheduled work, as plain coroutines (easy to call from tests and the CLI)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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

    async def notify(self) -> None:
        sent = await self.engine.notifier.notify(self.engine.clock.now())
        if sent:
            log.info("notify: %d subscription DMs sent", sent)


def build_scheduler(engine: Engine, jobs: Jobs | None = None) -> AsyncIOScheduler:
    settings = engine.settings
    jobs = jobs or Jobs(engine)
    now = engine.clock.now()
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    # HF: every N minutes during the configured UTC hours, and once right at start.
    scheduler.add_job(
        jobs.fetch_hf,
        CronTrigger(
            hour=f"{settings.fetch_start_hour}-{settings.fetch_end_hour}",
            minute=f"*/{min(settings.fetch_interval_minutes, 59)}",
            timezone=UTC,
        )
        if settings.fetch_interval_minutes < 60
        else IntervalTrigger(minutes=settings.fetch_interval_minutes),
        id="fetch_hf",
    )
    scheduler.add_job(jobs.fetch_hf, "date", run_date=now, id="fetch_hf_start")
    scheduler.add_job(
        jobs.fetch_arxiv,
        CronTrigger(
            day_of_week="sun,mon,tue,wed,thu",
            hour=settings.arxiv_fetch_time.hour,
            minute=settings.arxiv_fetch_time.minute,
            timezone=ARXIV_ZONE,
        ),
        id="fetch_arxiv",
    )
    scheduler.add_job(
        jobs.publish,
        IntervalTrigger(minutes=1),
        id="publish",
        next_run_time=now + timedelta(seconds=5),
    )
    scheduler.add_job(jobs.notify, IntervalTrigger(minutes=15), id="notify")
    return scheduler

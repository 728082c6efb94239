"""APScheduler 3.x wiring. Jobs (bot.jobs) only call services; the database is the schedule.

Every job is an ``async def`` (AsyncIOScheduler awaits coroutines; a sync wrapper would leave
them un-awaited), with ``coalesce`` and ``max_instances=1`` so a slow run never stacks up.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.jobs import Jobs
from bot.ports import Clock

log = logging.getLogger(__name__)

ARXIV_ZONE = "America/New_York"  # arXiv announces Sun–Thu 20:00 US Eastern


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


def build_scheduler(jobs: Jobs, settings: Settings, clock: Clock) -> AsyncIOScheduler:
    """Every job is a coroutine function with coalesce and max_instances=1. The HF fetch and
    the publish job also run right at start: a restart catches up at once, not a minute
    later (publishing fetches a day itself when the store has nothing for it)."""
    now = clock.now()
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
    # Each person has their own DM time (to the minute): a run finds who is due first and
    # reads no paper when nobody is (bot.notify), so every minute is cheap.
    scheduler.add_job(job(jobs.notify), CronTrigger(minute="*", timezone=UTC), id="notify")
    # Each feed's header is edited at most hourly (bot.discussion); checking every 10 minutes
    # keeps the edits close to the hour after a thread is posted.
    scheduler.add_job(
        job(jobs.standings), IntervalTrigger(minutes=10, timezone=UTC), id="standings"
    )
    return scheduler

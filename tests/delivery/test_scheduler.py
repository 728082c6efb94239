"""The APScheduler wiring: which jobs, when they fire, and that every job is a coroutine."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.scheduler import arxiv_trigger, build_scheduler, fetch_trigger
from storage.store import Repositories
from tests.conftest import StaticSource, make_settings
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

EASTERN = ZoneInfo("America/New_York")


def fires(trigger: BaseTrigger, start: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    previous = None
    now = start
    while len(out) < n:
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        out.append(nxt.astimezone(UTC))
        previous, now = nxt, nxt + timedelta(microseconds=1)
    return out


async def started(engine: Services) -> AsyncIOScheduler:
    scheduler = build_scheduler(engine.jobs, engine.settings, engine.clock)
    scheduler.start(paused=True)  # job defaults are applied at start
    return scheduler


async def test_jobs_are_coroutines_with_coalesce_and_one_instance(
    engine: Services, clock: FakeClock
) -> None:
    scheduler = await started(engine)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            "fetch_hf",
            "fetch_hf_start",
            "fetch_arxiv",
            "publish",
            "notify",
            "standings",
        }
        for job in jobs.values():
            assert inspect.iscoroutinefunction(job.func), job.id
            assert job.coalesce is True and job.max_instances == 1, job.id
        # A (re)start catches up at once: publish and the HF fetch run right away.
        assert jobs["publish"].next_run_time == clock.now()
        assert jobs["fetch_hf_start"].next_run_time == clock.now()
        publish = jobs["publish"].trigger
        assert fires(publish, clock.now(), 3)[1] - fires(publish, clock.now(), 3)[0] == timedelta(
            minutes=1
        )
    finally:
        scheduler.shutdown(wait=False)


def test_hf_fetch_runs_every_30_minutes_during_the_day(tmp_path: Path) -> None:
    trigger = fetch_trigger(make_settings(tmp_path))  # 06:00–23:30 UTC, every 30 min
    assert fires(trigger, at_utc(2026, 9, 25, 5, 10), 3) == [
        at_utc(2026, 9, 25, 6, 0),
        at_utc(2026, 9, 25, 6, 30),
        at_utc(2026, 9, 25, 7, 0),
    ]
    assert fires(trigger, at_utc(2026, 9, 25, 23, 31), 1) == [at_utc(2026, 9, 26, 6, 0)]
    day = fires(trigger, at_utc(2026, 9, 25, 0, 0), 36)
    assert len({t.date() for t in day}) == 1


def test_hf_fetch_hours_can_wrap_past_midnight(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, fetch_start_hour=22, fetch_end_hour=2, fetch_interval_minutes=60
    )
    hours = [t.hour for t in fires(fetch_trigger(settings), at_utc(2026, 9, 25, 12, 0), 6)]
    assert hours == [22, 23, 0, 1, 2, 22]


def test_hf_fetch_every_two_hours(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, fetch_interval_minutes=120)
    hours = [t.hour for t in fires(fetch_trigger(settings), at_utc(2026, 9, 25, 0, 0), 10)]
    assert hours == [6, 8, 10, 12, 14, 16, 18, 20, 22, 6]


def test_arxiv_fetch_only_after_the_sunday_to_thursday_announcements(tmp_path: Path) -> None:
    trigger = arxiv_trigger(make_settings(tmp_path))
    found = [t.astimezone(EASTERN) for t in fires(trigger, at_utc(2026, 10, 23, 12, 0), 10)]
    assert [f"{t:%a %H:%M}" for t in found] == [
        "Sun 20:30",
        "Mon 20:30",
        "Tue 20:30",
        "Wed 20:30",
        "Thu 20:30",
        "Sun 20:30",
        "Mon 20:30",
        "Tue 20:30",
        "Wed 20:30",
        "Thu 20:30",
    ]
    # 20:30 Eastern across the 1 November change: 00:30 UTC (EDT), then 01:30 UTC (EST).
    assert found[5].date() == date(2026, 11, 1)
    assert found[4].astimezone(UTC) == at_utc(2026, 10, 30, 0, 30)
    assert found[5].astimezone(UTC) == at_utc(2026, 11, 2, 1, 30)


async def test_the_publish_job_posts_what_is_due(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    await add_feed(store)
    clock.set(at_utc(2026, 9, 25, 9, 0))
    scheduler = await started(engine)
    try:
        publish = scheduler.get_job("publish")
        assert publish is not None
        await publish.func()
    finally:
        scheduler.shutdown(wait=False)
    assert len(chat.threads()) == 1 and len(chat.items()) == 10


@pytest.mark.settings(sources=["hf", "arxiv"])
async def test_the_arxiv_job_fetches_the_announced_days(
    engine: Services, clock: FakeClock, source: StaticSource
) -> None:
    arxiv = StaticSource("arxiv")
    engine.ingest.sources.append(arxiv)
    clock.set(datetime(2026, 9, 27, 20, 30, tzinfo=EASTERN))  # Sunday's announcement
    await engine.jobs.fetch_arxiv()
    assert arxiv.calls == [date(2026, 9, 27), date(2026, 9, 28)]
    assert source.calls == []

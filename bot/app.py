"""The composition root: Settings -> db -> http -> sources -> services -> adapters -> scheduler.

The only module (with ``bot.cli``) that imports storage and adapters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

import httpx
from apscheduler.events import EVENT_JOB_SUBMITTED

from bot.bootstrap import Services, build_services
from bot.clock import SystemClock
from bot.config import Settings
from bot.metrics import Metrics
from bot.ports import ChatAdapter, Clock
from bot.sources import build_sources
from bot.sources.http import Fetcher, build_http_client
from storage.db import Database
from storage.store import Repositories

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.jobs import Jobs

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    db: Database
    http: httpx.AsyncClient
    store: Repositories
    services: Services
    adapters: list[ChatAdapter] = field(default_factory=list)


@asynccontextmanager
async def open_core(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[Core]:
    db = await Database.open(settings.database)
    http = build_http_client(settings, transport=transport)
    try:
        clock = clock or SystemClock()
        store = Repositories(db, clock)
        sources = build_sources(settings, Fetcher.from_settings(settings, client=http))
        yield Core(
            settings, db, http, store, build_services(settings, store, sources, clock, metrics)
        )
    finally:
        await http.aclose()
        await db.close()


def build_adapters(core: Core, *, sync_commands: bool = False) -> list[ChatAdapter]:
    """Every platform whose credentials are set; imported lazily so a missing token costs
    nothing and the console needs no platform library at all."""
    settings = core.settings
    adapters: list[ChatAdapter] = []
    if settings.discord_token:
        from adapters.discord import build_discord_adapter

        adapters.append(
            build_discord_adapter(
                settings, core.services.dispatcher, kv=core.store.kv, sync_commands=sync_commands
            )
        )
    if settings.slack_bot_token:
        # An app token or a signing secret is needed too: the adapter checks (one place).
        from adapters.slack import build_slack_adapter

        adapters.append(build_slack_adapter(settings, core.services.dispatcher))
    return adapters


def connect(core: Core, adapters: list[ChatAdapter]) -> list[ChatAdapter]:
    """The production wrapper stack, as ``paperherald run`` builds it: each adapter behind the
    one outbound policy (deadline, error mapping, metrics; every capability forwarded) and
    served by the core. Returns the wrapped adapters: start, close and report on those."""
    return [core.services.attach(a) for a in adapters]


async def health_report(core: Core, adapters: list[ChatAdapter]) -> dict[str, Any]:
    """Process up, database writable, adapters connected, age of the last good fetch."""
    report: dict[str, Any] = {"ok": True}
    try:
        await core.store.kv.set("health", datetime.now(UTC).isoformat(timespec="seconds"))
        report["database"] = "writable"
    except Exception as exc:
        report["ok"] = False
        report["database"] = f"error: {type(exc).__name__}"
    report["adapters"] = {a.platform: bool(getattr(a, "connected", True)) for a in adapters}
    if not all(report["adapters"].values()):
        report["ok"] = False
    last = await core.store.papers.last_fetch() if report["database"] == "writable" else None
    report["last_fetch_age_seconds"] = (
        round((datetime.now(UTC) - last).total_seconds()) if last else None
    )
    return report


SHUTDOWN_POSTS_GRACE = 6.0  # seconds an in-flight post gets to finish its current message
SHUTDOWN_JOBS_GRACE = 2.0  # then the jobs still running (fetches) are cancelled


async def run(
    settings: Settings,
    *,
    sync_commands: bool = False,
    console: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``paperherald run`` / ``chat``: adapters + scheduler until a signal, or until the
    console ends: ``quit`` always, the end of input in ``chat`` or on a terminal. ``run``
    whose stdin ends without a ``quit`` (/dev/null under Docker or systemd) keeps posting
    until a signal. Shutting down with work in flight is quiet and still exits 0."""
    from adapters.console.adapter import ConsoleAdapter, run_console
    from adapters.ops.metrics import PrometheusMetrics
    from bot.atomic import write_atomically
    from bot.logs import console_level, share_terminal
    from bot.scheduler import build_scheduler

    if console or not (settings.discord_token or settings.slack_bot_token):
        # The console answers on the terminal: logs below WARNING only when asked for.
        console_level("log_level" in settings.model_fields_set)
    metrics = PrometheusMetrics()
    async with open_core(settings, metrics=metrics) as core:
        adapters = [] if console else build_adapters(core, sync_commands=sync_commands)
        console_adapter = None
        unshare = None
        if not adapters:
            if not console:
                log.info("no platform token set: starting the console adapter")
            console_adapter = ConsoleAdapter(stdout or sys.stdout, save=write_atomically)
            unshare = share_terminal(console_adapter)
            adapters = [console_adapter]
        adapters = connect(core, adapters)
        jobs = core.services.jobs
        scheduler = build_scheduler(jobs, settings, core.services.clock)

        def on_submitted(event: Any) -> None:  # lag = how late a job started
            for t in event.scheduled_run_times[-1:]:
                metrics.scheduler_lag(event.job_id, (datetime.now(UTC) - t).total_seconds())

        scheduler.add_listener(on_submitted, EVENT_JOB_SUBMITTED)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        started: list[ChatAdapter] = []
        ops_runner = None
        console_task: asyncio.Task[int] | None = None
        try:
            if settings.http_port:
                from adapters.ops.server import start_ops_server

                async def refresh() -> None:
                    metrics.papers.set(await core.store.papers.count())
                    last = await core.store.papers.last_fetch()
                    if last:
                        metrics.last_fetch_age.set((datetime.now(UTC) - last).total_seconds())

                ops_runner, _ = await start_ops_server(
                    settings.http_host,
                    settings.http_port,
                    lambda: health_report(core, adapters),
                    metrics,
                    refresh,
                )
            for adapter in adapters:
                await adapter.start()
                started.append(adapter)
            if not console:
                scheduler.start()
                core.services.publisher.scheduled = True
            if console_adapter is not None:
                source = stdin or sys.stdin
                console_task = asyncio.create_task(
                    run_console(core.services.dispatcher, console_adapter, source)
                )
                stop_task = asyncio.create_task(stop.wait())
                try:
                    await asyncio.wait({console_task, stop_task}, return_when=FIRST_COMPLETED)
                    # The input ended without a quit, and not on a terminal: no one is
                    # typing (Docker, systemd), so `run` goes on posting until a signal.
                    if (
                        console_task.done()
                        and not console
                        and not console_adapter.quit_requested
                        and not source.isatty()
                    ):
                        await stop_task
                finally:
                    stop_task.cancel()
            else:
                log.info("running: %s", ", ".join(a.platform for a in adapters))
                await stop.wait()
        finally:
            log.info("shutting down")
            await _shut_down(core, scheduler, jobs, console_task)
            results = await asyncio.gather(
                *(asyncio.wait_for(a.close(), timeout=3) for a in started), return_exceptions=True
            )
            for adapter, result in zip(started, results, strict=True):
                if isinstance(result, BaseException):
                    log.warning("closing %s failed: %r", adapter.platform, result)
            if ops_runner is not None:
                await ops_runner.cleanup()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
            if unshare is not None:
                unshare()
    return 0


async def _shut_down(
    core: Core,
    scheduler: AsyncIOScheduler,
    jobs: Jobs,
    console_task: asyncio.Task[int] | None,
) -> None:
    """Stop everything in flight, quietly and in bounded time (Docker/systemd allow 15 s).

    No new scheduled runs; a command the console is still answering is cancelled; posts get
    ``SHUTDOWN_POSTS_GRACE`` to finish their current message and record it (APScheduler
    would cancel them mid-message; a fetch holds nothing and stops at once); then the jobs
    still running are cancelled. Every open claim is released, so the next start resumes.
    """
    if scheduler.running:
        scheduler.pause()
    core.services.stopping.set()
    if console_task is not None and not console_task.done():
        console_task.cancel()
        await asyncio.wait({console_task}, timeout=SHUTDOWN_JOBS_GRACE)
    if console_task is not None and console_task.done() and not console_task.cancelled():
        failure = console_task.exception()
        if failure is not None:
            log.error("the console stopped on an error", exc_info=failure)
    await core.services.drain(grace=SHUTDOWN_POSTS_GRACE)
    await jobs.cancel_running(grace=SHUTDOWN_JOBS_GRACE)
    if scheduler.running:
        scheduler.shutdown(wait=False)

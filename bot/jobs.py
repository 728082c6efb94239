"""The scheduled work, as plain coroutines that only call services (easy to call from tests
and the CLI); bot.scheduler runs them on APScheduler's triggers."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.ingest import IngestReport
from bot.ports import Clock

log = logging.getLogger(__name__)


class IngestDay(Protocol):
    """``Ingest.__call__``."""

    async def __call__(self, day: date, only: str | None = None) -> IngestReport: ...


class Jobs:
    """The scheduled work, as plain coroutines (easy to call from tests and the CLI)."""

    def __init__(
        self,
        *,
        ingest: IngestDay,
        publish_due: Callable[[datetime], Awaitable[list[str]]],
        notify: Callable[[datetime], Awaitable[int]],
        refresh_standings: Callable[[datetime], Awaitable[int]],
        sources: Collection[str],
        clock: Clock,
        stopping: asyncio.Event,
    ) -> None:
        self.ingest = ingest
        self.publish_due = publish_due
        self.send_dms = notify
        self.refresh_standings = refresh_standings
        self.sources = sources  # the sources Settings enable
        self.clock = clock
        self.stopping = stopping
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
                if not self.stopping.is_set():
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
        now = self.clock.now()
        if "hf" not in self.sources:
            return
        today = now.astimezone(UTC).date()
        for day in (today, today - timedelta(days=1)):
            await self.ingest(day, only="hf")
        await self.notify()

    async def fetch_arxiv(self) -> None:
        if "arxiv" not in self.sources:
            return
        today = self.clock.now().astimezone(UTC).date()
        for day in (today - timedelta(days=1), today):
            await self.ingest(day, only="arxiv")
        await self.notify()

    async def publish(self) -> None:
        outcomes = await self.publish_due(self.clock.now())
        for outcome in outcomes:
            log.info("publish: %s", outcome)

    async def standings(self) -> None:
        edited = await self.refresh_standings(self.clock.now())
        if edited:
            log.info("standings: %d daily headers updated", edited)

    async def notify(self) -> None:
        sent = await self.send_dms(self.clock.now())
        if sent:
            log.info("notify: %d subscription DMs sent", sent)

"""Ingest: fetch a day from every paper source and store each source's batch whole."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.metrics import Metrics, NullMetrics
from bot.models import SourceBatch
from bot.ports import Clock, PaperRepo, PaperSource, SourceError

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    day: date | None
    stored: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return sum(self.stored.values())


class Ingest:
    """``await ingest(day)``: every source in order (HF first); ``only`` names one."""

    def __init__(
        self,
        sources: Sequence[PaperSource],
        papers: PaperRepo,
        clock: Clock,
        metrics: Metrics | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        self.sources = list(sources)
        self.deadline = deadline  # seconds one source's fetch may take in all (None: no limit)
        self.papers = papers
        self.clock = clock
        self.metrics: Metrics = metrics or NullMetrics()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sources)

    async def __call__(self, day: date, only: str | None = None) -> IngestReport:
        report = IngestReport(day)
        for source in self.sources:
            if only and source.name != only:
                continue
            started = self.clock.now()
            t0 = time.perf_counter()
            try:
                batch = await self._fetch(source, day)
                stored = await self.papers.upsert(batch)
            except Exception as exc:  # one source's failure never stops the rest
                # SourceError is expected upstream trouble; anything else (a RecursionError from
                # hostile JSON, a store error) is a bug or a broken disk, logged with its trace.
                # Either way: a fetch-log row, and on with the next source.
                detail = str(exc) if isinstance(exc, SourceError) else _unexpected(exc)
                self.metrics.fetch(source.name, False, time.perf_counter() - t0)
                report.errors[source.name] = detail
                if isinstance(exc, SourceError):
                    log.warning("fetch %s %s failed: %s", source.name, day, detail)
                else:
                    log.exception("fetch %s %s failed unexpectedly: %s", source.name, day, detail)
                await self._log_failure(source.name, day, started, detail)
                continue
            self.metrics.fetch(source.name, True, time.perf_counter() - t0)
            report.stored[source.name] = stored
            await self.papers.log_fetch(source.name, day, started, True, stored, None)
            log.info("fetched %s %s: %d papers", source.name, day, stored)
        return report

    async def _fetch(self, source: PaperSource, day: date) -> SourceBatch:
        """The source's day within the overall deadline (each request has its own too)."""
        try:
            async with asyncio.timeout(self.deadline):
                return await source.fetch_day(day)
        except TimeoutError as exc:
            if self.deadline is None:
                raise
            raise SourceError(
                f"{source.name} did not finish within {self.deadline:g} s; try again later."
            ) from exc

    async def _log_failure(self, name: str, day: date, started: datetime, detail: str) -> None:
        """The fetch-log row of a failure; if the store itself is failing, a log line only."""
        try:
            await self.papers.log_fetch(name, day, started, False, 0, detail)
        except Exception:  # the store is what broke; the log line stands
            log.exception("fetch %s %s: could not record the failure", name, day)


def _unexpected(exc: BaseException) -> str:
    """One line for an unexpected error: its type and the start of its text."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"unexpected {type(exc).__name__}" + (f": {text}" if text else "")

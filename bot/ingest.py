"""Ingest: fetch a day from every paper source and store each source's batch whole."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.metrics import Metrics, NullMetrics
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
    ) -> None:
        self.sources = list(sources)
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
                batch = await source.fetch_day(day)
                stored = await self.papers.upsert(batch)
            except SourceError as exc:
                self.metrics.fetch(source.name, False, time.perf_counter() - t0)
                report.errors[source.name] = str(exc)
                log.warning("fetch %s %s failed: %s", source.name, day, exc)
                await self.papers.log_fetch(source.name, day, started, False, 0, str(exc))
                continue
            self.metrics.fetch(source.name, True, time.perf_counter() - t0)
            report.stored[source.name] = stored
            await self.papers.log_fetch(source.name, day, started, True, stored, None)
            log.info("fetched %s %s: %d papers", source.name, day, stored)
        return report

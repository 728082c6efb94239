"""Issue 18 item 3: any error of one source (or of the store) is contained, logged and
recorded in the fetch log; the next source still runs."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.clock import FakeClock
from bot.ingest import Ingest
from bot.models import SourceBatch
from storage.store import Repositories
from tests.conftest import StaticSource, make_batch

DAY = date(2026, 9, 24)


class Exploding:
    """A source whose parser blew up, as JSON nested 200k levels deep did."""

    name = "hf"

    async def fetch_day(self, day: date) -> SourceBatch:
        raise RecursionError("maximum recursion depth exceeded")


async def fetch_log(store: Repositories) -> list[tuple[str, int, str | None]]:
    rows = await store.db.fetchall("SELECT source, ok, error FROM fetch_log ORDER BY id")
    return [(r[0], r[1], r[2]) for r in rows]


async def test_an_unexpected_source_error_is_contained(
    store: Repositories, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    arxiv = StaticSource("arxiv", {DAY: make_batch(DAY, 2)})
    with caplog.at_level(logging.WARNING):
        report = await Ingest([Exploding(), arxiv], store.papers, clock)(DAY)
    assert arxiv.calls == [DAY]
    assert report.stored == {"arxiv": 2}
    assert "RecursionError" in report.errors["hf"]
    assert any("RecursionError" in r.getMessage() for r in caplog.records)
    log = await fetch_log(store)
    assert log[0][:2] == ("hf", 0) and "RecursionError" in (log[0][2] or "")
    assert log[1] == ("arxiv", 1, None)


async def test_a_store_error_is_contained(
    store: Repositories, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hf = StaticSource("hf", {DAY: make_batch(DAY, 2)})
    arxiv = StaticSource("arxiv", {DAY: make_batch(DAY, 2, prefix="2609.3")})
    real_upsert = store.papers.upsert
    calls = 0

    async def upsert_once_broken(batch: SourceBatch) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk I/O error")
        return await real_upsert(batch)

    monkeypatch.setattr(store.papers, "upsert", upsert_once_broken)
    report = await Ingest([hf, arxiv], store.papers, clock)(DAY)
    assert arxiv.calls == [DAY] and report.stored == {"arxiv": 2}
    assert "disk I/O error" in report.errors["hf"]
    log = await fetch_log(store)
    assert [row[:2] for row in log] == [("hf", 0), ("arxiv", 1)]

"""Autocomplete of papers reads an index range, not every title (issue 18, item 12), and
answers as the LIKE query it replaces did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite
import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.models import Paper, SourceBatch
from storage.db import Database, WorkBudget
from storage.rows import PAPER_COLUMNS
from storage.store import Repositories

# What recent() ran before: LIKE on the id or the title, newest first. A prefix that
# matched nothing read every row.
_OLD = (
    f"SELECT {PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id LIKE ? ESCAPE '\\' "
    "OR p.title LIKE ? ESCAPE '\\' ORDER BY p.id DESC LIMIT ?"
)

_TITLES = [
    "Graph Networks for Molecules",
    "graph neural networks",
    "Graphs, Again",
    "100% Accurate Parsing",
    "100 Ways to Fail",
    "a_b Testing at Scale",
    "ab Initio Methods",
    "Back\\slash Escapes",
    "Émile Meets Transformers",
    "émile in lower case",
    "ÉCOLE Benchmarks",
    "Zebrafish Models",
    "[Bracketed] Title",
    "Diffusion Models Beat GANs",
    "diffusion Policies",
]


def _papers() -> list[Paper]:
    papers = [Paper(f"2609.2{i:04d}", title, "An abstract.") for i, title in enumerate(_TITLES)]
    papers += [
        Paper("hep-th/9901001", "Strings, Old Style", "x"),
        Paper("math/0309136", "Knots, Old Style", "x"),
        Paper("2401.00001", "Early Paper", "x"),
    ]
    return papers


@pytest.fixture
async def papers(store: Repositories) -> Repositories:
    await store.papers.upsert(SourceBatch(tuple(_papers())))
    return store


PREFIXES = [
    "", "2609.2", "2609.20001", "26", "2", "HEP", "hep-th/", "Math/03", "graph", "GRAPH N",
    "graphs,", "100%", "100", "10_", "a_", "a%", "ab", "a", "%", "_", "\\", "Back\\", "é", "É",
    "Émile", "ÉCOLE", "école", "[", "[Bra", "diffusion", "Diffusion M", "zz", "x", " ", "🦓",
]  # fmt: skip


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _old(store: Repositories, prefix: str, limit: int) -> list[str]:
    rows = await store.db.fetchall(_OLD, (_like(prefix), _like(prefix), limit))
    return [r[0] for r in rows]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("limit", [25, 3])
async def test_answers_as_the_like_query_did(papers: Repositories, prefix: str, limit: int) -> None:
    found = [p.arxiv_id for p in await papers.papers.recent(prefix, limit)]
    ids = [p.arxiv_id for p in _papers() if p.arxiv_id.startswith(prefix.lower())]
    if prefix and len(ids) > limit:
        # More ids start with it than are shown: the highest ids (the newest YYMM.NNNNN)
        # are the candidates, not the last stored; then titles, newest stored first.
        top_ids = set(sorted(ids, reverse=True)[:limit])
        stored = [p.arxiv_id for p in _papers()]
        titles = set(await _old(papers, prefix, len(stored))) - set(ids)
        expected = [a for a in reversed(stored) if a in top_ids or a in titles][:limit]
        assert found == expected
        return
    assert found == await _old(papers, prefix, limit)


async def _statements(store: Repositories, prefix: str) -> list[tuple[str, Sequence[Any]]]:
    """The SQL recent() runs for ``prefix``, with its parameters."""
    seen: list[tuple[str, Sequence[Any]]] = []
    real = store.db.fetchall

    async def spy(
        sql: str, params: Iterable[Any] = (), *, budget: float | WorkBudget | None = None
    ) -> list[aiosqlite.Row]:
        assert isinstance(params, Sequence)  # recent() passes a list or tuple
        seen.append((sql, params))
        return await real(sql, params, budget=budget)

    # A deliberate monkeypatch of a method (mypy's method-assign); the spy's signature is checked.
    store.db.fetchall = spy  # type: ignore[method-assign]
    try:
        await store.papers.recent(prefix, 25)
    finally:
        store.db.fetchall = real  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("prefix", ["zzzz-nothing", "2609.2", "Graph"])
async def test_the_query_plan_reads_indexes_only(papers: Repositories, prefix: str) -> None:
    [(sql, params)] = await _statements(papers, prefix)
    plan = [str(r[3]) for r in await papers.db.fetchall("EXPLAIN QUERY PLAN " + sql, params)]
    scans = [d for d in plan if d.startswith("SCAN") and "subquery" not in d]
    assert scans == [], plan  # no "SCAN papers" / "SCAN p": no full pass over the table
    assert any("papers_title_nocase" in d for d in plan), plan
    assert any("sqlite_autoindex_papers_1" in d for d in plan), plan


async def test_a_prefix_that_matches_nothing_reads_next_to_nothing(
    settings: Settings, clock: FakeClock
) -> None:
    """Counted in SQLite VM steps, so the test is about work, not about the machine's
    speed: the old LIKE query took over 10,000 steps at 2,000 papers."""
    db = await Database.open(settings.database, readers=0)  # reads on db.conn, counted
    store = Repositories(db, clock)
    batch = tuple(
        Paper(f"2609.{i:05d}", f"Paper number {i} on something", "x") for i in range(2_000)
    )
    await store.papers.upsert(SourceBatch(batch))
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    await store.db.conn.set_progress_handler(count, 10)
    try:
        assert await store.papers.recent("zzzz-nothing", 25) == []
        nothing = steps[0] * 10
        steps[0] = 0
        assert await _old(store, "zzzz-nothing", 25) == []
        old = steps[0] * 10
    finally:
        # aiosqlite types the handler without None, though sqlite3 takes None to remove it
        await store.db.conn.set_progress_handler(None, 10)  # type: ignore[arg-type]
        await db.close()
    assert old > 10_000  # about 7 per paper
    assert nothing < 200, (nothing, old)

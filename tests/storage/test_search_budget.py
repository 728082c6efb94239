"""Bounded searches on a real SQLite file: a crafted query is refused with one sentence and
does not hold up an unrelated read; the parser caps prefixes, phrases and terms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import storage.db
import storage.search as search
from bot.clock import SystemClock
from bot.models import SearchHit, SourceBatch
from bot.query import MAX_TERMS, TOO_BROAD, ParsedQuery, QueryTooBroad, Term, parse
from storage.db import Database, WorkBudget
from storage.papers import SqlitePaperRepo
from storage.search_index import SearchIndex
from tests.storage.test_repositories import paper

WORDS = [
    "diffusion",
    "model",
    "language",
    "vision",
    "agent",
    "graph",
    "robot",
    "policy",
    "reward",
    "token",
]


def crafted() -> ParsedQuery:
    """72 ORed two-letter prefixes (the query of issue 17), built past the parser."""
    letters = "abcdefghi"
    terms = tuple(Term(a + b, prefix=True) for a in letters for b in letters[:8])
    return ParsedQuery(groups=(terms,))


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqlitePaperRepo]:
    db = await Database.open(tmp_path / "papers.db")
    repo = SqlitePaperRepo(db, SystemClock())
    papers = [
        paper(
            f"2401.{i:05d}",
            title=" ".join(WORDS[(i + k) % len(WORDS)] for k in range(4)),
            abstract=" ".join(WORDS[(i * k) % len(WORDS)] + f"{k}x" for k in range(40)),
        )
        for i in range(1, 3001)
    ]
    for start in range(0, len(papers), 1000):
        await repo.upsert(SourceBatch(tuple(papers[start : start + 1000])))
    try:
        yield repo
    finally:
        await repo.close_index()
        await db.close()


async def test_crafted_query_is_refused_and_others_are_served(repo: SqlitePaperRepo) -> None:
    async def crafted_search() -> str:
        try:
            await repo.search(crafted(), limit=10, workspace="T1")
        except QueryTooBroad as exc:
            return str(exc)
        return "served"

    results = await asyncio.wait_for(
        asyncio.gather(crafted_search(), crafted_search(), repo.get("2401.00007")), timeout=30
    )
    assert results[0] == results[1] == TOO_BROAD
    assert results[2] is not None and results[2].arxiv_id == "2401.00007"


async def test_sqlite_statements_have_a_work_budget(
    repo: SqlitePaperRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The FTS5 path (used while the index is built): past its budget a statement is
    # interrupted and the user gets the one sentence; a concurrent read still completes.
    monkeypatch.setattr(search, "WORK_BUDGET_S", 0.0)

    async def fallback() -> str:
        try:
            await repo._sqlite_search(crafted(), limit=10)
        except storage.db.WorkBudgetExceeded:
            return "interrupted"
        return "served"

    got = await asyncio.wait_for(asyncio.gather(fallback(), repo.get("2401.00009")), timeout=30)
    assert got[0] == "interrupted" and got[1] is not None
    with pytest.raises(QueryTooBroad, match="too broad"):
        await repo.search(parse("cat:cs"), limit=10)  # no words: the SQLite path


async def test_the_work_budget_is_for_the_whole_search_not_each_statement(
    repo: SqlitePaperRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered search runs three statements (window, count, page): each gets what the
    earlier ones left of WORK_BUDGET_S, so the user waits at most that long in all."""
    given: list[float] = []
    budgets: set[int] = set()
    db = repo.db
    fetchone, fetchall = db.fetchone, db.fetchall

    def seen(budget: float | WorkBudget | None) -> None:
        assert isinstance(budget, WorkBudget)
        budgets.add(id(budget))
        given.append(budget.left)

    async def one(sql: str, params: Any = (), *, budget: Any = None) -> Any:
        seen(budget)
        return await fetchone(sql, params, budget=budget)

    async def every(sql: str, params: Any = (), *, budget: Any = None) -> Any:
        seen(budget)
        return await fetchall(sql, params, budget=budget)

    monkeypatch.setattr(db, "fetchone", one)
    monkeypatch.setattr(db, "fetchall", every)
    await repo._sqlite_search(parse("diffusion cat:cs.LG"), limit=10)
    assert len(given) >= 3 and len(budgets) == 1  # one budget for the whole search
    assert given == sorted(given, reverse=True) and given[-1] < given[0] <= search.WORK_BUDGET_S


class VirtualTime:
    """storage.db's and storage.search's clock: each reading is 10 ms of work."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 0.01
        return self.now


async def test_time_spent_waiting_for_a_reader_is_not_work(
    repo: SqlitePaperRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 48 feeds reading at once, each statement of a search may wait for a reader
    (READERS is 2). That wait is not the query's work: an ordinary filtered search is served,
    not refused as too broad (FTS5 path: ``within``). Virtual clock: every statement first waits 1 s for its reader."""
    clock = VirtualTime()
    monkeypatch.setattr(storage.db, "time", clock)
    monkeypatch.setattr(search, "time", clock, raising=False)
    db = repo.db
    fetchone, fetchall = db.fetchone, db.fetchall
    waits = 0

    async def one(sql: str, params: Any = (), *, budget: Any = None) -> Any:
        nonlocal waits
        waits += 1
        clock.now += 1.0  # queued behind the feeds' reads
        return await fetchone(sql, params, budget=budget)

    async def every(sql: str, params: Any = (), *, budget: Any = None) -> Any:
        nonlocal waits
        waits += 1
        clock.now += 1.0
        return await fetchall(sql, params, budget=budget)

    monkeypatch.setattr(db, "fetchone", one)
    monkeypatch.setattr(db, "fetchall", every)
    within = [f"2401.{i:05d}" for i in range(1, 1001)]  # a digest's papers, say
    hits, total, _ = await repo.search(parse("diffusion"), limit=10, within=within)
    assert waits >= 2 and total > 0 and len(hits) == 10


async def test_searches_of_one_workspace_queue_behind_a_small_budget(
    repo: SqlitePaperRepo,
) -> None:
    running = 0
    peak = 0
    original = repo._index_search

    async def spy(
        index: SearchIndex, query: ParsedQuery, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, bool]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        try:
            return await original(index, query, limit, offset)
        finally:
            running -= 1

    # A deliberate monkeypatch of a method (mypy's method-assign); the spy's signature is checked.
    repo._index_search = spy  # type: ignore[method-assign]
    await asyncio.gather(
        *(repo.search(parse("diffusion"), limit=5, workspace="T1") for _ in range(6))
    )
    assert peak == search.SEARCHES_PER_WORKSPACE
    await asyncio.gather(
        *(repo.search(parse("diffusion"), limit=5, workspace=f"T{i}") for i in range(4))
    )
    assert peak > search.SEARCHES_PER_WORKSPACE or search.SEARCHES_PER_WORKSPACE >= 4


def test_parser_bounds_every_term() -> None:
    assert parse("ab* model").error and "3 letters" in (parse("ab* model").error or "")
    assert parse("diffus* transf* langu* agen*").error  # at most 3 prefixes
    assert parse('"one two three four five six seven eight nine"').error
    many = " OR ".join(f"w{i}" for i in range(40))
    parsed = parse(many)
    assert sum(len(g) for g in parsed.groups) == MAX_TERMS and parsed.notes
    dup = parse("diffusion diffusion Diffusion -x -x")
    assert len(dup.groups) == 1 and len(dup.excluded) == 1

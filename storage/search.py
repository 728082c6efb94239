"""Paper search (the search half of the ``PaperRepo`` port): FTS5 with bm25 ranking within a
work budget, and the subscription fan-out (its in-memory matching: storage.matching)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from bot.models import SearchHit
from bot.query import COUNT_CAP, ParsedQuery, QueryTooBroad
from storage.db import Database, WorkBudget, WorkBudgetExceeded
from storage.fts import exclude_expression, filter_conditions, match_expression
from storage.matching import match_in_memory
from storage.rows import PAPER_COLUMNS, paper_from_row
from storage.search_index import SearchIndex

log = logging.getLogger(__name__)

# bm25 column weights: title above authors above keywords above abstract.
BM25 = "bm25(papers_fts, 10.0, 4.0, 1.0, 2.0)"
RANK_WINDOW = 1_000  # FTS5 fallback: above this many matches a query is "broad"
FILTER_WINDOW = 2_000
WORK_BUDGET_S = 0.25  # seconds of SQLite work one search may take, all its statements together
SEARCHES_PER_WORKSPACE = 1  # concurrent searches of one workspace (READERS is 2)
INLINE_REBUILD = 50_000  # larger stores build their index in the background (FTS5 meanwhile)


class _IndexState:
    """The search index of one Database: None until open and in step with SQLite."""

    def __init__(self) -> None:
        self.index: SearchIndex | None = None
        self.task: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.slots: dict[str, asyncio.Semaphore] = {}


_STATES: weakref.WeakKeyDictionary[Database, _IndexState] = weakref.WeakKeyDictionary()


def index_directory(db_path: str) -> Path | None:
    """Where the search index of the database at ``db_path`` lives (None: in memory)."""
    return None if db_path == ":memory:" else Path(db_path + ".search")


def _open_and_sync(db_path: str) -> SearchIndex:
    index = SearchIndex(index_directory(db_path))
    if db_path != ":memory:":
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            n = index.sync(conn)
        finally:
            conn.close()
        if n:
            log.info("search index: %d papers indexed", n)
    return index


_INDEX_ROWS = (
    "SELECT id, title, authors, abstract, keywords, categories, published_at, "
    "coalesce(hf_upvotes, 0) FROM papers"
)


def _catch_up(index: SearchIndex, db_path: str) -> None:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        index.sync(conn)
    finally:
        conn.close()


class PaperSearch:
    """Search over the papers table; SqlitePaperRepo is one (the port keeps search there)."""

    db: Database

    def _state(self) -> _IndexState:
        state = _STATES.get(self.db)
        if state is None:
            state = _STATES[self.db] = _IndexState()
        return state

    async def open_index(self, *, wait: bool = False) -> SearchIndex | None:
        """The search index, opened (and brought in step with SQLite) on first use. A small
        store is indexed inline; a large one on a worker thread in the background, while
        searches use FTS5. ``wait``: return only once it is ready (start-up, the bench)."""
        state = self._state()
        if state.index is not None:
            return state.index
        async with state.lock:
            if state.index is None and state.task is None:
                path = self.db.path
                if path == ":memory:":
                    state.index = SearchIndex(None)
                    rows = await self.db.fetchall(_INDEX_ROWS)
                    if rows:
                        await asyncio.to_thread(state.index.put, [tuple(r) for r in rows])
                    return state.index
                small = await self.db.fetchone("SELECT count(*) < ? FROM papers", (INLINE_REBUILD,))
                if small and small[0]:
                    try:
                        state.index = await asyncio.to_thread(_open_and_sync, path)
                        return state.index
                    except ValueError:  # LockBusy: another process is (re)building it
                        log.warning("search index: busy in another process; FTS5 meanwhile")
                state.task = asyncio.create_task(self._build_in_background(state, path))
        if wait and state.task is not None:
            await asyncio.shield(state.task)
        return state.index

    async def _build_in_background(self, state: _IndexState, path: str) -> None:
        try:
            index = await asyncio.to_thread(_open_and_sync, path)
            # Papers written while it was built: catch up once more.
            conn_path = path
            await asyncio.to_thread(_catch_up, index, conn_path)
            state.index = index
        except Exception:
            log.exception("search index: build failed; searching with FTS5")
        finally:
            state.task = None

    async def close_index(self) -> None:
        state = _STATES.pop(self.db, None)
        if state and state.task:
            state.task.cancel()
            with contextlib.suppress(BaseException):
                await state.task

    async def index_papers(self, arxiv_ids: Sequence[str], synced: str) -> None:
        """Re-index these papers (after their SQLite commit); ``synced``: the batch's stamp."""
        if not arxiv_ids:
            return
        index = await self.open_index()
        if index is None:
            return  # being built: it catches up when done
        rows: list[tuple[Any, ...]] = []
        ids = list(arxiv_ids)
        for i in range(0, len(ids), 900):
            part = ids[i : i + 900]
            rows += [
                tuple(r)
                for r in await self.db.fetchall(
                    _INDEX_ROWS + f" WHERE arxiv_id IN ({','.join('?' * len(part))})", part
                )
            ]
        try:
            await asyncio.to_thread(index.put, rows, synced)
        except ValueError:
            # The index's writer lock stayed busy (another process): SQLite has the papers,
            # and the next start re-indexes everything since the recorded stamp.
            log.warning(
                "search index: writer busy; %d papers are indexed at the next start", len(rows)
            )

    @contextlib.asynccontextmanager
    async def _slot(self, workspace: str | None) -> AsyncIterator[None]:
        """At most SEARCHES_PER_WORKSPACE searches of one workspace run at once, so one
        member (or one team) cannot take every reader; the others queue."""
        if workspace is None:
            yield
            return
        slots = self._state().slots
        sem = slots.get(workspace)
        if sem is None:
            sem = slots[workspace] = asyncio.Semaphore(SEARCHES_PER_WORKSPACE)
        async with sem:
            yield

    async def search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        within: Sequence[str] | None = None,
        workspace: str | None = None,
    ) -> tuple[list[SearchHit], int, bool]:
        """(page of hits, total, ranked). Counting stops at COUNT_CAP + 1. Raises
        QueryTooBroad (its text is the sentence to show) past the work budget.

        Queries with words go to the search index (storage/search_index.py): bm25 for every
        query, a few ms at 1M papers. ``within`` (a few ids: digests, subscriptions), queries
        of filters alone, and any search while the index is being built use SQLite: FTS5,
        all its statements together within WORK_BUDGET_S.
        """
        async with self._slot(workspace):
            if within is None and query.groups:
                index = await self.open_index()
                if index is not None:
                    return await self._index_search(index, query, limit, offset)
            try:
                return await self._sqlite_search(query, limit=limit, offset=offset, within=within)
            except WorkBudgetExceeded as exc:
                raise QueryTooBroad(str(exc)) from None

    async def _index_search(
        self, index: SearchIndex, query: ParsedQuery, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, bool]:
        ranked, total = await asyncio.to_thread(
            index.search, query, limit=limit, offset=offset, count_cap=COUNT_CAP
        )
        if not ranked:
            return [], total, True
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS}, p.id FROM papers p WHERE p.id IN "
            f"({','.join('?' * len(ranked))})",
            [i for i, _ in ranked],
        )
        by_id = {int(r[15]): r for r in rows}
        hits = [
            SearchHit(paper=paper_from_row(by_id[i]), rank=-score)
            for i, score in ranked
            if i in by_id
        ]
        return hits, total, True

    async def _sqlite_search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        within: Sequence[str] | None = None,
    ) -> tuple[list[SearchHit], int, bool]:
        """FTS5: a query with at most RANK_WINDOW matches is ranked by bm25; broader ones
        list title matches first, then the rest, newest first (``ranked`` False)."""
        budget = WorkBudget(WORK_BUDGET_S)  # work only: waits for a reader don't count
        match = match_expression(query)
        exclude = exclude_expression(query)
        if match and exclude:
            match = f"({match}) NOT ({exclude})"  # FTS5 NOT: far cheaper than NOT IN (...)
        if match and within is None and not query.has_filters:
            return await self._plain_search(query, match, limit, offset, budget)
        params: list[Any] = []
        ranked = True
        if match:
            floor = (
                0 if within is not None else await self._window_floor(match, FILTER_WINDOW, budget)
            )
            ranked = floor == 0
            sql_from = "papers_fts JOIN papers p ON p.id = papers_fts.rowid"
            conds = ["papers_fts MATCH ?", "papers_fts.rowid >= ?"]
            params += [match, floor]
            rank, order = (BM25, "r, p.id DESC") if ranked else ("0.0", "p.id DESC")
        else:
            sql_from = "papers p"
            conds = []
            rank = "0.0"
            order = "p.published_at DESC, p.id DESC"
        conds += filter_conditions(query, params, exclusions=not match)
        if within is not None:
            conds.append(f"p.arxiv_id IN ({','.join('?' * len(within))})")
            params.extend(within)
        where = " AND ".join(conds) if conds else "1"
        count_row = await self.db.fetchone(
            f"SELECT count(*) FROM (SELECT 1 FROM {sql_from} WHERE {where} LIMIT ?)",
            [*params, COUNT_CAP + 1],
            budget=budget,
        )
        total = int(count_row[0]) if count_row else 0
        if total == 0 or offset >= total:
            return [], total, ranked
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS}, f.r FROM (SELECT p.id AS id, {rank} AS r FROM {sql_from} "
            f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?) f JOIN papers p ON p.id = f.id "
            f"ORDER BY {order}",
            [*params, limit, offset],
            budget=budget,
        )
        return [SearchHit(paper=paper_from_row(r), rank=float(r[15])) for r in rows], total, ranked

    async def _window_floor(self, match: str, window: int, budget: WorkBudget) -> int:
        """Lowest rowid among the newest ``window`` matches, or 0 when there are fewer."""
        row = await self.db.fetchone(
            "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC "
            "LIMIT 1 OFFSET ?",
            (match, window),
            budget=budget,
        )
        return int(row[0]) + 1 if row else 0

    async def _plain_search(
        self, query: ParsedQuery, match: str, limit: int, offset: int, budget: WorkBudget
    ) -> tuple[list[SearchHit], int, bool]:
        count_row = await self.db.fetchone(
            "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)",
            (match, COUNT_CAP + 1),
            budget=budget,
        )
        total = int(count_row[0]) if count_row else 0
        if total == 0 or offset >= total:
            return [], total, True
        if total <= RANK_WINDOW:
            rows = await self.db.fetchall(
                f"SELECT {PAPER_COLUMNS}, f.r FROM (SELECT rowid AS id, {BM25} AS r "
                f"FROM papers_fts WHERE papers_fts MATCH ? ORDER BY r, rowid DESC LIMIT ? "
                f"OFFSET ?) f JOIN papers p ON p.id = f.id ORDER BY f.r, p.id DESC",
                (match, limit, offset),
                budget=budget,
            )
            return (
                [SearchHit(paper=paper_from_row(r), rank=float(r[15])) for r in rows],
                total,
                True,
            )
        need = offset + limit
        newest = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
        first: list[int] = []
        positive = match_expression(query)
        if positive and "authors :" not in positive:  # a column filter can't nest in another
            title = f"({{title}} : ({positive})) AND ({match})"
            first = [
                int(r[0]) for r in await self.db.fetchall(newest, (title, need), budget=budget)
            ]
        ids = first
        if len(first) < need:
            seen = set(first)
            rest = await self.db.fetchall(newest, (match, need + len(first)), budget=budget)
            ids = first + [int(r[0]) for r in rest if int(r[0]) not in seen]
        page = ids[offset:need]
        if not page:
            return [], total, False
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS}, p.id FROM papers p WHERE p.id IN "
            f"({','.join('?' * len(page))})",
            page,
        )
        by_id = {int(r[15]): r for r in rows}
        hits = [SearchHit(paper=paper_from_row(by_id[i]), rank=0.0) for i in page if i in by_id]
        return hits, total, False

    async def matching_ids(self, query: ParsedQuery, within: Sequence[str]) -> list[str]:
        """Which of ``within`` match ``query`` (FTS5 does the matching, not Python)."""
        if not within:
            return []
        hits, _, _ = await self.search(query, limit=len(within), within=within)
        return [h.paper.arxiv_id for h in hits]

    async def match_many(
        self, queries: Sequence[tuple[int, ParsedQuery]], within: Sequence[str]
    ) -> dict[int, list[str]]:
        """For each (key, query), which of ``within`` match. Subscription fan-out: the new
        papers (a few hundred) go into a private in-memory FTS5 index, built and queried on a
        worker thread, so 100k queries take seconds and never hold the database's write lock.
        FTS5 does the word matching; the filters (category, dates, upvotes) are then checked
        on those few candidate rows. Identical topics are matched once."""
        if not within or not queries:
            return {}
        rows = await self.db.fetchall(
            "SELECT id, arxiv_id, title, authors, abstract, keywords, categories, published_at, "
            f"coalesce(hf_upvotes, 0) FROM papers WHERE arxiv_id IN ({','.join('?' * len(within))})",
            list(within),
        )
        docs = [tuple(r) for r in rows]
        return await asyncio.to_thread(match_in_memory, docs, list(queries))

    async def relevance(self, query: ParsedQuery, arxiv_ids: Sequence[str]) -> dict[str, float]:
        """bm25 of ``query`` for each matching id (lower is better, as in SQLite)."""
        if not arxiv_ids:
            return {}
        hits, _, _ = await self.search(query, limit=len(arxiv_ids), within=arxiv_ids)
        return {h.paper.arxiv_id: h.rank for h in hits}

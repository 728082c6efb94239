"""Candidate fixes outside bench/, measured by monkeypatching copies of the code paths.

Nothing here changes storage/ or bot/ on disk: each variant replaces a method for the
duration of one measurement (and only on scratch stores when it needs a schema change).

* search ``+filter_index``: the store's filtered joins (``JOIN papers p ON p.id =
  papers_fts.rowid``) rewritten to use a narrow covering index
  ``papers_filter(id, published_at, hf_upvotes, categories)`` (``INDEXED BY``: the planner
  keeps reading the 1.5 KB table rows otherwise), on a scratch copy that has the index.
* search ``+recency_rank``: the store's ``BM25`` expression replaced by newest-first, to
  measure what bm25 itself costs (its IDF walks each term's whole doclist per query).
* fan-out ``mem_fts``: match_many on a private in-memory FTS5 index of the candidates, in one
  worker thread, each distinct query once, filters applied in Python; the main database is
  never locked (today match_many holds BEGIN IMMEDIATE for the whole run).
* ingest ``bulk_fts``: no per-row AFTER INSERT trigger; one INSERT ... SELECT into papers_fts
  per batch (FTS5 flushes its pending index at every statement savepoint the trigger opens).
  ("current" is whatever SqlitePaperRepo.upsert does now: since a037e8e it stages a batch in
  a temp table and upserts it in one statement, which fixes the same flush.)
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import WORK, Stopwatch, copy_store, drop_store, latency_stats, open_engine, show
from bench.corpus import CorpusModel, iter_batches
from bench.queries import QueryMaker
from bot.clock import SystemClock
from bot.models import SourceBatch
from storage import search
from storage.db import Database
from storage.papers import _UPSERT, SqlitePaperRepo
from storage.rows import paper_params, stamp

ORIGINAL_MATCH_MANY = SqlitePaperRepo.match_many
# The store's upsert statement with one VALUES row (the store may stage rows in a temp table
# and select from it instead; the bulk_fts variant binds each paper directly).
_UPSERT_VALUES = re.sub(
    r"VALUES \([?, ]+\)|SELECT \* FROM temp\.stage_papers[^\n]*",
    "VALUES (" + ", ".join("?" * 17) + ")",
    _UPSERT,
    count=1,
)
ORIGINAL_UPSERT = SqlitePaperRepo.upsert


@contextmanager
def patched(cls: Any, name: str, fn: Any) -> Any:
    old = getattr(cls, name)
    setattr(cls, name, fn)
    try:
        yield
    finally:
        setattr(cls, name, old)


# ----------------------------------------------------------------------------- search
FILTER_INDEX = (
    "CREATE INDEX IF NOT EXISTS papers_filter ON papers(id, published_at, hf_upvotes, categories)"
)
_JOIN = "JOIN papers p ON p.id = papers_fts.rowid"


def _with_filter_index(sql: str) -> str:
    return sql.replace(_JOIN, "JOIN papers p INDEXED BY papers_filter ON p.id = papers_fts.rowid")


@contextmanager
def filter_index_hint() -> Iterator[None]:
    """Rewrite the store's filtered joins to use the narrow covering index (the planner keeps
    the 1.5 KB table rows otherwise)."""
    fetchone, fetchall = Database.fetchone, Database.fetchall

    async def one(self: Database, sql: str, params: Any = ()) -> Any:
        return await fetchone(self, _with_filter_index(sql), params)

    async def many(self: Database, sql: str, params: Any = ()) -> Any:
        return await fetchall(self, _with_filter_index(sql), params)

    with patched(Database, "fetchone", one), patched(Database, "fetchall", many):
        yield


@contextmanager
def recency_rank() -> Iterator[None]:
    """Order matches newest first instead of by bm25: FTS5's bm25 computes each term's IDF
    by walking the term's whole doclist on every query, so a common word costs O(its
    document frequency) even when only a 2,000-row window is ranked."""
    with patched(search, "BM25", "(-papers_fts.rowid)"):
        yield


# name -> (context manager factory, needs the papers_filter index)
SEARCH_VARIANTS: dict[str, tuple[Callable[[], Any], bool]] = {
    "current": (nullcontext, False),
    "current+filter_index": (filter_index_hint, True),
    "current+recency_rank (no bm25)": (recency_rank, False),
}


async def _time_search(path: Path, texts: list[str]) -> tuple[list[float], list[list[str]]]:
    async with open_engine(path) as b:
        for t in texts:
            await b.services.digests.search(t)
        times, tops = [], []
        for t in texts:
            t0 = time.perf_counter()
            items, _, _ = await b.services.digests.search(t)
            times.append(time.perf_counter() - t0)
            tops.append([i.paper.arxiv_id for i in items])
    return times, tops


def run_search(corpora: dict[int, Path], queries: int, seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rows = []
    for n, path in sorted(corpora.items()):
        maker = QueryMaker(CorpusModel.build(n, seed), seed=1)
        texts = [q.text for q in maker.queries(queries)]
        base_tops: list[list[str]] = []
        res: dict[str, Any] = {}
        indexed: Path | None = None
        for name, (ctx, needs_index) in SEARCH_VARIANTS.items():
            target = path
            if needs_index:
                if indexed is None:
                    indexed = copy_store(path, f"exp-search-{n}.db")
                    conn = sqlite3.connect(indexed)
                    conn.execute(FILTER_INDEX)
                    conn.close()
                target = indexed
            with ctx():
                times, tops = asyncio.run(_time_search(target, texts))
            st: dict[str, Any] = dict(latency_stats(times))
            if name == "current":
                base_tops = tops
            same = sum(1 for a, b in zip(tops, base_tops, strict=True) if set(a) == set(b))
            st["same_top10_as_current"] = f"{same}/{len(texts)}"
            res[name] = st
            rows.append(
                (
                    f"N={n:,} {name}",
                    st["p50_ms"],
                    st["p95_ms"],
                    st["p99_ms"],
                    st["mean_ms"],
                    st["same_top10_as_current"],
                )
            )
        if indexed is not None:
            drop_store(indexed)
        out[str(n)] = {"queries": queries, "variants": res}
    show(
        "experiment: search variants (ms; same top-10 set as current)",
        ["", "p50", "p95", "p99", "mean", "same top10"],
        rows,
    )
    return out


# ----------------------------------------------------------------------------- fan-out
# The in-memory fan-out this experiment proposed is now SqlitePaperRepo.match_many itself
# (storage/search.py); the variant is kept under its old name for the tables.
match_many_mem = SqlitePaperRepo.match_many


def run_fanout(src: Path, src_n: int, sizes: list[int], seed: int) -> dict[str, Any]:
    from bench import fanout

    model = CorpusModel.build(src_n, seed)
    out: dict[str, Any] = {}
    rows = []
    for subs in sizes:
        path = fanout.prepare(src, model, subs, seed)
        try:
            res: dict[str, Any] = {}
            variants: list[tuple[str, Any]] = [("mem_fts", match_many_mem)]
            if subs <= 10_000:
                variants.insert(0, ("current", ORIGINAL_MATCH_MANY))
            results: dict[str, dict[int, list[str]]] = {}
            for name, fn in variants:
                with patched(SqlitePaperRepo, "match_many", fn):
                    r, matched = asyncio.run(_fanout_once(path))
                results[name] = matched
                res[name] = r
                rows.append((f"{subs:,} subs · {name}", r["match_many_s"], r["pairs"]))
            if "current" in results:
                a, b = results["current"], results["mem_fts"]
                res["same_matches"] = all(
                    sorted(a.get(k, [])) == sorted(b.get(k, [])) for k in set(a) | set(b)
                )
            out[str(subs)] = res
        finally:
            drop_store(path)
    show("experiment: match_many variants (s)", ["", "match_many", "pairs"], rows)
    return out


async def _fanout_once(path: Path) -> tuple[dict[str, Any], dict[int, list[str]]]:
    from bench.fanout import DAY
    from bot import query

    async with open_engine(path) as b:
        store = b.store
        from datetime import timedelta

        candidates = await store.papers.featured_between(DAY - timedelta(days=2), DAY)
        subs = await store.subscriptions.all_active()
        queries = []
        for s in subs:
            parsed = query.parse(s.query)
            if s.id is not None and not parsed.error and not parsed.is_empty:
                queries.append((s.id, parsed))
        t0 = time.perf_counter()
        matched = await store.papers.match_many(queries, candidates)
        dt = time.perf_counter() - t0
    return {"match_many_s": round(dt, 3), "pairs": sum(len(v) for v in matched.values())}, matched


# ----------------------------------------------------------------------------- notify
async def _notify_once(path: Path, limit_s: float) -> dict[str, Any]:
    """The real Notifier.notify: its batched reads and in-memory matching, once experiments
    here, are the code now."""
    from bench.fanout import DAY, Deadline, NullAdapter

    now = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)
    async with open_engine(path, now=now) as b:
        t0 = time.perf_counter()
        adapter = NullAdapter(deadline=t0 + limit_s)
        b.services.attach(adapter)
        try:
            sent = await b.services.notifier.notify(now, force=True)
            timed_out = False
        except Deadline:
            sent, timed_out = adapter.dms, True
        dt = time.perf_counter() - t0
    return {"notify_s": round(dt, 2), "dms_sent": sent, "timed_out": timed_out}


def run_notify(
    src: Path, src_n: int, sizes: list[int], seed: int, timeout: float
) -> dict[str, Any]:
    from bench import fanout

    model = CorpusModel.build(src_n, seed)
    out: dict[str, Any] = {}
    rows = []
    for subs in sizes:
        res: dict[str, Any] = {}
        for name in ("current",):
            path = fanout.prepare(src, model, subs, seed)
            try:
                r = asyncio.run(_notify_once(path, timeout))
            finally:
                drop_store(path)
            res[name] = r
            shown = f"> {r['notify_s']}" if r["timed_out"] else r["notify_s"]
            rows.append((f"{subs:,} subs · {name}", shown, r["dms_sent"]))
        out[str(subs)] = res
    show("experiment: Notifier.notify variants (s)", ["", "notify", "DMs"], rows)
    return out


# ----------------------------------------------------------------------------- ingest
async def upsert_bulk_fts(self: SqlitePaperRepo, batch: SourceBatch) -> int:
    """Like SqlitePaperRepo.upsert, with the papers_ai trigger dropped from the schema."""
    now = stamp(datetime.now(UTC))
    async with self.db.transaction() as conn:
        async with conn.execute("SELECT coalesce(max(id), 0) FROM papers") as cur:
            row = await cur.fetchone()
        top = int(row[0]) if row else 0
        await conn.executemany(_UPSERT_VALUES, [paper_params(p, now) for p in batch.papers])
        await conn.execute(
            "INSERT INTO papers_fts(rowid, title, authors, abstract, keywords) "
            "SELECT id, title, authors, abstract, keywords FROM papers WHERE id > ?",
            (top,),
        )
        await conn.executemany(
            "INSERT INTO featured (day, arxiv_id, source, source_rank) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day, arxiv_id, source) DO UPDATE SET source_rank = excluded.source_rank",
            [(f.day.isoformat(), f.arxiv_id, f.source, f.source_rank) for f in batch.featured],
        )
    return len(batch.papers)


async def _ingest(path: Path, batches: list[SourceBatch], bulk: bool) -> tuple[float, float]:
    db = await Database.open(path)
    try:
        if bulk:
            await db.conn.execute("DROP TRIGGER papers_ai")
        repo = SqlitePaperRepo(db, SystemClock())
        fn = upsert_bulk_fts if bulk else ORIGINAL_UPSERT
        sw = Stopwatch()
        for batch in batches:
            await fn(repo, batch)
        return sw.elapsed()
    finally:
        await db.close()


def run_ingest(n: int, seed: int) -> dict[str, Any]:
    model = CorpusModel.build(n, seed)
    out: dict[str, Any] = {"n": n}
    rows = []
    for batch in (100, 1000):
        batches = list(iter_batches(n, seed + 1, min_batch=batch, model=model))
        for name, bulk in (("current", False), ("bulk_fts", True)):
            path = WORK / f"exp-ingest-{name}.db"
            drop_store(path)
            try:
                wall, cpu = asyncio.run(_ingest(path, batches, bulk))
            finally:
                drop_store(path)
            out[f"{name}_batch{batch}"] = {
                "papers_per_s": round(n / wall),
                "papers_per_cpu_s": round(n / cpu),
            }
            rows.append((f"{name}, {batch}/batch", round(n / wall), round(n / cpu)))
    show(f"experiment: upsert variants, N={n:,}", ["", "papers/s", "papers/CPU-s"], rows)
    return out


def run(
    corpora: dict[int, Path],
    *,
    search_queries: int,
    fanout_src: tuple[int, Path],
    fanout_sizes: list[int],
    ingest_n: int,
    seed: int,
    notify_timeout: float = 120.0,
) -> dict[str, Any]:
    return {
        "search": run_search(corpora, search_queries, seed),
        "fanout": run_fanout(fanout_src[1], fanout_src[0], fanout_sizes, seed),
        "notify": run_notify(fanout_src[1], fanout_src[0], fanout_sizes, seed, notify_timeout),
        "ingest": run_ingest(ingest_n, seed),
    }

"""Search plans side by side, in ONE run, on the SAME queries (bench mix), interleaved query by
query so that a busy neighbour slows every plan alike:

* ``fts5_bm25``   — the named reference: bare FTS5, bm25 on every query (no windows);
* ``fts5_hybrid`` — the FTS5 plan shipped before: bm25 up to 1,000 matches, broad queries
  by title-then-newest (not ranked), filters over the newest 2,000 matches;
* ``tantivy``     — the search index beside the SQLite file (storage/search_index.py), bm25
  on every query (what ``search()`` now does).

Run: ``.venv/bin/python -m bench.compare --n 1000000 --queries 1000`` (builds the index beside
the cached corpus first if missing, and reports how long that took).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from typing import Any

import storage.search as search_mod
from bench.common import latency_stats, machine, show, write_result
from bench.corpus import CorpusModel, ensure_corpus
from bench.queries import QueryMaker
from bot import query as q
from bot.clock import SystemClock
from storage.db import Database, WorkBudgetExceeded
from storage.papers import SqlitePaperRepo

PLANS = ("fts5_bm25", "fts5_hybrid", "tantivy")


async def _run(n: int, n_queries: int, seed: int, warmup: int) -> dict[str, Any]:
    info = machine()
    path, _ = ensure_corpus(n, seed)
    model = CorpusModel.build(n, seed)
    queries = QueryMaker(model, seed=1).queries(n_queries + warmup)
    db = await Database.open(path)
    try:
        repo = SqlitePaperRepo(db, SystemClock())
        t0 = time.perf_counter()
        await repo.open_index(wait=True)
        index_open_s = time.perf_counter() - t0

        async def plan(name: str, parsed: q.ParsedQuery) -> int:
            if name == "tantivy":
                _, total, _ = await repo.search(parsed, limit=10)
                return total
            saved = (search_mod.RANK_WINDOW, search_mod.FILTER_WINDOW, search_mod.WORK_BUDGET_S)
            if name == "fts5_bm25":
                search_mod.RANK_WINDOW = search_mod.FILTER_WINDOW = 10**9
            search_mod.WORK_BUDGET_S = 60.0
            try:
                _, total, _ = await repo._sqlite_search(parsed, limit=10)
            finally:
                search_mod.RANK_WINDOW, search_mod.FILTER_WINDOW, search_mod.WORK_BUDGET_S = saved
            return total

        times: dict[str, list[float]] = defaultdict(list)
        kinds: dict[tuple[str, str], list[float]] = defaultdict(list)
        refused: dict[str, int] = defaultdict(int)
        slow: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for i, item in enumerate(queries):
            parsed = q.parse(item.text)
            if parsed.error or not parsed.has_terms:
                continue
            for name in PLANS:
                t = time.perf_counter()
                try:
                    await plan(name, parsed)
                except q.QueryTooBroad:
                    refused[name] += 1
                dt = time.perf_counter() - t
                if i >= warmup:
                    times[name].append(dt)
                    kinds[(name, item.kind)].append(dt)
                    slow[name].append((dt, item.text))
        crafted = {
            "search index": await _crafted(repo, fts5=False),
            "FTS5 (while the index builds)": await _crafted(repo, fts5=True),
        }
    finally:
        await search_mod.PaperSearch.close_index(repo)
        await db.close()
    out: dict[str, Any] = {
        "crafted": crafted,
        "n": n,
        "queries": len(times["tantivy"]),
        "index_open_or_build_s": round(index_open_s, 1),
        "plans": {name: latency_stats(times[name]) for name in PLANS},
        "refused": dict(refused),
        "by_kind": {
            f"{name}/{kind}": latency_stats(v) for (name, kind), v in sorted(kinds.items())
        },
        "slowest": {
            name: [
                {"ms": round(t * 1000, 1), "query": text}
                for t, text in sorted(slow[name], reverse=True)[:5]
            ]
            for name in PLANS
        },
    }
    show(
        f"search plans at N={n:,} (same {out['queries']} queries, load {info['loadavg_1m_at_start']})",
        ["plan", "p50 ms", "p95 ms", "p99 ms", "mean ms", "max ms"],
        [
            (name, s["p50_ms"], s["p95_ms"], s["p99_ms"], s["mean_ms"], s["max_ms"])
            for name, s in out["plans"].items()
        ],
    )
    write_result("search-plans", f"n{n}", out, info)
    return out


async def _crafted(repo: SqlitePaperRepo, *, fts5: bool) -> dict[str, Any]:
    """Issue 17's crafted query, 72 ORed two-letter prefixes built past the parser (which
    refuses it): its work before "too broad", and a plain search run beside it."""
    letters = "abcdefghi"
    terms = tuple(q.Term(a + b, prefix=True) for a in letters for b in letters[:8])
    crafted = q.ParsedQuery(groups=(terms,))

    async def run() -> tuple[float, bool]:
        t = time.perf_counter()
        try:
            if fts5:
                await repo._sqlite_search(crafted, limit=10)
            else:
                await repo.search(crafted, limit=10)
        except (q.QueryTooBroad, WorkBudgetExceeded):
            return time.perf_counter() - t, True
        return time.perf_counter() - t, False

    task = asyncio.create_task(run())
    await asyncio.sleep(0)  # the crafted query starts first
    t = time.perf_counter()
    await repo.search(q.parse("diffusion models"), limit=10)
    beside = time.perf_counter() - t
    took, refused = await task
    return {"ms": round(took * 1000, 1), "refused": refused, "beside_ms": round(beside * 1000, 1)}


def run(sizes: list[int], *, seed: int, queries: int = 1000, warmup: int = 200) -> dict[str, Any]:
    """For ``python -m bench``: each N's plans go to ``search-plans-n<N>.json`` (SUMMARY)."""
    runs = [asyncio.run(_run(n, queries, seed, warmup)) for n in sizes]
    return {"runs": [{"n": r["n"], "plans": r["plans"], "crafted": r["crafted"]} for r in runs]}


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.compare")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    asyncio.run(_run(a.n, a.queries, a.seed, a.warmup))


if __name__ == "__main__":
    main()

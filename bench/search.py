"""Search latency through ``Services.search`` vs. a plain Python scan (how peer bots search)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import latency_stats, open_engine, show
from bench.corpus import CorpusModel
from bench.queries import BenchQuery, QueryMaker
from bot import query as q


@dataclass(frozen=True, slots=True)
class ScanRow:
    arxiv_id: str
    title: str  # lower-cased
    abstract: str
    authors: str
    keywords: str
    categories: tuple[str, ...]
    published: str
    upvotes: int


def load_scan_rows(path: Path) -> list[ScanRow]:
    """Every paper in memory, lower-cased once (generous to the scan)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT arxiv_id, title, abstract, authors, keywords, categories, published_at, "
            "coalesce(hf_upvotes, 0) FROM papers"
        ).fetchall()
    finally:
        conn.close()
    return [
        ScanRow(
            r[0],
            r[1].lower(),
            r[2].lower(),
            " ".join(json.loads(r[3])).lower(),
            " ".join(json.loads(r[4])).lower(),
            tuple(json.loads(r[5])),
            r[6] or "",
            r[7],
        )
        for r in rows
    ]


def plain_scan(rows: list[ScanRow], text: str, limit: int = 10) -> tuple[list[str], int]:
    """Score every paper by substring counts (title x3, keywords x2, abstract x1); each
    AND group must occur; exclusions, categories and dates filter."""
    parsed = q.parse(text)
    groups = [[t.text.lower() for t in g] for g in parsed.groups]
    author_groups = [[t.text.lower() for t in g] for g in parsed.groups if all(t.column for t in g)]
    excluded = [t.text.lower() for t in parsed.excluded]
    since = parsed.since.isoformat() if parsed.since else ""
    before = parsed.before.isoformat() if parsed.before else ""
    scored: list[tuple[int, str]] = []
    for row in rows:
        if parsed.categories and not any(
            c.startswith(want) for want in parsed.categories for c in row.categories
        ):
            continue
        if since and row.published < since:
            continue
        if before and row.published >= before:
            continue
        if parsed.min_upvotes is not None and row.upvotes < parsed.min_upvotes:
            continue
        score = 0
        ok = True
        for group in groups:
            if group in author_groups:
                hit = sum(row.authors.count(w) for w in group)
            else:
                hit = sum(
                    3 * row.title.count(w) + 2 * row.keywords.count(w) + row.abstract.count(w)
                    for w in group
                )
            if not hit:
                ok = False
                break
            score += hit
        if not ok:
            continue
        if excluded and any(w in row.title or w in row.abstract for w in excluded):
            continue
        scored.append((score, row.arxiv_id))
    scored.sort(reverse=True)
    return [a for _, a in scored[:limit]], len(scored)


WARMUP = 200  # queries run (untimed) first, to warm the page cache and SQLite's caches


async def time_engine(path: Path, queries: list[BenchQuery]) -> tuple[list[float], list[int]]:
    async with open_engine(path) as b:
        await b.store.papers.open_index(wait=True)  # a started bot: not FTS5 while it builds
        for item in queries[:WARMUP]:
            await b.services.digests.search(item.text)
        times, totals = [], []
        for item in queries:
            t0 = time.perf_counter()
            _, total, _ = await b.services.digests.search(item.text)
            times.append(time.perf_counter() - t0)
            totals.append(total)
    return times, totals


def run(
    corpora: dict[int, Path], *, n_queries: dict[int, int], scan_sizes: dict[int, int], seed: int
) -> dict[str, Any]:
    """``n_queries``/``scan_sizes``: N -> how many queries the engine / plain scan runs."""
    out: dict[str, Any] = {"runs": []}
    rows: list[tuple[object, ...]] = []
    for n, path in sorted(corpora.items()):
        model = CorpusModel.build(n, seed)
        queries = QueryMaker(model, seed=1).queries(n_queries[n])
        times, totals = asyncio.run(time_engine(path, queries))
        overall = latency_stats(times)
        by_kind: dict[str, list[float]] = defaultdict(list)
        for item, t in zip(queries, times, strict=True):
            by_kind[item.kind].append(t)
        slowest = sorted(zip(times, queries, totals, strict=True), key=lambda x: -x[0])[:5]
        run_doc: dict[str, Any] = {
            "n": n,
            "queries": len(queries),
            "engine": overall,
            "by_kind": {k: latency_stats(v) for k, v in sorted(by_kind.items())},
            "results_per_query": {
                "p50": sorted(totals)[len(totals) // 2],
                "max": max(totals),
                "zero_hits": sum(1 for t in totals if t == 0),
            },
            "slowest": [
                {"ms": round(t * 1000, 1), "query": item.text, "results": tot}
                for t, item, tot in slowest
            ],
        }
        rows.append(
            (
                f"engine N={n:,} ({len(queries)} q)",
                overall["p50_ms"],
                overall["p95_ms"],
                overall["p99_ms"],
                overall["mean_ms"],
                overall["max_ms"],
            )
        )
        for kind, st in run_doc["by_kind"].items():
            rows.append(
                (f"  {kind}", st["p50_ms"], st["p95_ms"], st["p99_ms"], st["mean_ms"], st["max_ms"])
            )
        k = scan_sizes.get(n, 0)
        if k:
            data = load_scan_rows(path)
            subset = queries[:k]
            scan_times = []
            for item in subset:
                t0 = time.perf_counter()
                plain_scan(data, item.text)
                scan_times.append(time.perf_counter() - t0)
            del data
            scan = latency_stats(scan_times)
            eng = latency_stats(times[:k])
            run_doc["plain_scan"] = {
                "queries": k,
                "scan": scan,
                "engine_same_queries": eng,
                "ratio_p50": round(scan["p50_ms"] / eng["p50_ms"], 1),
                "ratio_mean": round(scan["mean_ms"] / eng["mean_ms"], 1),
            }
            rows.append(
                (
                    f"plain scan N={n:,} ({k} q)",
                    scan["p50_ms"],
                    scan["p95_ms"],
                    scan["p99_ms"],
                    scan["mean_ms"],
                    scan["max_ms"],
                )
            )
            rows.append(
                (
                    "  engine faster (p50 / mean)",
                    run_doc["plain_scan"]["ratio_p50"],
                    "",
                    "",
                    run_doc["plain_scan"]["ratio_mean"],
                    "",
                )
            )
        out["runs"].append(run_doc)
    show(
        "search: engine.search, limit 10, warm (ms)", ["", "p50", "p95", "p99", "mean", "max"], rows
    )
    return out

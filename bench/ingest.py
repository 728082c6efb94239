"""Ingest throughput: the ``paperherald import`` path and the store's upsert path.

Papers (and HF JSON files) are generated before the clock starts; only parsing and storing
are timed, into a fresh store. Wall-clock and process CPU time are both reported: the
machine may be shared, and CPU time shows what the code costs regardless of load.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from bench.common import WORK, Stopwatch, drop_store, show
from bench.corpus import CorpusModel, hf_json_files, iter_batches
from bot.clock import SystemClock
from bot.models import SourceBatch
from bot.sources.files import parse_bytes
from storage.db import Database
from storage.papers import SqlitePaperRepo


async def _store_batches(path: Path, batches: list[SourceBatch]) -> tuple[int, float, float]:
    db = await Database.open(path)
    try:
        repo = SqlitePaperRepo(db, SystemClock())
        sw = Stopwatch()
        stored = 0
        for batch in batches:
            stored += await repo.upsert(batch)
        wall, cpu = sw.elapsed()
    finally:
        await db.close()
    return stored, wall, cpu


async def _import_files(path: Path, files: list[tuple[str, bytes]]) -> tuple[int, float, float]:
    """What ``paperherald import`` does per file: parse_bytes, then upsert."""
    db = await Database.open(path)
    try:
        repo = SqlitePaperRepo(db, SystemClock())
        sw = Stopwatch()
        stored = 0
        for name, data in files:
            stored += await repo.upsert(parse_bytes(data, name))
        wall, cpu = sw.elapsed()
    finally:
        await db.close()
    return stored, wall, cpu


def _figures(stored: int, wall: float, cpu: float) -> dict[str, Any]:
    return {
        "papers": stored,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "papers_per_s": round(stored / wall),
        "papers_per_cpu_s": round(stored / cpu),
    }


def run(n: int, *, seed: int, per_file: int = 100, batch: int = 1000) -> dict[str, Any]:
    model = CorpusModel.build(n, seed)
    WORK.mkdir(parents=True, exist_ok=True)
    files = list(hf_json_files(n, seed + 1, per_file=per_file, model=model))
    batches = list(iter_batches(n, seed + 1, min_batch=batch, model=model))
    out: dict[str, Any] = {"n": n, "files": len(files), "per_file": per_file, "batch": batch}
    target = WORK / f"ingest-{os.getpid()}.db"
    load = os.getloadavg()[0]
    try:
        drop_store(target)
        out["import_path"] = _figures(*asyncio.run(_import_files(target, files)))
        drop_store(target)
        out["upsert_path"] = _figures(*asyncio.run(_store_batches(target, batches)))
    finally:
        drop_store(target)
    out["loadavg_1m_during"] = round(max(load, os.getloadavg()[0]), 2)
    rows = [
        (f"import path: parse_bytes + upsert, {per_file}/file", out["import_path"]),
        (f"upsert path: SourceBatch, {batch}/batch", out["upsert_path"]),
    ]
    show(
        f"ingest: N={n:,} into a fresh store",
        ["", "papers/s", "papers/CPU-s", "seconds"],
        [(label, f["papers_per_s"], f["papers_per_cpu_s"], f["seconds"]) for label, f in rows],
    )
    return out

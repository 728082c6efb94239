"""Shared helpers: machine facts, percentiles, result files, an Services without network."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.models import SourceBatch
from storage.db import Database
from storage.store import Repositories

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
WORK = BENCH_DIR / "corpus" / "work"  # scratch copies of cached stores (gitignored)
console = Console()


def machine() -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "aiosqlite": version("aiosqlite"),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        **git_state(),
    }


def git_state() -> dict[str, Any]:
    """The commit measured, and which files under storage/ and bot/ differ from it (other
    people edit them while benchmarks run). Read-only git commands."""
    repo = BENCH_DIR.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.rstrip()

    dirty = git("status", "--porcelain", "--", "storage", "bot")
    return {
        "git_head": git("rev-parse", "--short", "HEAD").strip() or None,
        "git_dirty_core_files": [ln[3:] for ln in dirty.splitlines() if ln.strip()],
    }


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), ``p`` in 0..100."""
    if not values:
        return float("nan")
    data = sorted(values)
    k = (len(data) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else float("nan"),
        "max_ms": round(max(ms), 3) if ms else float("nan"),
    }


def write_result(
    name: str, mode: str, payload: dict[str, Any], machine_info: dict[str, Any] | None = None
) -> Path:
    """``machine_info``: machine() taken when the benchmark started (load, git state)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{mode}.json"
    doc = {
        "benchmark": name,
        "mode": mode,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info or machine(),
        **payload,
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def show(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(fmt(v) for v in row))
    console.print(table)


def fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def copy_store(src: Path, name: str, *, with_index: bool = False) -> Path:
    """A scratch copy of a cached store, for benchmarks that write; ``with_index``: and of
    its search index (``<store>.search/``) when there is one, so it need not be rebuilt."""
    WORK.mkdir(parents=True, exist_ok=True)
    dst = WORK / name
    drop_store(dst)
    shutil.copyfile(src, dst)
    index = Path(f"{src}.search")
    if with_index and index.is_dir():
        shutil.copytree(index, f"{dst}.search")
    return dst


def drop_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{path}.search", ignore_errors=True)


def bench_settings(database: Path, **overrides: object) -> Settings:
    """Settings that ignore the environment and any .env file (like tests/conftest.py)."""
    values: dict[str, object] = {
        "database": database,
        "timezone": "UTC",
        "sources": ["hf"],
        "http_retries": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


class NullSource:
    name = "hf"

    async def fetch_day(self, day: date) -> SourceBatch:
        return SourceBatch(source=self.name)


@dataclass
class Bench:
    db: Database
    store: Repositories
    services: Services
    clock: FakeClock


@asynccontextmanager
async def open_engine(
    database: Path, *, now: datetime | None = None, **overrides: object
) -> AsyncIterator[Bench]:
    settings = bench_settings(database, **overrides)
    db = await Database.open(settings.database)
    clock = FakeClock(now or datetime(2026, 10, 1, 12, tzinfo=UTC))
    try:
        store = Repositories(db, clock)
        engine = build_services(settings, store, [NullSource()], clock)
        yield Bench(db, store, engine, clock)
    finally:
        await db.close()


class Stopwatch:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu

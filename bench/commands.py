"""Command latency: 200 concurrent ``/papers search`` + ``/papers upvote`` through
``Services.handle_text`` (distinct users, so the per-user rate limit never answers), and the
same lines one after another through the console adapter's ``run_console`` loop."""

from __future__ import annotations

import asyncio
import io
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from adapters.console.adapter import ConsoleAdapter, run_console
from bench.common import copy_store, drop_store, latency_stats, open_engine, show
from bench.corpus import CorpusModel
from bench.queries import QueryMaker
from bot.bootstrap import Services
from bot.messages import Message
from bot.models import ChannelRef, UserRef

PACED_RATE = 100.0  # commands per second in the paced variant


def sample_ids(path: Path, count: int, seed: int) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        top = conn.execute("SELECT max(id) FROM papers").fetchone()[0]
        rng = random.Random(f"ids-{seed}")
        picks = [rng.randint(1, top) for _ in range(count)]
        rows = conn.execute(
            f"SELECT arxiv_id FROM papers WHERE id IN ({','.join('?' * len(picks))})", picks
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


def command_lines(path: Path, n: int, count: int, seed: int, round_no: int) -> list[str]:
    maker = QueryMaker(CorpusModel.build(n, seed), seed=1000 + round_no)
    ids = sample_ids(path, count, seed + round_no)
    lines = []
    for i in range(count):
        if i % 2 == 0:
            lines.append(f"/papers search {maker.query().text}")
        else:
            lines.append(f"/papers upvote {ids[i % len(ids)]}")
    return lines


async def _concurrent(
    engine: Services, lines: list[str], tag: str
) -> list[tuple[str, float, bool]]:
    channel = ChannelRef("console", "bench", "general")

    async def one(i: int, line: str) -> tuple[str, float, bool]:
        user = UserRef("console", "bench", f"{tag}-{i}", f"User {i}")
        t0 = time.perf_counter()
        reply = await engine.dispatcher.handle_text(user, line, channel)
        return line.split()[1], time.perf_counter() - t0, reply.is_error

    return await asyncio.gather(*(one(i, line) for i, line in enumerate(lines)))


async def _paced(
    engine: Services, lines: list[str], tag: str, rate: float, seed: int
) -> list[tuple[str, float, bool]]:
    """The same commands arriving as a Poisson stream of ``rate`` per second; latency is
    measured from each command's arrival."""
    channel = ChannelRef("console", "bench", "general")
    rng = random.Random(f"arrivals-{seed}")
    arrivals, t = [], 0.0
    for _ in lines:
        t += rng.expovariate(rate)
        arrivals.append(t)
    start = time.perf_counter()

    async def one(i: int, line: str) -> tuple[str, float, bool]:
        await asyncio.sleep(max(0.0, start + arrivals[i] - time.perf_counter()))
        user = UserRef("console", "bench", f"{tag}-{i}", f"User {i}")
        t0 = time.perf_counter()
        reply = await engine.dispatcher.handle_text(user, line, channel)
        return line.split()[1], time.perf_counter() - t0, reply.is_error

    return await asyncio.gather(*(one(i, line) for i, line in enumerate(lines)))


class _TimedEngine:
    """Wraps the engine for run_console: notes when each command starts."""

    def __init__(self, engine: Services) -> None:
        self.engine = engine
        self.started: float | None = None

    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        self.started = time.perf_counter()
        return await self.engine.dispatcher.handle_text(caller, line, channel)

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        self.started = time.perf_counter()
        return await self.engine.dispatcher.handle_action(caller, action, channel)


class _TimedConsole(ConsoleAdapter):
    """Records, at the write of each reply, the time since its command started."""

    def __init__(self, timed: _TimedEngine) -> None:
        super().__init__(io.StringIO())
        self.timed = timed
        self.latencies: list[float] = []

    def write(self, text: str) -> None:
        super().write(text)
        if self.timed.started is not None:
            self.latencies.append(time.perf_counter() - self.timed.started)
            self.timed.started = None
        self.out = io.StringIO()  # don't keep megabytes of rendered text


async def _measure(path: Path, n: int, count: int, rounds: int, seed: int) -> dict[str, Any]:
    # The console user is one person: the rate limit is raised so 200 lines all run.
    async with open_engine(path, command_rate_limit=10_000) as b:
        # The search index is ready, as in a bot that has started (not FTS5 while it builds).
        await b.store.papers.open_index(wait=True)
        await _concurrent(b.services, command_lines(path, n, count, seed, 0), "warm")
        samples: list[tuple[str, float, bool]] = []
        wall = []
        for r in range(1, rounds + 1):
            lines = command_lines(path, n, count, seed, r)
            t0 = time.perf_counter()
            samples += await _concurrent(b.services, lines, f"r{r}")
            wall.append(time.perf_counter() - t0)
        paced = await _paced(
            b.services, command_lines(path, n, count, seed, 50), "paced", PACED_RATE, seed
        )
        timed = _TimedEngine(b.services)
        adapter = _TimedConsole(timed)
        lines = command_lines(path, n, count, seed, rounds + 1)
        t0 = time.perf_counter()
        await run_console(timed, adapter, io.StringIO("\n".join(lines) + "\n"))  # type: ignore[arg-type]
        console_wall = time.perf_counter() - t0
    by_kind = {
        kind: latency_stats([t for k, t, _ in samples if k == kind])
        for kind in ("search", "upvote")
    }
    return {
        "n": n,
        "concurrent": count,
        "rounds": rounds,
        "engine_all": latency_stats([t for _, t, _ in samples]),
        "engine_by_kind": by_kind,
        "errors": sum(1 for *_, e in samples if e),
        "round_wall_s": [round(w, 3) for w in wall],
        "paced_rate_per_s": PACED_RATE,
        "paced": latency_stats([t for _, t, _ in paced]),
        "paced_errors": sum(1 for *_, e in paced if e),
        "console_sequential": latency_stats(adapter.latencies),
        "console_wall_s": round(console_wall, 3),
    }


def run(corpus: Path, n: int, *, seed: int, count: int = 200, rounds: int = 3) -> dict[str, Any]:
    path = copy_store(corpus, f"commands-{n}.db", with_index=True)
    try:
        out = asyncio.run(_measure(path, n, count, rounds, seed))
    finally:
        drop_store(path)
    rows = [(f"handle_text, {count} at once (all)", out["engine_all"])]
    rows += [(f"  {k}", v) for k, v in out["engine_by_kind"].items()]
    rows.append((f"handle_text, {count} arriving at {PACED_RATE:.0f}/s", out["paced"]))
    rows.append((f"console run_console, {count} lines in turn", out["console_sequential"]))
    show(
        f"commands: N={n:,}, {rounds} rounds of {count} concurrent (ms); errors={out['errors']}",
        ["", "p50", "p95", "p99", "max"],
        [(label, s["p50_ms"], s["p95_ms"], s["p99_ms"], s["max_ms"]) for label, s in rows],
    )
    return out

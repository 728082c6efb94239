"""``python -m bench --quick`` (N <= 100k, a couple of minutes) or ``--full`` (adds 1M).

Every benchmark prints a table and writes ``bench/results/<name>-<mode>.json``; the run ends
by regenerating ``bench/results/SUMMARY.md``. Generated stores are cached in bench/corpus/.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import (
    commands,
    compare,
    experiments,
    fanout,
    feeds,
    ingest,
    memory,
    search,
    summary,
    taste,
)
from bench.common import console, machine, write_result
from bench.corpus import ensure_corpus

NAMES = (
    "search",
    "compare",
    "ingest",
    "fanout",
    "feeds",
    "commands",
    "memory",
    "taste",
    "experiments",
)


@dataclass(frozen=True)
class Plan:
    mode: str
    corpora: tuple[int, ...]
    search_queries: dict[int, int]  # N -> queries timed (each also run once to warm up)
    scan_queries: dict[int, int]  # N -> queries the plain scan runs
    compare_sizes: tuple[int, ...]  # bench.compare: search plans side by side, crafted query
    ingest_n: int
    fanout_store: int
    fanout_subs: tuple[int, ...]
    notify_timeout: float
    feeds: int  # daily-thread feeds due at the same minute (bench/feeds.py)
    feeds_sweep: int  # feeds per run of the PARALLEL_FEEDS sweep
    commands_n: int
    command_rounds: int
    memory_n: int
    memory_searches: int
    cli_runs: int
    experiments: bool  # run them without --only
    exp_search: tuple[int, ...]
    exp_queries: int
    exp_fanout: tuple[int, ...]
    exp_ingest_n: int
    taste_seeds: tuple[int, ...]  # replays of the simulated team (bench/taste.py)
    taste_repeats: int  # timed repetitions of learning from 10k votes


QUICK = Plan(
    mode="quick",
    corpora=(10_000, 100_000),
    search_queries={10_000: 1000, 100_000: 200},
    scan_queries={10_000: 100, 100_000: 10},
    compare_sizes=(50_000, 100_000),
    ingest_n=10_000,
    fanout_store=10_000,
    fanout_subs=(10_000,),
    notify_timeout=15.0,
    feeds=10_000,
    feeds_sweep=500,
    commands_n=100_000,
    command_rounds=1,
    memory_n=100_000,
    memory_searches=200,
    cli_runs=2,
    experiments=False,
    exp_search=(100_000,),
    exp_queries=200,
    exp_fanout=(10_000, 100_000),
    exp_ingest_n=10_000,
    taste_seeds=(1, 2, 3),
    taste_repeats=5,
)
FULL = Plan(
    mode="full",
    corpora=(10_000, 100_000, 1_000_000),
    search_queries={10_000: 1000, 100_000: 1000, 1_000_000: 1000},
    scan_queries={10_000: 200, 100_000: 50},
    compare_sizes=(1_000_000,),
    ingest_n=100_000,
    fanout_store=10_000,
    fanout_subs=(10_000, 100_000),
    notify_timeout=120.0,
    feeds=10_000,
    feeds_sweep=1_000,
    commands_n=1_000_000,
    command_rounds=2,
    memory_n=1_000_000,
    memory_searches=1000,
    cli_runs=3,
    experiments=True,
    exp_search=(100_000, 1_000_000),
    exp_queries=200,
    exp_fanout=(10_000, 100_000),
    exp_ingest_n=20_000,
    taste_seeds=(1, 2, 3, 4, 5),
    taste_repeats=10,
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="N <= 100k (default)")
    mode.add_argument("--full", action="store_true", help="adds the 1M store and experiments")
    p.add_argument("--only", nargs="+", choices=NAMES, help="run just these benchmarks")
    p.add_argument("--seed", type=int, default=42, help="corpus seed (default 42)")
    args = p.parse_args(argv)
    plan = FULL if args.full else QUICK
    wanted = args.only or [n for n in NAMES if n != "experiments" or plan.experiments]
    started = time.perf_counter()
    console.rule(f"Paper Herald benchmarks · {plan.mode}")
    console.print(machine())

    needed = set(plan.corpora) if "search" in wanted else set()
    if "compare" in wanted:
        needed.update(plan.compare_sizes)
    if "fanout" in wanted:
        needed.add(plan.fanout_store)
    if "commands" in wanted:
        needed.add(plan.commands_n)
    if "memory" in wanted:
        needed.add(plan.memory_n)
    if "experiments" in wanted:
        needed.update(plan.exp_search)
        needed.add(plan.fanout_store)
    stores = {}
    builds: dict[int, Any] = {}
    for n in sorted(needed):
        path, meta = ensure_corpus(n, args.seed, log=console.print)
        stores[n] = path
        builds[n] = meta
        console.print(
            f"corpus N={n:,}: {path.name} ({'cached' if meta['cached'] else 'built'}; "
            f"built in {meta['build_seconds']} s, {meta['bytes'] / 1e6:,.0f} MB)"
        )
    corpus_info = {str(n): builds[n] for n in sorted(builds)}

    jobs: dict[str, Callable[[], dict[str, Any]]] = {
        "search": lambda: search.run(
            {n: stores[n] for n in plan.corpora},
            n_queries=plan.search_queries,
            scan_sizes=plan.scan_queries,
            seed=args.seed,
        ),
        "compare": lambda: compare.run(list(plan.compare_sizes), seed=args.seed),
        "ingest": lambda: ingest.run(plan.ingest_n, seed=args.seed),
        "fanout": lambda: fanout.run(
            stores[plan.fanout_store],
            plan.fanout_store,
            list(plan.fanout_subs),
            seed=args.seed,
            notify_timeout=plan.notify_timeout,
        ),
        "feeds": lambda: feeds.run(plan.feeds, seed=args.seed, sweep_feeds=plan.feeds_sweep),
        "commands": lambda: commands.run(
            stores[plan.commands_n], plan.commands_n, seed=args.seed, rounds=plan.command_rounds
        ),
        "memory": lambda: memory.run(
            stores[plan.memory_n],
            plan.memory_n,
            seed=args.seed,
            searches=plan.memory_searches,
            cli_runs=plan.cli_runs,
        ),
        "taste": lambda: taste.run(
            seed=args.seed, repeats=plan.taste_repeats, seeds=plan.taste_seeds
        ),
        "experiments": lambda: experiments.run(
            {n: stores[n] for n in plan.exp_search},
            search_queries=plan.exp_queries,
            fanout_src=(plan.fanout_store, stores[plan.fanout_store]),
            fanout_sizes=list(plan.exp_fanout),
            ingest_n=plan.exp_ingest_n,
            seed=args.seed,
            notify_timeout=plan.notify_timeout,
        ),
    }
    for name in NAMES:
        if name not in wanted:
            continue
        t0 = time.perf_counter()
        at_start = machine()
        payload = jobs[name]()
        payload["bench_seconds"] = round(time.perf_counter() - t0, 1)
        payload["corpora"] = corpus_info
        path = write_result(name, plan.mode, payload, at_start)
        console.print(f"[dim]{name}: {payload['bench_seconds']} s -> {path}[/dim]")
    out = summary.write()
    console.print(f"summary -> {out}; total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

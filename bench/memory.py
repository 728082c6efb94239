"""Peak RSS of a Paper Herald process serving searches over a store.

Two kinds of child process, each reporting its own VmHWM (peak resident set) from /proc:
* ``python -m bench.rss_driver``: open_core + ``searches`` Services.search calls;
* ``python -m bench.cli_rss --db DB search ...``: the real CLI (bot.cli.main), a few times.

(ru_maxrss from wait4/RUSAGE_CHILDREN is also recorded, but on Linux a child inherits the
parent's peak at fork, so it is an upper bound polluted by this benchmark's own memory.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, show
from bench.corpus import CorpusModel
from bench.queries import QueryMaker

REPO = BENCH_DIR.parent


def _child(argv: list[str]) -> tuple[int, str, str, int]:
    """Run argv; (exit code, stdout, stderr, ru_maxrss KiB from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_maxrss,
        )


def run(
    corpus: Path, n: int, *, seed: int, searches: int = 1000, cli_runs: int = 5
) -> dict[str, Any]:
    maker = QueryMaker(CorpusModel.build(n, seed), seed=7)
    texts = [maker.query().text for _ in range(searches)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
        qfile = f.name
    try:
        code, stdout, stderr, wait4_kb = _child(
            [sys.executable, "-m", "bench.rss_driver", str(corpus), qfile]
        )
        if code != 0:
            raise RuntimeError(f"rss_driver failed with exit code {code}: {stderr[-500:]}")
        driver = json.loads(stdout.strip().splitlines()[-1])
        driver["peak_rss_kb"] = driver["vmhwm_kb"]
        driver["wait4_ru_maxrss_kb"] = wait4_kb
        cli_peaks: list[dict[str, Any]] = []
        for text in texts[:cli_runs]:
            code, _, stderr, wait4_kb = _child(
                [
                    sys.executable,
                    "-m",
                    "bench.cli_rss",
                    "--db",
                    str(corpus),
                    "search",
                    "--json",
                    "--",
                    *text.split(),
                ]
            )
            hwm = [ln.split()[1] for ln in stderr.splitlines() if ln.startswith("VmHWM ")]
            cli_peaks.append(
                {
                    "query": text,
                    "exit": code,
                    "peak_rss_kb": int(hwm[-1]) if hwm and hwm[-1].isdigit() else None,
                    "wait4_ru_maxrss_kb": wait4_kb,
                }
            )
    finally:
        os.unlink(qfile)
    out = {
        "n": n,
        "driver": driver,
        "cli": cli_peaks,
        "peak_rss_mb": round(
            max([driver["peak_rss_kb"]] + [c["peak_rss_kb"] or 0 for c in cli_peaks]) / 1024, 1
        ),
        # at the end of the driver's searches: mapped files (the search index) vs its own memory
        "driver_rss_file_mb_end": round((driver.get("rss_file_kb_end") or 0) / 1024, 1),
        "driver_rss_anon_mb_end": round((driver.get("rss_anon_kb_end") or 0) / 1024, 1),
    }
    show(
        f"memory: peak RSS serving searches, N={n:,} (MiB)",
        ["process", "peak RSS", "after open", "end: files / own"],
        [
            (
                f"bench.rss_driver: open_core + {searches} searches",
                driver["peak_rss_kb"] / 1024,
                (driver["rss_after_open_kb"] or 0) / 1024,
                f"{out['driver_rss_file_mb_end']} / {out['driver_rss_anon_mb_end']}",
            ),
            *[
                (f"bot.cli (bench.cli_rss) search #{i + 1}", (c["peak_rss_kb"] or 0) / 1024, "", "")
                for i, c in enumerate(cli_peaks)
            ],
        ],
    )
    return out

"""Child process for the memory benchmark: open_core on a store, run searches, report RSS.

``python -m bench.rss_driver DB QUERIES_FILE`` (one query per line). Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


async def main(db: Path, queries: list[str]) -> dict[str, object]:
    from bench.common import bench_settings
    from bot.app import open_core
    from bot.query import QueryTooBroad

    settings = bench_settings(db)
    async with open_core(settings) as core:
        rss_open = _status_kb("VmRSS")
        t0 = time.perf_counter()
        hits = refused = 0
        for text in queries:
            try:
                items, _, _ = await core.services.digests.search(text)
            except QueryTooBroad:  # the FTS5 path while the index opens: the sentence
                refused += 1
                continue
            hits += len(items)
        seconds = time.perf_counter() - t0
        rss_end = _status_kb("VmRSS")
    return {
        "searches": len(queries),
        "hits": hits,
        "refused": refused,
        "seconds": round(seconds, 2),
        "rss_after_open_kb": rss_open,
        "rss_end_kb": rss_end,
        "vmhwm_kb": _status_kb("VmHWM"),
        # file-backed pages (the search index's memory-mapped files: page cache the kernel
        # can drop) vs the process's own memory
        "rss_file_kb_end": _status_kb("RssFile"),
        "rss_anon_kb_end": _status_kb("RssAnon"),
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    db, qfile = Path(sys.argv[1]), Path(sys.argv[2])
    texts = [ln for ln in qfile.read_text(encoding="utf-8").splitlines() if ln.strip()]
    print(json.dumps(asyncio.run(main(db, texts))))

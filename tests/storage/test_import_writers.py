"""A large ``paperherald import`` beside the running bot: the import writes in short
transactions, so the bot's writes (votes here, on their own connection with the production
busy_timeout) all succeed while it runs. The longest wait is printed, not asserted."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date
from pathlib import Path

from bench.corpus import hf_json_files
from bot.clock import FakeClock
from storage.db import Database
from storage.papers import WRITE_CHUNK
from storage.store import Repositories
from tests.conftest import alice, make_batch
from tests.entry_point import COMMAND, entry_env

PAPERS = 3000  # ten write chunks


async def test_votes_succeed_during_a_large_import(tmp_path: Path, clock: FakeClock) -> None:
    assert PAPERS >= 5 * WRITE_CHUNK
    [(name, body)] = list(hf_json_files(PAPERS, per_file=PAPERS))
    capture = tmp_path / name
    capture.write_bytes(body)
    env = entry_env(tmp_path, "http://127.0.0.1:9")
    db = await Database.open(env["PAPERHERALD_DATABASE"])
    try:
        store = Repositories(db, clock)
        await store.papers.upsert(make_batch(date(2026, 9, 25), 1))
        proc = await asyncio.create_subprocess_exec(
            *COMMAND,
            "import",
            str(capture),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        finished = asyncio.ensure_future(proc.communicate())
        votes, longest = 0, 0.0
        try:
            while not finished.done():
                started = time.perf_counter()
                await store.votes.toggle(alice(), "2609.20000")  # raises on "database is locked"
                longest = max(longest, time.perf_counter() - started)
                votes += 1
        finally:
            out, err = await asyncio.wait_for(finished, 120)
        assert proc.returncode == 0, err.decode()
        assert f"{PAPERS:,} papers" in out.decode()
        assert await store.papers.count() == PAPERS + 1
        print(
            f"\n{votes} votes during the import of {PAPERS} papers; "
            f"longest vote {longest * 1000:.0f} ms",
            file=sys.stderr,
        )
    finally:
        await db.close()


def test_chunks_carry_each_papers_featured_rows() -> None:
    from bot.models import FeaturedOn, SourceBatch
    from storage.papers import _chunks

    batch = make_batch(date(2026, 9, 25), 7)
    extra = FeaturedOn(date(2026, 9, 25), "2609.99999", "hf", 99)  # a paper not in the batch
    batch = SourceBatch(batch.papers, (*batch.featured, extra), batch.source)
    parts = list(_chunks(batch, 3))
    assert [len(p) for p, _ in parts] == [3, 3, 1]
    for papers, featured in parts[:-1]:
        assert {f.arxiv_id for f in featured} == {p.arxiv_id for p in papers}
    assert extra in parts[-1][1]
    assert sum(len(f) for _, f in parts) == len(batch.featured)
    assert list(_chunks(SourceBatch(), 3)) == []

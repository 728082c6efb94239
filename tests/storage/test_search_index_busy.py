"""Two processes, one search index: while another process rebuilds it (``paperherald import``
after a format change holds the index's writer), the bot's searches are served by FTS5 and
never fail with the writer's "LockBusy"."""

from __future__ import annotations

from pathlib import Path

import pytest

import storage.search_index as search_index
from bot.clock import SystemClock
from bot.models import SourceBatch
from bot.query import parse
from storage.db import Database
from storage.papers import SqlitePaperRepo
from storage.search import index_directory
from storage.search_index import SearchIndex
from tests.storage.test_repositories import paper


async def test_a_search_while_another_process_rebuilds_the_index_uses_fts5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(tmp_path / "papers.db")
    repo = SqlitePaperRepo(db, SystemClock())
    await repo.upsert(SourceBatch((paper("2401.00001", abstract="gaussian splatting"),)))
    await repo.close_index()
    directory = index_directory(str(tmp_path / "papers.db"))
    assert directory is not None
    # The other process has just reopened the index in a new format and is rebuilding it.
    (directory / "paperherald.json").write_text(
        f'{{"format": {search_index.FORMAT}, "synced": null}}'
    )
    other = SearchIndex(directory)
    writer = other.index.writer(heap_size=15_000_000, num_threads=1)
    monkeypatch.setattr(search_index, "LOCK_WAIT_S", 0.05)
    try:
        hits, total, _ = await repo.search(parse("splatting"), limit=10)
        assert [h.paper.arxiv_id for h in hits] == ["2401.00001"] and total == 1
        assert await repo.open_index(wait=True) is None  # its build waits for the writer
    finally:
        writer.rollback()
        del writer
    try:
        assert await repo.open_index(wait=True) is not None  # the next search builds it
        hits, _, _ = await repo.search(parse("splatting"), limit=10)
        assert [h.paper.arxiv_id for h in hits] == ["2401.00001"]
    finally:
        await repo.close_index()
        await db.close()

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import FeaturedOn, Paper, SourceBatch, UserRef
from bot.query import parse
from storage.db import Database, DatabaseError, migrations
from storage.store import Repositories


def paper(arxiv_id: str, **kw: object) -> Paper:
    base: dict[str, object] = {
        "arxiv_id": arxiv_id,
        "title": f"Paper {arxiv_id}",
        "abstract": "An abstract about transformers.",
    }
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


async def _pragma(db: Database, name: str) -> object:
    row = await db.fetchone(f"PRAGMA {name}")
    assert row is not None  # a PRAGMA that reads a setting always returns one row
    return row[0]


async def test_pragmas_and_schema(store: Repositories) -> None:
    db = store.db
    assert await _pragma(db, "journal_mode") == "wal"
    assert await _pragma(db, "foreign_keys") == 1
    assert await _pragma(db, "busy_timeout") == 5000
    assert await db.schema_version() == len(migrations())


async def test_reopening_does_not_reapply_migrations(
    settings: Settings, store: Repositories
) -> None:
    await store.papers.upsert(SourceBatch((paper("2401.00001"),)))
    again = await Database.open(settings.database)
    try:
        assert await Repositories(again, store.clock).papers.count() == 1
    finally:
        await again.close()


async def test_a_database_from_the_future_is_refused(
    settings: Settings, store: Repositories
) -> None:
    await store.db.conn.execute("PRAGMA user_version = 99")
    with pytest.raises(DatabaseError, match="newer than this Paper Herald"):
        await Database.open(settings.database)


async def test_a_file_that_is_not_sqlite_gets_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("this is not a database " * 100)
    with pytest.raises(DatabaseError, match="not a usable Paper Herald database"):
        await Database.open(bad)


async def test_newest_version_wins_and_hf_fields_survive(store: Repositories) -> None:
    papers = store.papers
    await papers.upsert(
        SourceBatch(
            (paper("2401.00001", title="Old title", version=1, hf_upvotes=5, ai_summary="short"),)
        )
    )
    await papers.upsert(
        SourceBatch((paper("2401.00001", title="New title", version=2, categories=("cs.LG",)),))
    )
    await papers.upsert(SourceBatch((paper("2401.00001", title="Stale v1 text", version=1),)))
    got = await papers.get("2401.00001")
    assert got is not None
    assert got.title == "New title" and got.version == 2
    assert got.hf_upvotes == 5 and got.ai_summary == "short" and got.categories == ("cs.LG",)
    # HF (no version) refreshes upvotes without touching arXiv's text.
    await papers.upsert(SourceBatch((paper("2401.00001", title="HF title", hf_upvotes=9),)))
    got = await papers.get("2401.00001")
    assert got is not None and got.title == "New title" and got.hf_upvotes == 9


async def test_search_index_follows_text_changes(store: Repositories) -> None:
    papers = store.papers
    await papers.upsert(SourceBatch((paper("2401.00001", title="Quantum gravity", version=1),)))
    await papers.upsert(SourceBatch((paper("2401.00001", title="Protein folding", version=2),)))
    assert (await papers.search(parse("quantum"), limit=5))[1] == 0
    hits, total, _ = await papers.search(parse("protein"), limit=5)
    assert total == 1 and hits[0].paper.arxiv_id == "2401.00001"


async def test_a_failed_batch_writes_nothing(store: Repositories) -> None:
    good = paper("2401.00001")
    # A featured row for a paper that is not in the batch violates the foreign key.
    broken = SourceBatch((good,), (FeaturedOn(date(2026, 1, 1), "2401.99999", "hf", 1),))
    with pytest.raises(Exception):  # noqa: B017 - sqlite3.IntegrityError through aiosqlite
        await store.papers.upsert(broken)
    assert await store.papers.count() == 0


async def test_search_ranks_title_above_abstract_and_pages_are_stable(store: Repositories) -> None:
    batch = SourceBatch(
        tuple(
            [paper("2401.00001", title="Unrelated", abstract="mentions diffusion once")]
            + [
                paper(f"2401.000{i:02d}", title="Diffusion everywhere", abstract="x")
                for i in range(2, 14)
            ]
        )
    )
    await store.papers.upsert(batch)
    q = parse("diffusion")
    first, total, exact = await store.papers.search(q, limit=5)
    second, _, _ = await store.papers.search(q, limit=5, offset=5)
    third, _, _ = await store.papers.search(q, limit=5, offset=10)
    assert exact
    ids = [h.paper.arxiv_id for h in first + second + third]
    assert total == 13 and len(set(ids)) == 13
    assert ids[-1] == "2401.00001"  # abstract-only match ranks last


async def test_filters(store: Repositories) -> None:
    await store.papers.upsert(
        SourceBatch(
            (
                paper(
                    "2401.00001",
                    categories=("cs.LG",),
                    hf_upvotes=50,
                    published_at=datetime(2025, 3, 1, tzinfo=UTC),
                    authors=("Geoffrey Hinton",),
                ),
                paper(
                    "2401.00002",
                    categories=("cs.CV",),
                    hf_upvotes=2,
                    published_at=datetime(2024, 3, 1, tzinfo=UTC),
                    authors=("Yann LeCun",),
                ),
            )
        )
    )

    async def ids(text: str) -> list[str]:
        hits, _, _ = await store.papers.search(parse(text), limit=10)
        return sorted(h.paper.arxiv_id for h in hits)

    assert await ids("transformers cat:cs.LG") == ["2401.00001"]
    assert await ids("cat:cs.CV") == ["2401.00002"]
    assert await ids("since:2025-01-01") == ["2401.00001"]
    assert await ids("before:2025-01-01 transformers") == ["2401.00002"]
    assert await ids("upvotes>:10") == ["2401.00001"]
    assert await ids("author:lecun") == ["2401.00002"]
    assert await ids("transformers -hinton") == ["2401.00002"]  # plain words cover authors too
    assert await ids("transformers -author:hinton") == ["2401.00002"]


async def test_concurrent_vote_toggles_never_double_count(store: Repositories) -> None:
    await store.papers.upsert(SourceBatch((paper("2401.00001"),)))
    users = [UserRef("slack", "T1", f"U{i}") for i in range(20)]
    await asyncio.gather(*(store.votes.toggle(u, "2401.00001") for u in users))
    await asyncio.gather(*(store.votes.toggle(users[0], "2401.00001") for _ in range(3)))
    counts = await store.votes.counts("slack", "T1", ["2401.00001"])
    assert counts["2401.00001"] == 19  # user 0 toggled 4 times in all: off
    other = await store.votes.counts("discord", "G1", ["2401.00001"])
    assert other == {}  # votes are per workspace


async def test_match_many_uses_a_small_index(store: Repositories) -> None:
    await store.papers.upsert(
        SourceBatch(
            (
                paper("2401.00001", title="Gaussian splatting for scenes"),
                paper("2401.00002", title="Gaussian splatting: a survey"),
                paper("2401.00003", title="Language models"),
            )
        )
    )
    out = await store.papers.match_many(
        [(1, parse('"gaussian splatting" -survey')), (2, parse("language")), (3, parse("nothing"))],
        ["2401.00001", "2401.00002"],
    )
    assert out == {1: ["2401.00001"]}


async def test_fts5_fallback_lists_broad_queries_title_matches_newest_first(
    store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FTS5 path (used while the search index is being built, and for ``within``)."""
    import storage.search as search

    monkeypatch.setattr(search, "RANK_WINDOW", 5)
    monkeypatch.setattr(search, "FILTER_WINDOW", 6)
    await store.papers.upsert(
        SourceBatch(
            tuple(
                paper(
                    f"2401.{i:05d}",
                    title="Diffusion study" if i % 2 else "A study",
                    abstract="diffusion everywhere",
                    categories=("cs.LG",),
                )
                for i in range(1, 11)
            )
        )
    )
    hits, total, ranked = await store.papers._sqlite_search(parse("diffusion"), limit=10)
    assert (total, ranked) == (10, False)
    assert [h.paper.arxiv_id[-2:] for h in hits] == [
        "09",
        "07",
        "05",
        "03",
        "01",
        "10",
        "08",
        "06",
        "04",
        "02",
    ]
    page2, _, _ = await store.papers._sqlite_search(parse("diffusion"), limit=3, offset=3)
    assert [h.paper.arxiv_id[-2:] for h in page2] == ["03", "01", "10"]
    # With filters, a broad query looks at its newest FILTER_WINDOW matches.
    hits, total, ranked = await store.papers._sqlite_search(parse("diffusion cat:cs.LG"), limit=10)
    assert (total, ranked) == (6, False)
    # Few matches: bm25 ranks them (title hits above abstract-only ones).
    hits, total, ranked = await store.papers._sqlite_search(parse('"diffusion study"'), limit=10)
    assert (total, ranked) == (5, True)
    # Exclusions fold into the FTS5 expression: every abstract here says "everywhere".
    hits, total, ranked = await store.papers._sqlite_search(
        parse("diffusion -everywhere"), limit=10
    )
    assert total == 0
    hits, total, ranked = await store.papers._sqlite_search(parse('"nothing like this"'), limit=10)
    assert (total, ranked) == (0, True)


async def test_broad_queries_are_ranked_by_bm25_too(store: Repositories) -> None:
    await store.papers.upsert(
        SourceBatch(
            tuple(
                paper(
                    f"2401.{i:05d}",
                    title="Diffusion study" if i % 2 else "A study",
                    abstract="diffusion everywhere" if i % 2 else "diffusion diffusion diffusion",
                )
                for i in range(1, 2001)
            )
        )
    )
    hits, total, ranked = await store.papers.search(parse("diffusion"), limit=10)
    assert (total, ranked) == (1001, True)  # counted to COUNT_CAP + 1, and ranked
    assert all(h.paper.title == "Diffusion study" for h in hits)  # title above abstract
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)

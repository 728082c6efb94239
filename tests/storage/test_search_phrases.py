"""Phrases of common words are found through indexed word pairs (storage/search_pairs.py),
others through word positions; both stay exact: every word, in order, side by side, in one
field; ranked by bm25."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.models import SourceBatch
from bot.query import parse
from storage.db import Database
from storage.papers import SqlitePaperRepo
from storage.search import index_directory
from tests.storage.test_repositories import paper

PAPERS = {
    "2401.00001": ("Notes", "We reach the state of the art on three benchmarks."),
    "2401.00002": ("Notes", "The state of a system is the art of its design."),  # all words
    "2401.00003": ("Notes", "Large language models answer; language models large and small."),
    "2401.00004": ("Notes", "Large language and vision models, and language models."),
    "2401.00005": ("Large language models", "A survey."),
    "2401.00006": ("Notes", "Small language models beat large language models on cost."),
    "2401.00007": ("Notes", "Language models, language models, language models everywhere."),
    "2401.00008": ("Notes", "Models language the other way round."),
    "2401.00009": ("Notes", "The state of zebra of the art."),  # pairs of the phrase, apart
    "2401.00010": ("Gaussian splatting", "Splatting gaussian kernels; gaussian splatting."),
}


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqlitePaperRepo]:
    db = await Database.open(tmp_path / "papers.db")
    repo = SqlitePaperRepo(db, SystemClock())
    batch = tuple(paper(i, title=t, abstract=a) for i, (t, a) in PAPERS.items())
    await repo.upsert(SourceBatch(batch))
    try:
        yield repo
    finally:
        await repo.close_index()
        await db.close()


async def found(repo: SqlitePaperRepo, text: str) -> list[str]:
    assert await repo.open_index() is not None  # the index answers, not FTS5
    hits, total, ranked = await repo.search(parse(text), limit=20)
    assert ranked and total == len(hits)
    return [h.paper.arxiv_id for h in hits]


async def test_a_long_phrase_needs_its_words_side_by_side(repo: SqlitePaperRepo) -> None:
    assert await found(repo, '"state of the art"') == ["2401.00001"]
    assert await found(repo, "state-of-the-art") == ["2401.00001"]
    assert await found(repo, '"the art of"') == ["2401.00002"]


async def test_a_phrase_with_a_less_common_word_is_exact_too(repo: SqlitePaperRepo) -> None:
    # "splatting" is not a common word: no pairs, the word positions answer.
    assert await found(repo, '"gaussian splatting"') == ["2401.00010"]
    assert await found(repo, '"splatting gaussian kernels"') == ["2401.00010"]
    assert await found(repo, '"gaussian kernels splatting"') == []


async def test_a_three_word_phrase_is_not_its_pairs_apart(repo: SqlitePaperRepo) -> None:
    # 00004 has "large language" and "language models", never "large language models".
    assert set(await found(repo, '"large language models"')) == {
        "2401.00003",
        "2401.00005",
        "2401.00006",
    }


async def test_two_word_phrases_rank_by_field_and_frequency(repo: SqlitePaperRepo) -> None:
    ids = await found(repo, '"language models"')
    assert "2401.00008" not in ids  # the words, the other way round
    assert ids[0] == "2401.00005"  # in the title
    assert ids.index("2401.00007") < ids.index("2401.00004")  # three times before once


async def test_an_excluded_phrase_is_exact_too(repo: SqlitePaperRepo) -> None:
    ids = await found(repo, 'language -"large language models"')
    assert set(ids) == {"2401.00004", "2401.00007", "2401.00008"}


async def test_an_index_of_the_previous_format_is_rebuilt(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "papers.db")
    repo = SqlitePaperRepo(db, SystemClock())
    await repo.upsert(SourceBatch((paper("2401.00001", abstract="state of the art"),)))
    await repo.close_index()
    directory = index_directory(str(tmp_path / "papers.db"))
    assert directory is not None
    (directory / "paperherald.json").write_text('{"format": 1, "synced": null}')
    try:
        assert await found(repo, "state-of-the-art") == ["2401.00001"]
    finally:
        await repo.close_index()
        await db.close()

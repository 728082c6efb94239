"""Contract tests over every recorded upstream response in ../shared/fixtures (hf/, arxiv/).

These are real responses recorded by others (see ../shared/fixtures/README.md). When the folder
is not beside the checkout the tests skip; the in-repo fixtures keep the rest of the suite honest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.arxiv_ids import normalise
from bot.models import SourceBatch
from bot.ports import SourceError
from bot.sources.arxiv import ArxivSource, parse_atom, parse_rss
from bot.sources.files import parse_file
from bot.sources.hf import HuggingFaceSource, parse_daily_papers
from bot.sources.http import Fetcher

from .helpers import SHARED_FIXTURES, make_settings

SKIP_REASON = "../shared/fixtures not present beside the checkout"
HF_DIR = SHARED_FIXTURES / "hf"
ARXIV_DIR = SHARED_FIXTURES / "arxiv"
MakeFetcher = Callable[..., Fetcher]

# Recorded error responses: parsing them must fail with one clear sentence.
EXPECTED_ERRORS = {
    "error_404_page-not-found.json": "Sorry, we can't find the page you are looking for",
    "api_newformat_2026-04-12_HTTP400_idlist-abc.xml": "incorrect id format for abc",
}


def _files(folder: Path, *, errors: bool = True) -> list[Any]:
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON), id="absent")]
    return [
        pytest.param(p, id=p.name)
        for p in sorted(folder.iterdir())
        if p.is_file() and (errors or p.name not in EXPECTED_ERRORS)
    ]


@pytest.fixture(autouse=True)
def _need_shared() -> None:
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(reason=SKIP_REASON)


def hf(name: str) -> Any:
    return json.loads((HF_DIR / name).read_bytes())


def arxiv(name: str) -> bytes:
    return (ARXIV_DIR / name).read_bytes()


def assert_batch_invariants(batch: SourceBatch) -> None:
    ids = [p.arxiv_id for p in batch.papers]
    assert len(ids) == len(set(ids)), "a paper is stored once per batch"
    for paper in batch.papers:
        assert normalise(paper.arxiv_id) == paper.arxiv_id
        assert paper.title and "\n" not in paper.title and paper.title == paper.title.strip()
        assert "\n" not in paper.abstract and "  " not in paper.abstract
        assert all(a and a == a.strip() for a in paper.authors)
        if paper.published_at is not None:
            assert paper.published_at.utcoffset() is not None
            assert paper.published_at.tzinfo == UTC
    keys = [(f.day, f.arxiv_id) for f in batch.featured]
    assert len(keys) == len(set(keys))
    assert {f.arxiv_id for f in batch.featured} <= set(ids)
    assert all(f.source == batch.source and f.source_rank >= 1 for f in batch.featured)


# --- every file ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", _files(HF_DIR) + _files(ARXIV_DIR))
def test_every_recorded_file_parses_or_fails_cleanly(path: Path) -> None:
    if path.name in EXPECTED_ERRORS:
        with pytest.raises(SourceError) as info:
            parse_file(path)
        message = str(info.value)
        assert EXPECTED_ERRORS[path.name] in message
        assert path.name in message
        assert "\n" not in message and "Traceback" not in message
        return
    batch = parse_file(path)
    assert batch.source == ("hf" if path.parent.name == "hf" else "arxiv")
    assert_batch_invariants(batch)


@pytest.mark.parametrize("path", _files(HF_DIR, errors=False))
def test_hf_ids_and_authors_match_the_raw_json(path: Path) -> None:
    raw = json.loads(path.read_bytes())
    batch = parse_daily_papers(raw)
    assert [p.arxiv_id for p in batch.papers] == [item["paper"]["id"] for item in raw]
    for paper, item in zip(batch.papers, raw, strict=True):
        visible = [a["name"].strip() for a in item["paper"]["authors"] if not a.get("hidden")]
        assert list(paper.authors) == visible
        assert paper.hf_upvotes == item["paper"]["upvotes"]
        assert paper.hf_comments == item["numComments"]


# --- Hugging Face facts ----------------------------------------------------------------------


def test_era_a_2024_05_27() -> None:
    raw = hf("daily_papers_2024-05-27.json")
    batch = parse_daily_papers(raw)
    assert len(raw) == 13 and len(batch.papers) == 13
    # Era A has no submittedOnDailyAt: the item's publishedAt was the posting time (Q2).
    assert {f.day for f in batch.featured} == {date(2024, 5, 27)}
    assert [f.source_rank for f in batch.featured] == list(range(1, 14))
    first = batch.papers[0]
    assert first.arxiv_id == "2405.15738"
    assert "\n" in raw[0]["paper"]["title"] and "\n" not in first.title
    assert (
        first.title
        == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    )
    assert first.thumbnail == raw[0]["mediaUrl"]  # era A: mediaUrl, not thumbnail
    assert first.hf_upvotes == 32 and first.hf_comments == 3


def test_era_b_2024_10_25() -> None:
    batch = parse_daily_papers(hf("daily_papers_2024-10-25_first10of25.json"))
    assert len(batch.papers) == 10
    assert {f.day for f in batch.featured} == {date(2024, 10, 25)}
    first = batch.papers[0]
    assert first.arxiv_id == "2410.17243"
    assert first.title == (
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    )
    assert first.thumbnail and first.thumbnail.endswith("/2410.17243.png")


def test_era_c_2025_06_25() -> None:
    batch = parse_daily_papers(hf("daily_papers_2025-06-25_first10of14.json"))
    assert len(batch.papers) == 10
    # Featured on the UTC date of submittedOnDailyAt, even for papers published days before.
    assert {f.day for f in batch.featured} == {date(2025, 6, 25)}
    first = batch.papers[0]
    assert first.arxiv_id == "2506.19851"
    assert first.github_repo == "https://github.com/anima-x/anima-x"
    assert first.github_stars == 20
    assert first.project_page == "https://anima-x.github.io/"
    assert first.ai_summary and first.ai_summary.startswith("AnimaX creates")
    assert len(first.ai_keywords) == 15
    assert first.published_at is not None and first.published_at.date() == date(2025, 6, 24)


def test_era_d_2026_08_21() -> None:
    raw = hf("daily_papers_2026-08-21_first10of17.json")
    batch = parse_daily_papers(raw)
    assert [p.arxiv_id for p in batch.papers] == [i["paper"]["id"] for i in raw]
    assert {f.day for f in batch.featured} == {date(2026, 8, 21)}
    assert batch.papers[0].arxiv_id == "2608.19880"
    assert batch.papers[0].hf_upvotes == 163


def test_kazakh_search_has_nine_papers_and_no_featured_rows() -> None:
    batch = parse_daily_papers(hf("papers_search_q-kazakh.json"))
    assert len(batch.papers) == 9
    assert batch.papers[0].arxiv_id == "2404.04487"
    assert batch.featured == ()


def test_hidden_authors_are_dropped_from_real_items() -> None:
    raw = hf("daily_papers_2026-08-21_first10of17.json")[:1]
    names = [a["name"] for a in raw[0]["paper"]["authors"]]
    raw[0]["paper"]["authors"][1]["hidden"] = True
    paper = parse_daily_papers(raw).papers[0]
    assert names[1] not in paper.authors
    assert len(paper.authors) == len(names) - 1


def test_hf_404_json_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="can't find the page"):
        parse_daily_papers(hf("error_404_page-not-found.json"))


async def test_hf_source_serves_recorded_day(fetchers: MakeFetcher) -> None:
    body = (HF_DIR / "daily_papers_2026-08-21_first10of17.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(date(2026, 8, 21))
    assert len(batch.papers) == 10
    assert [f.source_rank for f in batch.featured] == list(range(1, 11))


async def test_hf_source_404_body(fetchers: MakeFetcher) -> None:
    body = (HF_DIR / "error_404_page-not-found.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=body)

    with pytest.raises(SourceError) as info:
        await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(date(2026, 8, 21))
    assert str(info.value) == (
        "Hugging Face answered 404 for daily papers of 2026-08-21: "
        "Sorry, we can't find the page you are looking for."
    )


# --- arXiv facts ---------------------------------------------------------------------------


def test_http400_feed_is_a_source_error() -> None:
    with pytest.raises(SourceError) as info:
        parse_atom(arxiv("api_newformat_2026-04-12_HTTP400_idlist-abc.xml"))
    assert str(info.value) == "arXiv rejected the query: incorrect id format for abc."


async def test_arxiv_source_http400(fetchers: MakeFetcher) -> None:
    body = arxiv("api_newformat_2026-04-12_HTTP400_idlist-abc.xml")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=body)

    with pytest.raises(SourceError, match="incorrect id format for abc"):
        await ArxivSource(make_settings(), fetchers(handler)).fetch_day(date(2026, 4, 12))


def test_no_results_is_an_empty_batch() -> None:
    batch = parse_atom(arxiv("api_newformat_2026-04-12_idlist-0000.0000_no-results.xml"))
    assert batch.papers == () and batch.featured == ()


def test_unknown_id_is_silently_missing() -> None:
    batch = parse_atom(arxiv("api_newformat_2026-04-12_idlist-0808.05394_1707.08567.xml"))
    assert [p.arxiv_id for p in batch.papers] == ["1707.08567"]


def test_old_style_id() -> None:
    batch = parse_atom(arxiv("api_newformat_2026-04-12_idlist-astro-ph_0601001.xml"))
    (paper,) = batch.papers
    assert (paper.arxiv_id, paper.version) == ("astro-ph/0601001", 1)
    assert paper.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert paper.categories == ("astro-ph",)
    assert paper.abstract.startswith("We derive the frequencies")  # leading spaces gone


def test_old_format_2025_10_17() -> None:
    batch = parse_atom(arxiv("api_oldformat_2025-10-17_cat-cs.RO-AND-neural_max2.xml"))
    assert [p.arxiv_id for p in batch.papers] == ["2510.14968", "2510.14827"]
    first = batch.papers[0]
    assert first.title == (
        "RDD: Retrieval-Based Demonstration Decomposer for Planner Alignment in Long-Horizon Tasks"
    )
    assert first.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG", "cs.SY", "eess.SY")
    assert first.authors[0] == "Mingxuan Yan"


def test_old_format_2020_idlist() -> None:
    (paper,) = parse_atom(arxiv("api_oldformat_2020-09-04_idlist-1601.00001.xml")).papers
    assert paper.arxiv_id == "1601.00001"
    assert paper.categories == ("cond-mat.mes-hall",)
    assert paper.authors == ("Michael Kilgour", "Dvira Segal")


def test_new_format_ml_query() -> None:
    batch = parse_atom(arxiv("api_newformat_2026-04-30_cat-cs.LG-OR-cat-cs.AI_max20.xml"))
    assert len(batch.papers) == 20
    first = batch.papers[0]
    assert first.arxiv_id == "2604.26951"
    assert first.categories[0] == "cs.CL"  # primary_category comes after <category> in the XML
    assert set(first.categories) == {"cs.CL", "cs.AI", "cs.LG"}
    assert first.authors == ("Gongbo Zhang", "Wen Wang", "Ye Tian", "Li Yuan")


def test_new_format_search_page() -> None:
    batch = parse_atom(arxiv("api_newformat_2026-04-12_search-testing_start0_max10.xml"))
    assert len(batch.papers) == 10


def test_rss_combined_feed_replace_gives_no_featured_row() -> None:
    batch = parse_rss(arxiv("rss_cs.LG_cs.AI_cs.CL_stat.ML_2026-09-24_4items.xml"))
    assert [p.arxiv_id for p in batch.papers] == [
        "2609.26811",
        "2609.26820",
        "2205.06398",
        "2009.13987",
    ]
    assert [(f.arxiv_id, f.source_rank) for f in batch.featured] == [
        ("2609.26811", 1),
        ("2609.26820", 2),
        ("2205.06398", 3),
    ]
    assert {f.day for f in batch.featured} == {date(2026, 9, 24)}
    replaced = batch.papers[3]
    assert replaced.version == 3
    assert replaced.authors == ("Michael Joswig", "Marek Kaluba", "Lukas Ruff")
    assert batch.papers[1].authors == ("Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan")
    assert batch.papers[0].abstract.startswith("Local learning trains each layer")


def test_rss_single_category() -> None:
    batch = parse_rss(arxiv("rss_cs.LG_2026-04-27_3items.xml"))
    assert len(batch.papers) == 3
    assert len(batch.featured) == 3
    assert {f.day for f in batch.featured} == {date(2026, 4, 27)}
    assert batch.papers[0].arxiv_id == "2604.21952"
    assert "&" in batch.papers[0].abstract  # entities decoded ("resolution & stride")

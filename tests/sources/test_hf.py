"""Hugging Face source: the pure parser and the HTTP source over MockTransport."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from bot.ports import SourceError
from bot.sources.hf import HuggingFaceSource, parse_daily_papers
from bot.sources.http import Fetcher

from .helpers import fixture_bytes, make_settings

DAY = date(2026, 9, 24)
MakeFetcher = Callable[..., Fetcher]


def load_items() -> list[dict[str, Any]]:
    data = json.loads(fixture_bytes("daily_papers_2026-09-24_3items.json"))
    assert isinstance(data, list)
    return data


def item(arxiv_id: str, upvotes: int = 1, **extra: Any) -> dict[str, Any]:
    """A minimal era-D item (only the fields the parser needs, plus ``extra``)."""
    base = copy.deepcopy(load_items()[2])
    base["paper"]["id"] = arxiv_id
    base["paper"]["upvotes"] = upvotes
    base.update(extra)
    return base


def serve(
    *bodies: bytes | str | list[Any] | dict[str, Any],
    status: int = 200,
    content_type: str = "application/json",
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = bodies[min(len(calls), len(bodies) - 1)]
        calls.append(request)
        if isinstance(body, (list, dict)):
            return httpx.Response(status, json=body)
        raw = body.encode() if isinstance(body, str) else body
        return httpx.Response(status, content=raw, headers={"Content-Type": content_type})

    return handler, calls


# --- parse_daily_papers --------------------------------------------------------------------


def test_parses_in_repo_fixture() -> None:
    batch = parse_daily_papers(load_items(), requested_day=DAY)
    assert batch.source == "hf"
    assert [p.arxiv_id for p in batch.papers] == ["2609.10001", "2609.10002", "2609.10003"]
    first, mention, plain = batch.papers
    assert first.authors == ("Ada Lovelace", "Grace Hopper")  # the hidden co-author is dropped
    assert first.hf_upvotes == 87
    assert first.hf_comments == 3
    assert first.github_repo == "https://github.com/example/step-schedules"
    assert first.github_stars == 42
    assert first.project_page == "https://example.org/step-schedules/"
    assert first.ai_summary and first.ai_summary.startswith("A learned step schedule")
    assert first.ai_keywords == ("diffusion models", "step schedule", "ImageNet")
    assert first.thumbnail and first.thumbnail.endswith("/2609.10001.png")
    assert first.published_at == datetime(2026, 9, 23, tzinfo=UTC)
    assert first.categories == ()
    assert first.version is None
    # Titles are data: mention tokens are kept verbatim; adapters make them inert.
    assert mention.title == "@everyone Look Here: <!channel> Tokens in Paper Titles Break Chat Bots"
    # Optional fields are absent, not null (Q7).
    assert mention.github_repo is None
    assert mention.github_stars is None
    assert mention.ai_summary is None
    assert mention.ai_keywords == ()
    assert plain.github_stars == 0
    assert [(f.day, f.arxiv_id, f.source, f.source_rank) for f in batch.featured] == [
        (DAY, "2609.10001", "hf", 1),
        (DAY, "2609.10002", "hf", 2),
        (DAY, "2609.10003", "hf", 3),
    ]


def test_featured_day_is_submitted_on_daily_not_published() -> None:
    items = [item("2609.00001")]
    items[0]["paper"]["submittedOnDailyAt"] = "2026-09-25T23:59:59.999Z"
    items[0]["paper"]["publishedAt"] = "2026-09-01T10:00:00.000Z"
    batch = parse_daily_papers(items, requested_day=DAY)
    assert batch.featured[0].day == date(2026, 9, 25)
    assert batch.papers[0].published_at == datetime(2026, 9, 1, 10, tzinfo=UTC)


def test_whitespace_is_collapsed() -> None:
    items = [item("2609.00001")]
    items[0]["paper"]["title"] = "A Hard-Wrapped\n  Title"
    items[0]["paper"]["summary"] = "  Line one\nline two.\n\n  Para two.  "
    paper = parse_daily_papers(items).papers[0]
    assert paper.title == "A Hard-Wrapped Title"
    assert paper.abstract == "Line one line two. Para two."


def test_bad_items_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    no_id = item("2609.00002")
    del no_id["paper"]["id"]
    no_title = item("2609.00003")
    no_title["paper"]["title"] = "  "
    no_title["title"] = ""
    not_arxiv = item("not-an-id")
    data: list[object] = [
        "junk",
        None,
        42,
        {"paper": "x"},
        no_id,
        no_title,
        not_arxiv,
        item("2609.00004"),
    ]
    with caplog.at_level(logging.WARNING, logger="bot.sources.hf"):
        batch = parse_daily_papers(data, requested_day=DAY)
    assert [p.arxiv_id for p in batch.papers] == ["2609.00004"]
    assert batch.featured[0].source_rank == 8  # rank is the position in the response
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 7


def test_unknown_fields_and_wrong_types_are_tolerated() -> None:
    it = item("2609.00005", futureField={"a": [1, 2]})
    it["paper"]["upvotes"] = True  # a bool is not a count
    it["paper"]["githubStars"] = "12"
    it["paper"]["authors"] = [{"name": "A"}, "junk", {"hidden": False}, {"name": " B  C "}]
    it["paper"]["ai_keywords"] = ["ok", 3, None]
    it["numComments"] = 2.0
    paper = parse_daily_papers([it]).papers[0]
    assert paper.hf_upvotes is None
    assert paper.github_stars is None
    assert paper.authors == ("A", "B C")
    assert paper.ai_keywords == ("ok",)
    assert paper.hf_comments == 2


def test_duplicate_ids_are_kept_once() -> None:
    batch = parse_daily_papers([item("2609.00006", 9), item("2609.00006v2", 3)], requested_day=DAY)
    assert len(batch.papers) == 1
    assert [f.source_rank for f in batch.featured] == [1]


def test_old_era_falls_back_to_requested_day_then_item_published_at() -> None:
    old = item("2405.15738")
    for key in ("summary", "thumbnail", "submittedBy", "isAuthorParticipating"):
        old.pop(key, None)
    del old["paper"]["submittedOnDailyAt"]
    old["publishedAt"] = "2024-05-27T03:50:58.348Z"  # era A: time posted to Daily Papers
    old["mediaUrl"] = (
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2405.15738.png"
    )
    assert parse_daily_papers([old], requested_day=date(2024, 5, 28)).featured[0].day == date(
        2024, 5, 28
    )
    batch = parse_daily_papers([old])
    assert batch.featured[0].day == date(2024, 5, 27)
    assert batch.papers[0].thumbnail == old["mediaUrl"]


def test_search_results_without_daily_date_have_no_featured_rows() -> None:
    hit = item("2404.04487", highlightedTitle=[{"type": "text", "text": "x"}], upvoted=False)
    del hit["paper"]["submittedOnDailyAt"]
    hit["publishedAt"] = "2024-04-05T23:40:36.000Z"
    batch = parse_daily_papers([hit])
    assert len(batch.papers) == 1
    assert batch.featured == ()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "Invalid date"}, "Hugging Face answered with an error: Invalid date."),
        ({"error": ["a.", "b"]}, "Hugging Face answered with an error: a.; b."),
        ({"papers": []}, "Hugging Face sent a JSON dict where a list of papers was expected."),
        ("text", "Hugging Face sent a JSON str where a list of papers was expected."),
    ],
)
def test_non_list_bodies_raise(body: object, message: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_daily_papers(body)
    assert str(info.value) == message


# --- HuggingFaceSource over MockTransport ---------------------------------------------------


async def test_fetch_day_requests_and_parses(fetchers: MakeFetcher) -> None:
    handler, calls = serve(fixture_bytes("daily_papers_2026-09-24_3items.json").decode())
    source = HuggingFaceSource(make_settings(hf_base_url="https://hf.example/"), fetchers(handler))
    batch = await source.fetch_day(DAY)
    assert source.name == "hf"
    assert len(batch) == 3
    assert len(calls) == 1
    url = calls[0].url
    assert (url.host, url.path) == ("hf.example", "/api/daily_papers")
    assert dict(url.params) == {"date": "2026-09-24", "limit": "100", "p": "0"}


async def test_pages_until_a_short_page(fetchers: MakeFetcher) -> None:
    page0 = [item(f"2609.{n:05d}", 500 - n) for n in range(1, 101)]
    page1 = [item(f"2609.{n:05d}", 100 - n) for n in range(101, 106)]
    handler, calls = serve(page0, page1)
    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert [c.url.params["p"] for c in calls] == ["0", "1"]
    assert len(batch.papers) == 105
    assert [f.source_rank for f in batch.featured] == list(range(1, 106))


async def test_a_full_last_page_costs_one_empty_request(fetchers: MakeFetcher) -> None:
    handler, calls = serve([item(f"2609.{n:05d}") for n in range(1, 101)], [])
    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert len(calls) == 2
    assert len(batch) == 100


async def test_empty_day_is_an_empty_batch(fetchers: MakeFetcher) -> None:
    handler, _ = serve([])
    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(date(2026, 9, 27))
    assert batch.papers == ()
    assert batch.featured == ()
    assert batch.source == "hf"


async def test_unknown_field_in_response(fetchers: MakeFetcher) -> None:
    body = [item("2609.00007", brandNewField={"nested": [None, True]})]
    body[0]["paper"]["anotherNewField"] = 12
    handler, _ = serve(body)
    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert [p.arxiv_id for p in batch.papers] == ["2609.00007"]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '[{"paper": {"id": "2609.00001", "title": "Trunc',
            "application/json",
            "Hugging Face sent malformed JSON for daily papers of 2026-09-24 (truncated or corrupt).",
        ),
        (
            "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            "Hugging Face sent an HTML page instead of JSON for daily papers of 2026-09-24; "
            "the site may be down, try again later.",
        ),
        (
            "",
            "application/json",
            "Hugging Face sent an empty answer for daily papers of 2026-09-24.",
        ),
        (
            b"\xff\xfe[\x00]\x00garbage",
            "application/json",
            "Hugging Face sent malformed JSON for daily papers of 2026-09-24 (truncated or corrupt).",
        ),
    ],
)
async def test_unusable_bodies_raise_one_sentence(
    fetchers: MakeFetcher, body: str | bytes, content_type: str, expected: str
) -> None:
    handler, _ = serve(body, content_type=content_type)
    with pytest.raises(SourceError) as info:
        await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert str(info.value) == expected


async def test_error_body_with_200(fetchers: MakeFetcher) -> None:
    handler, _ = serve({"error": "Sorry, we can't find the page you are looking for."})
    with pytest.raises(SourceError, match="can't find the page you are looking for"):
        await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)


async def test_error_status_names_status_and_message(fetchers: MakeFetcher) -> None:
    handler, calls = serve({"error": "Invalid date"}, status=400)
    with pytest.raises(SourceError) as info:
        await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert str(info.value) == (
        "Hugging Face answered 400 for daily papers of 2026-09-24: Invalid date."
    )
    assert len(calls) == 1


async def test_unauthorised_hints_at_the_token(fetchers: MakeFetcher) -> None:
    handler, _ = serve("Unauthorized", status=401, content_type="text/plain")
    with pytest.raises(SourceError, match=r"^Hugging Face answered 401 .*\(check HF_TOKEN\)\.$"):
        await HuggingFaceSource(make_settings(), fetchers(handler)).fetch_day(DAY)


async def test_search_uses_the_search_endpoint(fetchers: MakeFetcher) -> None:
    hit = item("2404.04487", upvoted=False)
    del hit["paper"]["submittedOnDailyAt"]
    handler, calls = serve([hit])
    batch = await HuggingFaceSource(make_settings(), fetchers(handler)).search("kazakh", limit=5)
    assert calls[0].url.path == "/api/papers/search"
    assert dict(calls[0].url.params) == {"q": "kazakh", "limit": "5"}
    assert [p.arxiv_id for p in batch.papers] == ["2404.04487"]
    assert batch.featured == ()

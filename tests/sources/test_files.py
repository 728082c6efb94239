"""Importing saved responses: format detection, date fallback from the name, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.ports import SourceError
from bot.sources.files import day_from_name, parse_bytes, parse_file

from .helpers import FIXTURES, fixture_bytes


@pytest.mark.parametrize(
    ("name", "papers", "featured", "source"),
    [
        ("daily_papers_2026-09-24_3items.json", 3, 3, "hf"),
        ("arxiv_api_2026-09-23_2entries.xml", 2, 0, "arxiv"),
        ("arxiv_rss_2026-09-24_3items.xml", 3, 2, "arxiv"),
        ("arxiv_rss-atom_2026-09-24_2entries.xml", 2, 1, "arxiv"),
    ],
)
def test_in_repo_fixtures_are_detected(name: str, papers: int, featured: int, source: str) -> None:
    batch = parse_file(FIXTURES / name)
    assert (len(batch.papers), len(batch.featured), batch.source) == (papers, featured, source)


def test_hf_file_name_gives_the_day_when_items_do_not(tmp_path: Path) -> None:
    data = fixture_bytes("daily_papers_2026-09-24_3items.json").replace(
        b'"submittedOnDailyAt"', b'"submittedOnDailyAtRenamed"'
    )
    named = tmp_path / "daily_papers_2026-09-20_first3.json"
    named.write_bytes(data)
    assert {f.day for f in parse_file(named).featured} == {date(2026, 9, 20)}
    unnamed = tmp_path / "capture.json"
    unnamed.write_bytes(data)
    assert parse_file(unnamed).featured == ()  # era D items are not dated by publishedAt


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("daily_papers_2024-05-27.json", date(2024, 5, 27)),
        ("daily_papers_2024-10-25_first10of25.json", date(2024, 10, 25)),
        ("2025-06-25.json", date(2025, 6, 25)),
        ("/some/dir/daily-papers-2026-08-21.json", date(2026, 8, 21)),
        ("papers_search_2025-01-01.json", None),
        ("daily_papers_2025-13-40.json", None),
        ("notes.json", None),
    ],
)
def test_day_from_name(name: str, expected: date | None) -> None:
    assert day_from_name(name) == expected


def test_unknown_content_names_the_file() -> None:
    with pytest.raises(SourceError) as info:
        parse_bytes(b"hello, this is a text file\n", "x.txt")
    assert str(info.value) == (
        "x.txt is not an HF daily_papers/search JSON, an arXiv Atom feed or an arXiv RSS feed."
    )


@pytest.mark.parametrize("data", [b"", b"   \n", b'{"papers": []}', b"42", b"<note>x</note>"])
def test_other_non_formats(data: bytes) -> None:
    with pytest.raises(SourceError, match=r"^odd\.bin"):
        parse_bytes(data, "odd.bin")


def test_hf_error_body_names_file_and_error() -> None:
    with pytest.raises(SourceError) as info:
        parse_bytes(b'{"error":"Sorry, we can\'t find the page you are looking for."}', "p.json")
    assert str(info.value) == (
        "p.json holds a Hugging Face error, not papers: "
        "Sorry, we can't find the page you are looking for."
    )


def test_truncated_json_names_the_file() -> None:
    with pytest.raises(SourceError, match=r"^cut\.json is not valid JSON"):
        parse_bytes(fixture_bytes("daily_papers_2026-09-24_3items.json")[:500], "cut.json")


def test_arxiv_errors_are_prefixed_with_the_file_name() -> None:
    with pytest.raises(SourceError, match=r"^feed\.xml: arXiv sent malformed XML"):
        parse_bytes(b"<feed><entry>", "feed.xml")


def test_bom_and_leading_whitespace_are_tolerated() -> None:
    data = (
        b"\xef\xbb\xbf\n  " + fixture_bytes("arxiv_api_2026-09-23_2entries.xml").split(b"?>", 1)[1]
    )
    assert len(parse_bytes(data, "bom.xml")) == 2


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^Cannot read .*missing\.json"):
        parse_file(tmp_path / "missing.json")

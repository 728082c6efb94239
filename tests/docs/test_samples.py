"""samples/: real recorded responses, unchanged, each with its provenance, all importable."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest

from bot.sources.files import parse_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
README = (SAMPLES / "README.md").read_text(encoding="utf-8")
FILES = sorted(p.relative_to(SAMPLES).as_posix() for p in (SAMPLES / "hf").glob("*.json"))


def table_rows(heading: str) -> dict[str, str]:
    """First-column file name → the rest of the row, for the table under ``heading``."""
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_sample_has_its_provenance_and_checksum() -> None:
    provenance = table_rows("## Provenance")
    checksums = table_rows("## Checksums")
    assert len(FILES) == 5
    assert sorted(provenance) == FILES == sorted(checksums)
    for row in provenance.values():
        assert re.search(r"@ `[0-9a-f]{40}`|commit `[0-9a-f]{40}`", row), row


@pytest.mark.parametrize("name", FILES)
def test_a_sample_is_byte_for_byte_what_its_readme_says(name: str) -> None:
    want = table_rows("## Checksums")[name].strip(" `")
    assert hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest() == want


@pytest.mark.parametrize(
    "name, papers, day",
    [
        ("hf/daily_papers_2024-05-27.json", 13, date(2024, 5, 27)),
        ("hf/daily_papers_2024-10-25_first10of25.json", 10, date(2024, 10, 25)),
        ("hf/daily_papers_2025-06-25_first10of14.json", 10, date(2025, 6, 25)),
        ("hf/daily_papers_2026-08-21_first10of17.json", 10, date(2026, 8, 21)),
        ("hf/papers_search_q-kazakh.json", 9, None),
    ],
)
def test_the_importer_accepts_each_sample(name: str, papers: int, day: date | None) -> None:
    batch = parse_file(SAMPLES / name)
    assert len(batch.papers) == papers
    assert {f.day for f in batch.featured} == ({day} if day else set())

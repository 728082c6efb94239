"""``paperherald why ID --workspace P:W``: the chat's /papers why from the command line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "samples" / "hf").glob("daily_papers_*.json"))


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    assert main(list(argv)) == code
    return capsys.readouterr().out


def test_why_takes_a_score_apart_with_the_workspaces_taste(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.db")
    run(capsys, "--db", db, "import", *map(str, SAMPLES))
    monkeypatch.setattr("sys.stdin", io.StringIO("/papers upvote 2405.15738\n"))
    run(capsys, "--db", db, "chat")

    here = run(capsys, "--db", db, "why", "2405.15738", "--workspace", "console:local")
    assert here.startswith("Why “ConvLLaVA")
    rows = re.findall(r"^  (\w[\w ]+?)\s+(-?[\d.]+) × ([\d.]+)\s+=\s+([+-][\d.]+)$", here, re.M)
    names = [r[0] for r in rows]
    assert names == [
        "HF upvotes",
        "votes here",
        "GitHub stars",
        "topic",
        "freshness",
        "discussion",
        "taste",
    ]
    total = float(re.search(r"scores (-?[\d.]+)", here).group(1))  # type: ignore[union-attr]
    assert abs(sum(float(r[3]) for r in rows) - total) < 0.01
    assert dict((r[0], float(r[1])) for r in rows)["votes here"] > 0

    # Another workspace has neither the vote nor a taste: only HF's upvotes count there.
    elsewhere = run(capsys, "--db", db, "why", "2405.15738", "--workspace", "slack:T1")
    other = float(re.search(r"scores (-?[\d.]+)", elsewhere).group(1))  # type: ignore[union-attr]
    assert other < total


def test_why_of_an_unknown_paper_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.db")
    run(capsys, "--db", db, "import", *map(str, SAMPLES))
    assert main(["--db", db, "why", "2405.99999"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paperherald: I don't have 2405.99999 yet.") and err.count("\n") == 1
    assert main(["--db", db, "why", "2405.15738", "--workspace", "nocolon"]) == 2


def test_digest_for_a_channel_uses_its_feeds_topic_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.db")
    run(capsys, "--db", db, "import", *map(str, SAMPLES))
    monkeypatch.setattr("sys.stdin", io.StringIO("/papers channel setup 09:00 UTC 2 visual\n"))
    run(capsys, "--db", db, "chat")  # the console's channel is "terminal"
    out = run(capsys, "--db", db, "digest", "--date", "2024-05-27", "--channel", "terminal")
    assert out.startswith("Daily Papers · Mon 27 May 2024 · 2 papers · topic visual\n")
    assert main(["--db", db, "digest", "--channel", "elsewhere"]) == 2
    assert "has no daily thread" in capsys.readouterr().err

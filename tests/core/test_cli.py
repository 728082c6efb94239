"""The `paperherald` command, called in-process with real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES, SHARED_FIXTURES


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)


def test_import_then_search_json_then_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    files = [str(p) for p in sorted(FIXTURES.glob("*.json")) + sorted(FIXTURES.glob("*.xml"))]
    assert main(["--db", db, "import", *files]) == 0
    out = capsys.readouterr().out
    assert "daily_papers_2026-09-24_3items.json: 3 papers featured on Thu 24 Sep 2026" in out

    assert main(["--db", db, "search", "diffusion", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"arxiv_id", "title", "score", "authors", "url"} <= set(rows[0])
    assert rows[0]["arxiv_id"] == "2609.10001"

    assert main(["--db", db, "digest", "--date", "2026-09-24", "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    scores = [r["score"] for r in digest]
    assert scores == sorted(scores, reverse=True) and digest[0]["arxiv_id"] == "2609.10001"


def test_a_bad_file_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, I am not a feed")
    truncated = tmp_path / "daily_papers_2026-01-01.json"
    truncated.write_text((FIXTURES / "daily_papers_2026-09-24_3items.json").read_text()[:500])
    assert main(["--db", db, "import", str(bad), str(truncated)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("paperherald: ") for line in err)
    assert main(["--db", db, "search", "diffusion", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_config_errors_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAPERHERALD_TIMEZONE", "Mars/Olympus")
    assert main(["search", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("paperherald: PAPERHERALD_TIMEZONE:") and err.count("\n") == 1


def test_bad_query_filter_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "x.db"), "search", "since:tomorrow"]) == 2
    assert "since: needs a date" in capsys.readouterr().err


@pytest.mark.skipif(
    not SHARED_FIXTURES.exists(), reason="../shared/fixtures not present beside the checkout"
)
def test_issue_acceptance_on_the_shared_fixtures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    files = sorted(str(p) for p in (SHARED_FIXTURES / "hf").glob("*.json"))
    files += sorted(str(p) for p in (SHARED_FIXTURES / "arxiv").glob("*.xml"))
    assert main(["--db", db, "import", *files]) == 1  # the two error recordings are refused
    capsys.readouterr()
    assert main(["--db", db, "search", "kazakh", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 9 and all("Kaz" in r["title"] or "Kazakh" in r["title"] for r in rows[:3])
    assert main(["--db", db, "digest", "--date", "2024-05-27", "--json", "--top", "13"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert len(digest) == 13 and digest[0]["hf_upvotes"] == max(r["hf_upvotes"] for r in digest)


def test_backup_is_a_usable_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "live.db")
    copy = tmp_path / "backup.db"
    assert main(["--db", db, "import", str(FIXTURES / "daily_papers_2026-09-24_3items.json")]) == 0
    assert main(["--db", db, "backup", str(copy)]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert main(["--db", str(copy), "search", "diffusion", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["arxiv_id"] == "2609.10001"


def test_digest_ranks_with_a_workspace_and_prints_components(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    assert main(["--db", db, "import", *map(str, sorted(FIXTURES.glob("*.json")))]) == 0
    capsys.readouterr()
    args = ["--db", db, "digest", "--date", "2026-09-24", "--json"]
    assert main([*args, "--workspace", "slack:T1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for row in rows:
        parts = row["components"]
        assert {"hf_upvotes", "votes", "stars", "freshness"} <= set(parts)
        total = sum(c["value"] * c["weight"] for c in parts.values())
        assert total == pytest.approx(row["score"], abs=1e-3)
    assert main([*args, "--workspace", "nocolon"]) != 0

"""What `paperherald` prints: wrapped to the terminal, one date format, honest plurals and
scores, HF links only where HF has the paper, and backup errors that name the path."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from bot.bootstrap import Services
from bot.cli import main
from bot.models import Paper
from bot.period import Period
from bot.present.lists import top_list
from bot.present.text import one_line_summary
from tests.conftest import CHANNEL, FIXTURES, RecordingAdapter, alice

HF_FILE = FIXTURES / "daily_papers_2026-09-24_3items.json"
ARXIV_FILE = FIXTURES / "arxiv_api_2026-09-23_2entries.xml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    assert main(list(argv)) == code
    captured = capsys.readouterr()
    return captured.out if code == 0 else captured.err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The in-repo fixtures, plus an arXiv-only paper with an old-style id."""
    old_style = tmp_path / "old_style.xml"
    old_style.write_text(ARXIV_FILE.read_text().replace("2609.10004", "hep-th/9901001"))
    path = str(tmp_path / "x.db")
    run(capsys, "--db", path, "import", str(HF_FILE), str(ARXIV_FILE), str(old_style))
    return path


@pytest.mark.parametrize("columns", [80, 60])
def test_lists_wrap_to_the_terminal_and_never_split_a_word(
    columns: int, db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    query = ("search", "diffusion OR calibration OR herald OR step OR fast")
    rows = json.loads(run(capsys, "--db", db, *query, "--json"))
    assert len(rows) >= 3
    monkeypatch.setenv("COLUMNS", str(columns))
    for argv in (query, ("digest", "--date", "2026-09-24")):
        out = run(capsys, "--db", db, *argv)
        assert all(len(line) <= columns for line in out.splitlines()), out
        flat = " ".join(out.split())  # a word split across lines would not survive this
        for row in rows if argv == query else json.loads(run(capsys, "--db", db, *argv, "--json")):
            assert row["title"] in flat, row["title"]
            paper = Paper(row["arxiv_id"], row["title"], "")
            assert paper.abs_url in flat


def test_summaries_wrap_whole(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = run(capsys, "--db", db, "search", "calibration")
    summary = one_line_summary(
        Paper(
            "x",
            "x",
            "We revisit calibration of classifiers under distribution shift and give a simple "
            "recalibration rule.",
        )
    )
    assert summary in " ".join(out.split())
    assert all(len(line) <= 60 for line in out.splitlines())


def test_search_json_scores_are_never_negative_zero_and_always_explained(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for query in ("cat:cs.AI", "since:2020-01-01", "diffusion", "sampling OR calibration"):
        out = run(capsys, "--db", db, "search", query, "--json")
        assert "-0.0" not in out, query
        rows = json.loads(out)
        assert rows, query
        for row in rows:
            assert row["score"] >= 0 and str(row["score"]) != "-0.0"
            assert row["reason"].strip(), (query, row)
    rows = json.loads(run(capsys, "--db", db, "search", "cat:cs.AI", "--json"))
    assert rows[0]["score"] == 0 and "cat:cs.AI" in rows[0]["reason"]
    rows = json.loads(run(capsys, "--db", db, "search", "calibration", "--json"))
    assert rows[0]["score"] > 0 and "relevance" in rows[0]["reason"]


def test_one_date_format_in_text_and_iso_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    out = run(capsys, "--db", db, "import", str(HF_FILE))
    assert out.strip() == f"{HF_FILE.name}: 3 papers featured on Thu 24 Sep 2026"
    out = run(capsys, "--db", db, "digest", "--date", "2026-09-24")
    assert out.startswith("Daily Papers · Thu 24 Sep 2026 · 3 papers\n")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", out)
    row = json.loads(run(capsys, "--db", db, "digest", "--date", "2026-09-24", "--json"))[0]
    assert row["published_at"].startswith("2026-09-2") and "T" in row["published_at"]


def test_counts_of_one_are_singular(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    one = tmp_path / "daily_papers_2026-09-24_1item.json"
    one.write_text(json.dumps(json.loads(HF_FILE.read_text())[:1]))
    out = run(capsys, "--db", db, "import", str(one))
    assert out.strip() == f"{one.name}: 1 paper featured on Thu 24 Sep 2026"
    out = run(capsys, "--db", db, "digest", "--date", "2026-09-24", "--top", "1")
    assert out.startswith("Daily Papers · Thu 24 Sep 2026 · 1 paper\n")
    out = run(capsys, "--db", db, "search", "diffusion")
    assert out.startswith("1 result for 'diffusion'\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("/papers today 1\n"))
    out = run(capsys, "--db", db, "chat")
    assert "Top paper · Thu 24 Sep" in out and "Top 1 papers" not in out
    paper = Paper("2609.10001", "A paper", "", hf_upvotes=3)
    assert "1. A paper (3 HF upvotes · 1 vote here)" in top_list(Period.WEEK, [(paper, 1)]).text


def test_hf_links_only_for_papers_hf_has(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(run(capsys, "--db", db, "search", "calibration OR diffusion", "--json"))
    links = {r["arxiv_id"]: r["hf_url"] for r in rows}
    assert links == {
        "2609.10001": "https://huggingface.co/papers/2609.10001",  # featured on HF
        "2609.10004": None,  # only ever seen in an arXiv listing
        "hep-th/9901001": None,  # an old-style id: HF has none of these
    }
    out = run(capsys, "--db", db, "search", "calibration OR diffusion")
    assert "https://huggingface.co/papers/2609.10001" in out
    assert "huggingface.co/papers/2609.10004" not in out and "huggingface.co/papers/hep" not in out
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("/papers paper 2609.10004\n/papers paper hep-th/9901001\n")
    )
    out = run(capsys, "--db", db, "chat")
    assert (
        "https://arxiv.org/abs/2609.10004" in out and "https://arxiv.org/abs/hep-th/9901001" in out
    )
    assert "huggingface.co" not in out


def test_backup_errors_name_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.db"
    run(capsys, "--db", str(db), "import", str(HF_FILE))
    missing_folder = tmp_path / "no" / "such" / "copy.db"
    err = run(capsys, "--db", str(db), "backup", str(missing_folder), code=2)
    assert (
        err
        == f"paperherald: cannot write {missing_folder}: the folder {missing_folder.parent} does not exist\n"
    )
    err = run(capsys, "--db", str(db), "backup", str(tmp_path), code=2)
    assert err.startswith(f"paperherald: {tmp_path} is a folder;")
    err = run(capsys, "--db", str(db), "backup", str(db), code=2)
    assert err == f"paperherald: {db} is the database itself; choose another path\n"
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("my notes\n")
    err = run(capsys, "--db", str(db), "backup", str(not_a_db), code=2)
    assert err == f"paperherald: {not_a_db} already exists; add --force to replace it\n"
    assert not_a_db.read_text() == "my notes\n"
    absent = tmp_path / "absent.db"
    err = run(capsys, "--db", str(absent), "backup", str(tmp_path / "copy.db"), code=2)
    assert err.startswith(f"paperherald: {absent} does not exist")
    assert not absent.exists() and not (tmp_path / "copy.db").exists()


async def test_a_thread_of_one_says_one_paper(filled: Services) -> None:
    """post-now's confirmation (chat; shared wording with the daily thread)."""
    filled.attach(RecordingAdapter())
    admin = alice(admin=True)
    await filled.dispatcher.handle_text(admin, "/papers channel setup 09:00 UTC 1", CHANNEL)
    reply = await filled.dispatcher.handle_text(admin, "/papers post-now", CHANNEL)
    assert "Posted the thread for Thu 24 Sep (1 paper)." in reply.text

"""`paperherald backup` (issue 18, item 6): a wrong database path is an error, not an empty
backup; an existing target is replaced only with --force; a failed backup leaves nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from tests.conftest import FIXTURES

HF_FILE = FIXTURES / "daily_papers_2026-09-24_3items.json"
ARXIV_FILE = FIXTURES / "arxiv_api_2026-09-23_2entries.xml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)


def papers_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])
    finally:
        conn.close()


def test_an_existing_target_is_replaced_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, copy = tmp_path / "live.db", tmp_path / "copy.db"
    assert main(["--db", str(db), "import", str(HF_FILE)]) == 0
    assert main(["--db", str(db), "backup", str(copy)]) == 0
    assert papers_in(copy) == 3
    before = copy.read_bytes()
    assert main(["--db", str(db), "import", str(ARXIV_FILE)]) == 0
    capsys.readouterr()

    assert main(["--db", str(db), "backup", str(copy)]) == 2
    assert capsys.readouterr().err == (
        f"paperherald: {copy} already exists; add --force to replace it\n"
    )
    assert copy.read_bytes() == before

    assert main(["--db", str(db), "backup", str(copy), "--force"]) == 0
    assert capsys.readouterr().out == f"Backed up {db} to {copy}\n"
    assert papers_in(copy) == papers_in(db) > 3
    assert main(["--db", str(copy), "search", "diffusion", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)

    # --force never makes the database its own backup.
    assert main(["--db", str(db), "backup", str(db), "--force"]) == 2
    assert "is the database itself" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_from_another_folder_the_default_database_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As reported: run where no ./data/paperherald.db exists (default PAPERHERALD_DATABASE)."""
    assert main(["backup", str(tmp_path / "copy.db")]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("paperherald: data/paperherald.db does not exist") and err.count("\n") == 1
    )
    assert not (tmp_path / "data").exists() and not (tmp_path / "copy.db").exists()


def test_a_failed_backup_leaves_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, copy = tmp_path / "live.db", tmp_path / "copy.db"
    assert main(["--db", str(db), "import", str(HF_FILE)]) == 0
    capsys.readouterr()

    async def broken(self: aiosqlite.Connection, target: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(aiosqlite.Connection, "backup", broken)
    assert main(["--db", str(db), "backup", str(copy)]) == 1
    assert capsys.readouterr().err == f"paperherald: cannot back up to {copy}: disk I/O error\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("live.db")) == []

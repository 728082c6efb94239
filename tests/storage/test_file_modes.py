"""The files Paper Herald creates are private to their owner (issue 18, item 8): a new
database, its -wal and -shm, and backups are 0600 whatever the umask; an existing database
keeps its mode. They hold user ids, topics and votes."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from tests.conftest import FIXTURES

HF_FILE = FIXTURES / "daily_papers_2026-09-24_3items.json"


@pytest.fixture(autouse=True)
def common_umask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The usual login umask, under which files used to come out 0644."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.db"
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('k', 'v')")
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert {p.name: mode(p) for p in (path, wal, shm)} == {
            "new.db": 0o600,
            "new.db-wal": 0o600,
            "new.db-shm": 0o600,
        }
    finally:
        await db.close()


async def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    sqlite3.connect(path).close()
    path.chmod(0o640)  # the owner chose to share it with a group
    db = await Database.open(path)
    await db.close()
    assert mode(path) == 0o640


def test_the_cli_creates_a_private_database_and_private_backups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "live.db"
    assert main(["--db", str(db), "import", str(HF_FILE)]) == 0
    assert mode(db) == 0o600
    copy = tmp_path / "copy.db"
    assert main(["--db", str(db), "backup", str(copy)]) == 0
    assert mode(copy) == 0o600
    old = tmp_path / "old-copy.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    assert main(["--db", str(db), "backup", "--force", str(old)]) == 0
    assert mode(old) == 0o600  # a replaced backup is a new file
    capsys.readouterr()

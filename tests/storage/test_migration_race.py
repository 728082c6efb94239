"""Several processes opening one new database at once all succeed (issue 18, item 5).

Before, two concurrent ``paperherald --db new.db search x`` mostly failed with "table papers
already exists" (both read version 0 before either migrated) or "database is locked" (the
switch to WAL). Real processes of the venv's interpreter: each imports the CLI, says it is
ready, and waits on stdin, so all of them reach ``Database.open`` together when told to go.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from storage.db import migrations

pytestmark = pytest.mark.slow  # a dozen interpreter starts

SCRIPT = Path(sys.executable).parent / "paperherald"
PROCESSES = 4
ROUNDS = 3
# The installed script's entry point, started after the imports so the race is tight.
CHILD = """
import sys
import bot.app, bot.bootstrap, storage.db, storage.store
from bot.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main(sys.argv[1:]))
"""


def env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PAPERHERALD_", "SLACK"))},
        "DISCORD_TOKEN": "",
    }


async def finish(procs: list[asyncio.subprocess.Process]) -> list[tuple[int, str]]:
    results = []
    for proc in procs:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=50)
        assert proc.returncode is not None
        results.append((proc.returncode, err.decode().strip()))
    return results


def check(db: Path, results: list[tuple[int, str]]) -> None:
    failed = [r for r in results if r != (0, "")]
    assert not failed, failed
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (len(migrations()),)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


async def test_processes_started_together_all_open_a_new_database(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        db = tmp_path / f"new{round_}.db"
        argv = ["-c", CHILD, "--db", str(db), "search", "x"]
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                *argv,
                cwd=tmp_path,
                env=env(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(PROCESSES)
        ]
        for proc in procs:
            assert proc.stdout is not None
            assert await asyncio.wait_for(proc.stdout.readline(), timeout=50) == b"ready\n"
        for proc in procs:  # go: all at once
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
        check(db, await finish(procs))


async def test_the_installed_script_run_concurrently_on_a_new_file(tmp_path: Path) -> None:
    """The reported command line, as a user would run it."""
    assert SCRIPT.exists(), "run `make .venv/.installed` first"
    db = tmp_path / "new.db"
    procs = [
        await asyncio.create_subprocess_exec(
            str(SCRIPT),
            "--db",
            str(db),
            "search",
            "x",
            cwd=tmp_path,
            env=env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    check(db, await finish(procs))


async def test_opening_waits_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    """The switch to WAL of a new file needs the write lock, and SQLite does not wait for it
    on its own: opening must wait (up to the busy timeout) instead of failing at once."""
    from storage.db import Database

    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("CREATE TABLE other_tool (x)")
        opening = asyncio.ensure_future(Database.open(path))
        # Still waiting, not failed, while the lock is held (the busy timeout is 5 s).
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(opening), timeout=0.3)
        holder.execute("COMMIT")
        db = await asyncio.wait_for(opening, timeout=10)
        try:
            assert await db.schema_version() == len(migrations())
        finally:
            await db.close()
    finally:
        holder.close()

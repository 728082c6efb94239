"""Shutting down with work in flight, through the real entry point: ``quit`` (also over a
pipe) or a signal ends the process at once, quietly, with exit code 0, even while a fetch
waits on a server that never answers; an open claim is released for the next start."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.models import ChannelRef, Feed
from storage.db import Database
from storage.store import Repositories
from tests.entry_point import COMMAND, entry_env, local_hf, wait_for

DEADLINE = 10.0  # seconds; the HTTP timeout (20 s) is longer, so only a cancel gets there


def quiet(stderr: str) -> bool:
    return "Traceback" not in stderr and "CancelledError" not in stderr and "ERROR" not in stderr


def test_quit_on_a_pipe_during_the_start_up_fetch_exits_at_once(tmp_path: Path) -> None:
    with local_hf() as hf:  # never answers
        env = entry_env(tmp_path, hf.url)
        with (tmp_path / "out").open("wb") as out, (tmp_path / "err").open("wb") as err:
            proc = subprocess.Popen(
                [*COMMAND, "run"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                cwd=tmp_path,
                env=env,
            )
            try:
                wait_for("the start-up fetch to be in flight", lambda: hf.seen() >= 1)
                assert proc.stdin is not None
                proc.stdin.write(b"quit\n")
                proc.stdin.flush()
                code = proc.wait(timeout=DEADLINE)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    stderr = (tmp_path / "err").read_text()
    assert code == 0, stderr
    assert quiet(stderr), stderr


async def due_feed(db_path: Path) -> int:
    """A console feed whose post time passed a minute ago (so `run` posts it at once)."""
    post_at = (datetime.now(UTC) - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    db = await Database.open(db_path)
    try:
        feed = await Repositories(db, SystemClock()).feeds.upsert(
            Feed(ChannelRef("console", "local", "terminal"), post_time=post_at, timezone="UTC")
        )
        assert feed.id is not None
        return feed.id
    finally:
        await db.close()


def delivery(db_path: Path, feed_id: int) -> list[tuple[str, str | None, str | None]]:
    conn = sqlite3.connect(db_path, timeout=5)
    try:
        return conn.execute(
            "SELECT status, owner, root_message_id FROM deliveries WHERE feed_id = ?", (feed_id,)
        ).fetchall()
    finally:
        conn.close()


def test_sigterm_while_a_daily_post_fetches_its_day_exits_at_once(tmp_path: Path) -> None:
    env_db = tmp_path / "paperherald.db"
    feed_id = asyncio.run(due_feed(env_db))
    with local_hf() as hf:  # never answers
        env = entry_env(tmp_path, hf.url, PAPERHERALD_LOG_LEVEL="INFO")
        with (tmp_path / "out").open("wb") as out, (tmp_path / "err").open("wb") as err:
            # stdin /dev/null, as under Docker or systemd: `run` keeps posting until a signal.
            proc = subprocess.Popen(
                [*COMMAND, "run"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=tmp_path,
                env=env,
            )
            try:
                # The start-up fetch (today) and the post's own fetch (its day) both hang.
                wait_for("two fetches in flight", lambda: len(set(hf.requests)) >= 2)
                wait_for(
                    "the post to hold its claim",
                    lambda: (
                        [(s, o is not None) for s, o, _ in delivery(env_db, feed_id)]
                        == [("claimed", True)]
                    ),
                )
                assert proc.poll() is None, "run ended at the end of its (empty) input"
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=DEADLINE)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    stderr = (tmp_path / "err").read_text()
    assert code == 0, stderr
    assert quiet(stderr), stderr
    assert "paused for shutdown; the next start resumes" in stderr
    # Released, nothing posted: the next start takes the day up again at once.
    assert delivery(env_db, feed_id) == [("claimed", None, None)]
    assert "🧵" not in (tmp_path / "out").read_text()

"""`paperherald run` for real: killed with SIGKILL in the middle of a thread, restarted,
and every planned paper ends up posted exactly once, in one thread.

How the kill lands "in the middle" without any test hook in the product: the console adapter
prints each post with one small write to stdout. Stdout here is a pipe shrunk to 4 KiB. The
test reads it until the third paper shows up and then stops reading: the bot fills the pipe
with a few more papers and blocks inside the write of the next one (a write of at most
PIPE_BUF bytes is all-or-nothing), with everything it printed already recorded. That is when
the test kills it (the kernel says where the process is waiting: /proc/<pid>/wchan).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from bot.clock import SystemClock
from bot.models import ChannelRef, Feed
from storage.db import Database
from storage.store import Repositories
from tests.conftest import FIXTURES, REPO

PAPERS = 20
KILL_AFTER = 3  # papers seen on stdout before the reader stops
PIPE_SIZE = 4096
fcntl: Any = None
with contextlib.suppress(ImportError):
    import fcntl

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or not hasattr(fcntl, "F_SETPIPE_SZ"),
        reason="needs Linux pipes (F_SETPIPE_SZ) and /proc",
    ),
]


def daily_papers(day: str) -> bytes:
    """PAPERS items in the shape of the recorded HF answer, featured on ``day``."""
    template = json.loads((FIXTURES / "daily_papers_2026-09-24_3items.json").read_text())[0]
    compact = day.replace("-", "")[2:]  # 2026-11-27 -> 261127
    items = []
    for i in range(1, PAPERS + 1):
        item = json.loads(json.dumps(template))
        paper = item["paper"]
        paper["id"] = f"{compact[:4]}.{compact[4:]}{i:03d}"
        paper["title"] = item["title"] = f"Subprocess paper {i:02d} on learned step schedules"
        paper["submittedOnDailyAt"] = f"{day}T00:00:00.000Z"
        paper["upvotes"] = 500 - i  # rank i
        paper["githubStars"] = 0
        items.append(item)
    return json.dumps(items).encode()


@contextlib.contextmanager
def hf_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path != "/api/daily_papers":
                self.send_error(404)
                return
            page = query.get("p", ["0"])[0]
            body = daily_papers(query["date"][0]) if page == "0" else b"[]"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def create_feed(db_path: Path, post_time: dtime) -> int:
    db = await Database.open(db_path)
    try:
        # The wall clock, as the bot process under test keeps it.
        feed = await Repositories(db, SystemClock()).feeds.upsert(
            Feed(
                channel=ChannelRef("console", "local", "terminal"),
                post_time=post_time,
                timezone="UTC",
                top_n=PAPERS,
            )
        )
        assert feed.id is not None
        return feed.id
    finally:
        await db.close()


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def query(db_path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def blocked_writing(pid: int) -> bool:
    """The bot's main thread is asleep inside write() to a full pipe."""
    try:
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
    if "pipe_write" in wchan:
        return True
    try:  # kernels that hide wchan: the syscall in progress (x86-64: write = 1, fd 1)
        return Path(f"/proc/{pid}/syscall").read_text().startswith("1 0x1 ")
    except OSError:
        return False


def posted_ids(text: str) -> list[str]:
    """arXiv ids of the paper cards printed into a thread, in order."""
    return re.findall(r"^  │ \d+\. Subprocess paper \d+ .*?\((\d{4}\.\d{5})\)$", text, re.M)


def test_killed_mid_thread_then_restarted_posts_every_paper_once(tmp_path: Path) -> None:
    db_path = tmp_path / "paperherald.db"
    post_at = (datetime.now(UTC) - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    feed_id = asyncio.run(create_feed(db_path, post_at))

    with hf_server() as base_url:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "PYTHONPATH": str(REPO),
            "NO_PROXY": "127.0.0.1,localhost",
            "PAPERHERALD_DATABASE": str(db_path),
            "PAPERHERALD_SOURCES": "hf",
            "HF_BASE_URL": base_url,
            "PAPERHERALD_HTTP_RETRIES": "0",
            "PAPERHERALD_DELIVERY_LEASE_SECONDS": "1",
            "PAPERHERALD_LOG_LEVEL": "INFO",
        }
        command = [sys.executable, "-m", "bot.cli", "run"]

        # Run 1: stdout through a 4 KiB pipe we stop reading after paper KILL_AFTER.
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        with (tmp_path / "run1.log").open("wb") as log1:
            first = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=write_end,
                stderr=log1,
                cwd=tmp_path,
                env=env,
            )
        os.close(write_end)
        out1 = b""
        try:
            deadline = time.monotonic() + 30
            while len(posted_ids(out1.decode(errors="replace"))) < KILL_AFTER:
                assert time.monotonic() < deadline, "run 1 never posted: " + out1.decode()
                assert first.poll() is None, "run 1 exited: " + (tmp_path / "run1.log").read_text()
                if select.select([read_end], [], [], 0.2)[0]:
                    out1 += os.read(read_end, 256)
            wait_for("run 1 to block on its full stdout", lambda: blocked_writing(first.pid))
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
            with contextlib.suppress(OSError):
                while chunk := os.read(read_end, 65536):
                    out1 += chunk
            os.close(read_end)
            if first.stdin:
                first.stdin.close()

        text1 = out1.decode()
        [(root, plan_json, status, updated)] = query(
            db_path,
            "SELECT root_message_id, plan, status, updated_at FROM deliveries WHERE feed_id = ?",
            feed_id,
        )
        plan = json.loads(plan_json)
        recorded1 = [r[0] for r in query(db_path, "SELECT arxiv_id FROM delivery_items")]
        assert status == "claimed" and root is not None and len(plan) == PAPERS
        assert text1.count("🧵 thread") == 1
        # Killed in the middle: what was printed is exactly what was recorded.
        assert KILL_AFTER <= len(recorded1) < PAPERS - 3
        assert sorted(posted_ids(text1)) == sorted(recorded1)

        # The dead owner's lease (1 s, stored to the second) runs out.
        last = datetime.fromisoformat(updated)
        wait_for("the lease to expire", lambda: datetime.now(UTC) > last + timedelta(seconds=2.2))

        # Run 2: resumes the same thread.
        with (tmp_path / "run2.out").open("wb") as out2, (tmp_path / "run2.log").open("wb") as log2:
            second = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=out2, stderr=log2, cwd=tmp_path, env=env
            )
            try:
                wait_for(
                    "run 2 to finish the thread",
                    lambda: (
                        query(db_path, "SELECT status FROM deliveries WHERE feed_id = ?", feed_id)
                        == [("done",)]
                        or second.poll() is not None
                    ),
                )
                assert second.poll() is None, (tmp_path / "run2.log").read_text()
            finally:
                second.send_signal(signal.SIGTERM)
                try:
                    second.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    second.kill()
                    second.wait()
                if second.stdin:
                    second.stdin.close()
        text2 = (tmp_path / "run2.out").read_text()

    # The database: every planned paper once, in the thread opened by run 1.
    [(root2, status2)] = query(
        db_path, "SELECT root_message_id, status FROM deliveries WHERE feed_id = ?", feed_id
    )
    assert (root2, status2) == (root, "done")
    items = query(db_path, "SELECT arxiv_id FROM delivery_items WHERE feed_id = ?", feed_id)
    assert sorted(i[0] for i in items) == sorted(plan)
    # Stdout of both runs: one thread header, each paper printed exactly once, in rank order.
    assert (text1 + text2).count("🧵 thread") == 1
    both = posted_ids(text1) + posted_ids(text2)
    assert both == plan
    assert posted_ids(text2) == plan[len(recorded1) :]
    resumed = (
        f"posted {PAPERS - len(recorded1)} of {PAPERS} papers (resumed after {len(recorded1)})"
    )
    assert resumed in (tmp_path / "run2.log").read_text()

"""Helpers for tests that run the real ``paperherald`` entry point in a subprocess: its
environment, a Hugging Face stand-in on 127.0.0.1 that the test controls, and waiting on
conditions with a deadline (never a sleep)."""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import REPO

COMMAND = [sys.executable, "-m", "bot.cli"]


def entry_env(tmp_path: Path, hf_url: str, **extra: str) -> dict[str, str]:
    """A clean environment: no .env (cwd is ``tmp_path``), no developer settings, HF at
    ``hf_url``, arXiv off, one try per request."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "NO_PROXY": "127.0.0.1,localhost",
        "PAPERHERALD_DATABASE": str(tmp_path / "paperherald.db"),
        "PAPERHERALD_SOURCES": "hf",
        "HF_BASE_URL": hf_url,
        "PAPERHERALD_HTTP_RETRIES": "0",
    }
    env.update(extra)
    return env


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # polling interval of the condition, not a wait for an outcome


class LocalHF:
    """Answers ``GET /api/daily_papers`` only once the test calls :meth:`answer` (until
    then every request hangs, like a server that never answers); records each request."""

    def __init__(self, status: int = 503) -> None:
        self.status = status
        self.requests: list[str] = []
        self._go = threading.Event()
        self._lock = threading.Lock()
        hf = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with hf._lock:
                    hf.requests.append(self.path)
                hf._go.wait()
                body = b'{"error": "Service Unavailable"}'
                self.send_response(hf.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self) -> None:
        self._go.set()

    def seen(self) -> int:
        with self._lock:
            return len(self.requests)


@contextmanager
def local_hf(status: int = 503) -> Iterator[LocalHF]:
    hf = LocalHF(status)
    thread = threading.Thread(target=hf.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hf
    finally:
        hf.answer()  # let held requests end
        hf.server.shutdown()
        hf.server.server_close()


class PtyReader:
    """Everything the process printed on its terminal (the pty's master side)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = b""
        self.closed = False

    def close(self) -> None:
        self.pump()
        os.close(self.fd)
        self.closed = True

    def pump(self) -> None:
        while not self.closed and select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the process closed the terminal
                return
            if not chunk:
                return
            self.data += chunk

    @property
    def text(self) -> str:
        self.pump()
        return self.data.decode(errors="replace").replace("\r\n", "\n")

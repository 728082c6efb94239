"""Limits on what an upstream can make the Fetcher do (issue 18, item 2): a body past the size
cap is abandoned with one log line, and a server that trickles bytes hits an overall deadline.

Real sockets: each test runs an aiohttp server on 127.0.0.1, port 0, in its own event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import ConfigError, load_settings
from bot.ports import SourceError
from bot.sources.hf import HuggingFaceSource
from bot.sources.http import Fetcher, build_http_client

from .helpers import make_settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CHUNK = 64 * 1024
MB = 1_000_000  # as the setting counts them


@asynccontextmanager
async def serve(handler: Handler, path: str = "/api/daily_papers") -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    app = web.Application()
    app.router.add_get(path, handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class Streamer:
    """Streams ``total`` bytes (chunked, no Content-Length); records how far it got."""

    def __init__(self, total: int, chunk: int = CHUNK, pause: float = 0.0) -> None:
        self.total = total
        self.chunk = chunk
        self.pause = pause  # the server's pace between writes, not a wait in the test
        self.sent = 0
        self.done = asyncio.Event()

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        try:
            await response.prepare(request)
            await response.write(b"[")
            while self.sent < self.total:
                await response.write(b" " * self.chunk)
                self.sent += self.chunk
                if self.pause:
                    await asyncio.sleep(self.pause)
            await response.write(b"]")
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass  # the client hung up: what these tests want
        finally:
            self.done.set()
        return response


def fetcher(**kwargs: object) -> Fetcher:
    settings = make_settings(http_retries=0)
    return Fetcher(build_http_client(settings), retries=0, **kwargs)  # type: ignore[arg-type]


async def test_a_body_over_the_cap_is_abandoned_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streamer = Streamer(total=64 * MB)
    async with serve(streamer) as base:
        f = fetcher(max_body=256 * 1024)
        try:
            with (
                caplog.at_level(logging.WARNING, logger="bot.sources.http"),
                pytest.raises(SourceError) as err,
            ):
                await f.get(f"{base}/api/daily_papers", params={"token": "s3cret-in-query"})
        finally:
            await f.aclose()
        await asyncio.wait_for(streamer.done.wait(), 10)
    assert "larger than 0.262144 MB" in str(err.value)
    assert "PAPERHERALD_HTTP_MAX_BODY_MB" in str(err.value)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.sources.http"]
    assert len(lines) == 1, lines
    assert f"{base}/api/daily_papers" in lines[0] and "s3cret" not in lines[0]
    assert streamer.sent < 16 * MB  # the client stopped reading long before the end


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"[" + b" " * 300_000 + b"]", content_type="application/json")

    async with serve(big) as base:
        f = fetcher(max_body=100_000)
        try:
            with pytest.raises(SourceError, match=r"larger than 0\.1 MB"):
                await f.get(f"{base}/api/daily_papers")
        finally:
            await f.aclose()


async def test_a_compressed_body_under_the_cap_is_read_whole_and_decoded() -> None:
    body = json.dumps([{"n": i, "text": "word " * 50} for i in range(200)]).encode()

    async def gzipped(request: web.Request) -> web.Response:
        response = web.Response(body=body, content_type="application/json")
        response.enable_compression()
        return response

    async with serve(gzipped) as base:
        f = fetcher(max_body=len(body))
        try:
            response = await f.get(f"{base}/api/daily_papers")
        finally:
            await f.aclose()
    assert response.status_code == 200 and response.content == body
    assert json.loads(response.content)[199]["n"] == 199


async def test_a_gzip_bomb_counts_decoded_bytes() -> None:
    async def bomb(request: web.Request) -> web.Response:
        response = web.Response(body=b" " * (8 * MB), content_type="application/json")
        response.enable_compression()  # a few KB on the wire
        return response

    async with serve(bomb) as base:
        f = fetcher(max_body=1 * MB)
        try:
            with pytest.raises(SourceError, match="larger than 1 MB"):
                await f.get(f"{base}/api/daily_papers")
        finally:
            await f.aclose()


async def test_a_trickling_server_hits_the_overall_deadline() -> None:
    """One byte every 0.2 s never trips httpx's per-read timeout (0.4 s here); the whole
    request's deadline (3 x the timeout, derived from the setting) does."""
    streamer = Streamer(total=75, chunk=1, pause=0.2)  # 15 s if read to the end
    settings = make_settings(http_timeout=0.4, http_retries=0)
    async with serve(streamer) as base:
        f = Fetcher.from_settings(settings)
        started = time.monotonic()
        try:
            with pytest.raises(SourceError, match="did not answer in time"):
                await f.get(f"{base}/api/daily_papers")
        finally:
            await f.aclose()
        elapsed = time.monotonic() - started
        await asyncio.wait_for(streamer.done.wait(), 10)
    assert elapsed < 10, elapsed
    assert streamer.sent < streamer.total
    assert f.deadline == pytest.approx(1.2)


def test_the_body_cap_setting_is_checked_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERHERALD_HTTP_MAX_BODY_MB", "5")
    assert load_settings(_env_file=None).http_max_body_mb == 5
    for bad, says in [("0", "out of range"), ("lots", "not a whole number")]:
        monkeypatch.setenv("PAPERHERALD_HTTP_MAX_BODY_MB", bad)
        with pytest.raises(ConfigError) as err:
            load_settings(_env_file=None)
        text = str(err.value)
        assert text.startswith("PAPERHERALD_HTTP_MAX_BODY_MB: ") and says in text
        assert "\n" not in text


def hf_items(count: int, first: int, abstract_chars: int) -> list[dict[str, object]]:
    return [
        {
            "paper": {
                "id": f"2609.{first + i:05d}",
                "title": f"Paper {i}",
                "summary": "a" * abstract_chars,
                "authors": [{"name": "Ada Lovelace"}],
                "submittedOnDailyAt": "2026-09-24T00:00:00.000Z",
            }
        }
        for i in range(count)
    ]


async def test_an_oversized_second_page_stores_nothing_of_the_day(tmp_path: Path) -> None:
    """`paperherald fetch` for real, the cap set in the environment: page 0 is a full, good
    page; page 1 is 3 MB. The day fails as a whole and the first page is not stored either."""
    first = json.dumps(hf_items(100, 10000, 10)).encode()
    second = json.dumps(hf_items(50, 20000, 60_000)).encode()  # ~3 MB, under 100 items

    async def daily(request: web.Request) -> web.StreamResponse:
        if request.query.get("p", "0") == "0":
            return web.Response(body=first, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for start in range(0, len(second), CHUNK):
                await response.write(second[start : start + CHUNK])
            await response.write_eof()
        except ConnectionError:
            pass
        return response

    db = tmp_path / "f.db"
    async with serve(daily) as base:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PAPERHERALD_")},
            "HF_BASE_URL": base,
            "PAPERHERALD_SOURCES": "hf",
            "PAPERHERALD_HTTP_RETRIES": "0",
            "PAPERHERALD_HTTP_MAX_BODY_MB": "1",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--db",
            str(db),
            "fetch",
            "--date",
            "2026-09-24",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=50)
    assert proc.returncode == 1, (out, err)
    assert "hf: failed: 127.0.0.1 sent an answer larger than 1 MB" in " ".join(out.decode().split())
    # One line from the HTTP layer naming the URL (the engine then logs the day's failure).
    logged = [line for line in err.decode().splitlines() if "bot.sources.http" in line]
    assert len(logged) == 1 and f"{base}/api/daily_papers is larger than 1 MB" in logged[0]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM papers").fetchone() == (0,)
    finally:
        conn.close()


async def test_hf_source_reads_a_normal_day_through_the_streaming_path() -> None:
    body = json.dumps(hf_items(3, 30000, 100)).encode()

    async def daily(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async with serve(daily) as base:
        settings = make_settings(hf_base_url=base, http_retries=0)
        f = Fetcher.from_settings(settings)
        try:
            batch = await HuggingFaceSource(settings, f).fetch_day(date(2026, 9, 24))
        finally:
            await f.aclose()
    assert [p.arxiv_id for p in batch.papers] == ["2609.30000", "2609.30001", "2609.30002"]

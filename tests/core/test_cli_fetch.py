"""`paperherald fetch` over real HTTP against a local server serving recorded HF responses."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aiohttp import web

from tests.conftest import FIXTURES

DAY_OK = "2026-09-24"
DAY_BROKEN = "2026-09-25"


async def serve_hf() -> tuple[web.AppRunner, int, list[str]]:
    body = (FIXTURES / "daily_papers_2026-09-24_3items.json").read_bytes()
    seen: list[str] = []

    async def daily(request: web.Request) -> web.Response:
        day = request.query.get("date", "")
        seen.append(day)
        if day == DAY_OK:
            return web.Response(body=body, content_type="application/json")
        if day == DAY_BROKEN:
            return web.Response(
                status=500, text="<html>upstream error</html>", content_type="text/html"
            )
        return web.Response(text="[]", content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/daily_papers", daily)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port, seen


async def cli(tmp_path: Path, port: int, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "HF_BASE_URL": f"http://127.0.0.1:{port}",
        "PAPERHERALD_SOURCES": "hf",
        "PAPERHERALD_HTTP_RETRIES": "1",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--db",
        str(tmp_path / "f.db"),
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=50)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_fetch_a_range_reports_the_bad_day_and_keeps_the_rest(tmp_path: Path) -> None:
    runner, port, seen = await serve_hf()
    try:
        code, out, _ = await cli(
            tmp_path, port, "fetch", "--since", "2026-09-23", "--until", "2026-09-25"
        )
        assert code == 0  # some days worked
        assert "Thu 24 Sep 2026 hf: 3 papers" in out
        assert "Wed 23 Sep 2026 hf: 0 papers" in out
        assert "Fri 25 Sep 2026 hf: failed: 127.0.0.1 answered 500" in out
        assert {DAY_OK, DAY_BROKEN, "2026-09-23"} <= set(seen)
        code, out, _ = await cli(tmp_path, port, "search", "diffusion", "--json")
        assert code == 0 and json.loads(out)[0]["arxiv_id"] == "2609.10001"
        code, _, err = await cli(tmp_path, port, "fetch", "--date", DAY_BROKEN)
        assert code == 1 and "Traceback" not in err
    finally:
        await runner.cleanup()

"""/healthz and /metrics on the real aiohttp server, read with a real HTTP client."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from adapters.ops.metrics import PrometheusMetrics
from adapters.ops.server import start_ops_server
from bot import app
from bot.config import Settings
from bot.messages import Message
from bot.models import ChannelRef
from bot.outbound import Outbound
from bot.ports import DeliveryError
from tests.conftest import FIXTURES, RecordingAdapter, alice, make_settings


@pytest.fixture
def ops_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


async def test_healthz_and_metrics(ops_settings: Settings) -> None:
    metrics = PrometheusMetrics()
    async with app.open_core(ops_settings, metrics=metrics) as core:
        from bot.sources.files import parse_file

        await core.store.papers.upsert(parse_file(FIXTURES / "daily_papers_2026-09-24_3items.json"))
        adapter = core.services.attach(RecordingAdapter())  # counted by the outbound policy

        async def refresh() -> None:
            metrics.papers.set(await core.store.papers.count())

        runner, port = await start_ops_server(
            "127.0.0.1", 0, lambda: app.health_report(core, [adapter]), metrics, refresh
        )
        try:
            await core.services.dispatcher.handle_text(alice(), "/papers search diffusion")
            await core.services.dispatcher.handle_text(alice(), "/papers dance")
            await adapter.send(
                ChannelRef("console", "w", "c"),
                (await core.services.dispatcher.handle_text(alice(), "/papers help")),
            )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                health = await client.get("/healthz")
                assert health.status_code == 200
                body = health.json()
                assert body["ok"] is True and body["database"] == "writable"
                assert body["adapters"] == {"console": True}
                text = (await client.get("/metrics")).text
            assert 'paperherald_commands_total{command="search",outcome="ok"} 1.0' in text
            assert 'paperherald_commands_total{command="help",outcome="ok"} 1.0' in text
            assert (
                'paperherald_messages_total{kind="post",outcome="sent",platform="console"} 1.0'
                in text
            )
            assert "paperherald_command_seconds_bucket" in text
            assert "paperherald_papers_stored 3.0" in text
        finally:
            await runner.cleanup()


async def test_healthz_is_503_when_the_database_is_gone(ops_settings: Settings) -> None:
    metrics = PrometheusMetrics()
    async with app.open_core(ops_settings, metrics=metrics) as core:

        async def refresh() -> None:
            return None

        runner, port = await start_ops_server(
            "127.0.0.1", 0, lambda: app.health_report(core, []), metrics, refresh
        )
        try:
            await core.db.conn.close()
            async with httpx.AsyncClient() as client:
                resp = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert resp.status_code == 503 and resp.json()["ok"] is False
        finally:
            await runner.cleanup()


async def test_failed_posts_are_counted() -> None:
    metrics = PrometheusMetrics()
    adapter = Outbound(RecordingAdapter(fail_after=0, fault=DeliveryError("down")), metrics=metrics)
    with pytest.raises(DeliveryError):
        await adapter.send(ChannelRef("console", "w", "c"), (await _msg()))
    from prometheus_client import generate_latest

    assert b'outcome="failed"' in generate_latest(metrics.registry)


async def _msg() -> Message:
    from bot.messages import plain

    return plain("hi")


async def test_run_serves_health_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`paperherald run` with no token and no terminal (stdin at EOF, as under Docker) stays
    up with the console adapter, scheduler and ops server; SIGTERM → exit 0."""
    import signal
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PAPERHERALD_DATABASE": str(tmp_path / "run.db"),
        "PAPERHERALD_HTTP_PORT": str(port),
        "PAPERHERALD_SOURCES": "hf",
        "HF_BASE_URL": "http://127.0.0.1:9",
        "PAPERHERALD_HTTP_RETRIES": "0",
        "DISCORD_TOKEN": "",
        "SLACK_BOT_TOKEN": "",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    resp = await client.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the health server never came up")
        assert resp.status_code == 200
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=10)
        assert code == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

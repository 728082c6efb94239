"""``bot.app.run(settings)`` with Slack settings: it connects and answers ``/papers search``."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import uuid
from pathlib import Path

import aiohttp
import pytest

from bot.app import run
from bot.clock import SystemClock
from bot.config import Settings
from bot.sources.files import parse_file
from storage.db import Database
from storage.store import Repositories
from tests.adapters.slack.conftest import (
    GENERAL,
    SECRET,
    form_body,
    signed_headers,
    slash_payload,
)
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.conftest import FIXTURES, make_settings


async def fill(settings: Settings) -> None:
    db = await Database.open(settings.database)
    try:
        store = Repositories(db, SystemClock())  # as the run() under test stamps
        for path in sorted(FIXTURES.glob("*.json")):
            await store.papers.upsert(parse_file(path))
    finally:
        await db.close()


def settings_from_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack, **env: str
) -> Settings:
    for name in (
        "DISCORD_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PAPERHERALD_SLACK_ADMINS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_BASE_URL", fake.api_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Sources at a closed port: the start-up fetch fails fast instead of leaving the machine.
    return make_settings(tmp_path, hf_base_url="http://127.0.0.1:9", http_port=None)


async def stop(task: asyncio.Task[int]) -> None:
    os.kill(os.getpid(), signal.SIGINT)  # run() installed its handler before starting adapters
    assert await asyncio.wait_for(task, 15) == 0


async def test_run_over_socket_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack
) -> None:
    settings = settings_from_env(tmp_path, monkeypatch, fake, SLACK_APP_TOKEN=APP_TOKEN)
    await fill(settings)
    task = asyncio.create_task(run(settings))
    try:
        await fake.wait_for(lambda: fake.sockets or task.done(), within=10)
        rid = uuid.uuid4().hex
        payload = slash_payload(
            "search step schedules", fake.response_url(rid), user="U0ALICE", channel=GENERAL
        )
        eid = await fake.send_envelope("slash_commands", payload)
        # Bolt does not order the envelope ack and the response_url answer: wait for each.
        (answer,) = await fake.wait_responses(rid)
        await fake.wait_for(lambda: eid in fake.acks, within=10)
        assert "Learned Step Schedules" in answer["text"]
    finally:
        await stop(task)
    assert not fake.sockets  # closed on the way out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def post_when_listening(port: int, body: str) -> int:
    """The listener comes up inside run(); poll the port (with a deadline), never sleep-and-hope."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=signed_headers(body)
                ) as resp:
                    return resp.status
            except aiohttp.ClientConnectorError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.02)


async def test_run_in_http_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack
) -> None:
    port = free_port()
    settings = settings_from_env(
        tmp_path,
        monkeypatch,
        fake,
        SLACK_SIGNING_SECRET=SECRET,
        PAPERHERALD_SLACK_HTTP_PORT=str(port),
    )
    await fill(settings)
    task = asyncio.create_task(run(settings))
    try:
        rid = uuid.uuid4().hex
        payload = slash_payload(
            "search step schedules", fake.response_url(rid), user="U0ALICE", channel=GENERAL
        )
        assert await post_when_listening(port, form_body("slash_commands", payload)) == 200
        (answer,) = await fake.wait_responses(rid)
        assert "Learned Step Schedules" in answer["text"]
    finally:
        await stop(task)

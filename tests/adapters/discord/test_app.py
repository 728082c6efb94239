"""End to end: ``bot.app.run`` with DISCORD_TOKEN and the two URLs answers /papers search."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import app
from bot.bootstrap import Services
from bot.config import Settings
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import command
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import make_settings


class _Running(logging.Handler):
    """Sets an event when run() logs that every adapter has started."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("running: "):
            self.event.set()


@pytest.fixture
def running() -> Iterator[_Running]:
    handler = _Running()
    app_log = logging.getLogger("bot.app")
    old_level = app_log.level
    app_log.addHandler(handler)
    app_log.setLevel(logging.INFO)
    yield handler
    app_log.removeHandler(handler)
    app_log.setLevel(old_level)


@pytest.fixture
def app_settings(tmp_path: Path, fake: FakeDiscord, filled: Services) -> Settings:
    return make_settings(
        tmp_path,  # the same database file that ``filled`` stored the fixture papers in
        discord_token=p.TOKEN,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        hf_base_url="http://127.0.0.1:9",  # the start-up fetch fails at once, offline
    )


@contextlib.asynccontextmanager
async def app_running(settings: Settings) -> AsyncIterator[asyncio.Task[int]]:
    task = asyncio.create_task(app.run(settings))
    try:
        yield task
    finally:
        task.cancel()  # what a signal does, minus the signal
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_run_connects_and_answers_search(
    fake: FakeDiscord, app_settings: Settings, running: _Running
) -> None:
    async with app_running(app_settings):
        await asyncio.wait_for(running.event.wait(), 10)
        log = await command(fake, ("search",), {"query": "diffusion sampling"})
        replies = await log.wait(within=10)
        assert "Learned Step Schedules" in replies[-1].body["embeds"][0]["title"]
        # First start with an empty store: the commands were uploaded, globally.
        (put,) = fake.find("PUT", rf"/applications/{p.APP_ID}/commands")
        assert [c["name"] for c in put.body] == ["papers", "Show paper"]
    assert fake.connections == 1 and fake.gateway_closed()


async def test_run_stopped_before_ready_still_disconnects(
    fake: FakeDiscord, app_settings: Settings
) -> None:
    fake.hold_ready = True
    async with app_running(app_settings):
        await asyncio.wait_for(fake.identified.wait(), 10)
    # run() closes only adapters whose start() returned; start() cleans up after itself.
    assert fake.gateway_closed()


async def test_a_run_never_logs_the_token(
    fake: FakeDiscord, app_settings: Settings, running: _Running
) -> None:
    """A full run at DEBUG, libraries included, through the production log setup."""
    from tests.log_capture import production_logs

    with production_logs([p.TOKEN]) as logs:
        async with app_running(app_settings):
            await asyncio.wait_for(running.event.wait(), 10)
            log = await command(fake, ("search",), {"query": "diffusion sampling"})
            await log.wait(within=10)
            log = await command(fake, ("help",), {})
            await log.wait(within=10)
    text = logs.getvalue()
    assert '"command": "search"' in text and '"platform": "discord"' in text
    assert p.TOKEN not in text

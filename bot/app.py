"""The composition root: Settings -> db -> http -> sources -> engine -> adapters -> scheduler.

The only module (with ``bot.cli``) that imports storage and adapters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TextIO

import httpx

from bot.clock import SystemClock
from bot.config import ConfigError, Settings
from bot.engine import Engine
from bot.ports import ChatAdapter, Clock
from bot.sources import build_sources
from bot.sources.http import Fetcher, build_http_client
from storage.db import Database
from storage.repositories import Repositories

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    db: Database
    http: httpx.AsyncClient
    store: Repositories
    engine: Engine
    adapters: list[ChatAdapter] = field(default_factory=list)


@asynccontextmanager
async def open_core(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Core]:
    db = await Database.open(settings.database)
    http = build_http_client(settings, transport=transport)
    try:
        store = Repositories(db)
        sources = build_sources(settings, Fetcher(http, retries=settings.http_retries))
        engine = Engine(settings, store, sources, clock or SystemClock())
        yield Core(settings, db, http, store, engine)
    finally:
        await http.aclose()
        await db.close()


def build_adapters(core: Core, *, sync_commands: bool = False) -> list[ChatAdapter]:
    """Every platform whose credentials are set; imported lazily so a missing token costs
    nothing and the console needs no platform library at all."""
    settings, adapters = core.settings, []
    if settings.discord_token:
        from adapters.discord import build_discord_adapter

        adapters.append(
            build_discord_adapter(
                settings, core.engine, kv=core.store.kv, sync_commands=sync_commands
            )
        )
    if settings.slack_bot_token:
        if not (settings.slack_app_token or settings.slack_signing_secret):
            raise ConfigError(
                "SLACK_APP_TOKEN: set it (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) "
                "to use Slack."
            )
        from adapters.slack import build_slack_adapter

        adapters.append(build_slack_adapter(settings, core.engine))
    return adapters


async def run(
    settings: Settings,
    *,
    sync_commands: bool = False,
    console: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """``paperherald run`` / ``chat``: adapters + scheduler until a signal (or console EOF)."""
    from adapters.console.adapter import ConsoleAdapter, run_console
    from bot.scheduler import build_scheduler

    async with open_core(settings) as core:
        adapters = [] if console else build_adapters(core, sync_commands=sync_commands)
        console_adapter = None
        if not adapters:
            console_adapter = ConsoleAdapter(stdout or sys.stdout)
            adapters = [console_adapter]
            if not console:
                log.info("no platform token set: starting the console adapter")
        for adapter in adapters:
            core.engine.attach(adapter)
        scheduler = build_scheduler(core.engine)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        started: list[ChatAdapter] = []
        try:
            for adapter in adapters:
                await adapter.start()
                started.append(adapter)
            if not console:
                scheduler.start()
            if console_adapter is not None:
                console_task = asyncio.create_task(
                    run_console(core.engine, console_adapter, stdin or sys.stdin)
                )
                stop_task = asyncio.create_task(stop.wait())
                await asyncio.wait({console_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
                stop_task.cancel()
                if not console_task.done():
                    console_task.cancel()
            else:
                log.info("running: %s", ", ".join(a.platform for a in adapters))
                await stop.wait()
        finally:
            log.info("shutting down")
            if scheduler.running:
                scheduler.shutdown(wait=False)
            for adapter in reversed(started):
                try:
                    await asyncio.wait_for(adapter.close(), timeout=8)
                except Exception:
                    log.exception("closing %s failed", adapter.platform)
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
    return 0

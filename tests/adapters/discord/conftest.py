"""Fixtures: a fake Discord, Settings pointing at it, and a started adapter on the real engine."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

import adapters.discord.client as discord_client
from adapters.discord import DiscordAdapter, build_discord_adapter
from bot.bootstrap import Services
from bot.config import Settings
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord, InteractionLog
from tests.conftest import make_settings

JSON = dict[str, Any]
ALICE = p.user(p.ALICE_ID, "Alice")
BOB = p.user(p.BOB_ID, "Bob")
_ids = itertools.count(1300000000000900000)


@pytest.fixture(autouse=True)
def discord_redirects(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The two redirect settings are class attributes: put them back so no test leaks."""
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    monkeypatch.setattr(discord_client, "GUILD_READY_TIMEOUT", 0.05)  # pitfall 3
    yield
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert not server.unexpected, f"routes the fake does not know: {server.unexpected}"


@pytest.fixture
def settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    """Overrides the shared ``settings``: the engine and the adapter see the same Settings."""
    return make_settings(
        tmp_path,
        discord_token=p.TOKEN,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
    )


@pytest.fixture
async def adapter(
    settings: Settings, filled: Services, store: Repositories
) -> AsyncIterator[DiscordAdapter]:
    built = build_discord_adapter(settings, filled.dispatcher, kv=store.kv)
    filled.attach(built)
    await built.start()
    try:
        yield built
    finally:
        await built.close()


def channel_payload(channel_id: int = p.TEXT_CHANNEL_ID) -> JSON:
    return p.guild_channel(channel_id)


async def command(
    fake: FakeDiscord,
    path: tuple[str, ...],
    options: JSON | None = None,
    *,
    caller: JSON = ALICE,
    admin: bool = False,
    channel_id: int = p.TEXT_CHANNEL_ID,
    in_guild: bool = True,
) -> InteractionLog:
    if in_guild:  # a channel or thread the fake knows (threads are created as tests run)
        channel = fake.channels.get(channel_id) or channel_payload(channel_id)
    else:
        channel = p.dm_channel(channel_id, caller)
    payload = p.command_interaction(
        next(_ids),
        f"tok-{next(_ids)}",
        path,
        options,
        caller=caller,
        admin=admin,
        channel=channel,
        in_guild=in_guild,
    )
    return await fake.interact(payload)


async def click(
    fake: FakeDiscord,
    message: JSON,
    custom_id: str,
    *,
    caller: JSON = ALICE,
) -> InteractionLog:
    channel_id = int(message["channel_id"])
    channel = fake.channels.get(channel_id) or channel_payload()
    payload = p.component_interaction(
        next(_ids), f"tok-{next(_ids)}", custom_id, message, caller=caller, channel=channel
    )
    return await fake.interact(payload)


async def autocomplete(
    fake: FakeDiscord, path: tuple[str, ...], option: str, current: str, *, caller: JSON = ALICE
) -> InteractionLog:
    payload = p.autocomplete_interaction(
        next(_ids),
        f"tok-{next(_ids)}",
        path,
        option,
        current,
        caller=caller,
        channel=channel_payload(),
    )
    return await fake.interact(payload)


def buttons(message: JSON) -> list[JSON]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def custom_ids(message: JSON) -> list[str]:
    return [b["custom_id"] for b in buttons(message) if "custom_id" in b]

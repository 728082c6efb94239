"""Start, stop, reconnect and the redirect settings."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import discord
import pytest
import yarl

from adapters.discord import DiscordAdapter, DiscordStartError, build_discord_adapter
from adapters.discord.endpoints import api_base
from bot.bootstrap import Services
from bot.config import ConfigError, Settings
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import command
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import make_settings


def test_the_factory_redirects_discord_py(
    settings: Settings, engine: Services, fake: FakeDiscord
) -> None:
    build_discord_adapter(settings, engine.dispatcher)
    assert fake.api_base == discord.http.Route.BASE
    assert yarl.URL(fake.gateway_url) == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def test_api_base_accepts_a_bare_proxy_url() -> None:
    assert api_base("https://proxy.example/") == "https://proxy.example/api/v10"
    assert api_base("https://proxy.example/api/v10/") == "https://proxy.example/api/v10"
    with pytest.raises(ConfigError, match="DISCORD_API_BASE_URL"):
        api_base("proxy.example")


def test_a_bad_gateway_url_names_the_setting(tmp_path: Path, engine: Services) -> None:
    bad = make_settings(tmp_path, discord_token=p.TOKEN, discord_gateway_url="http://x/")
    with pytest.raises(ConfigError, match="DISCORD_GATEWAY_URL"):
        build_discord_adapter(bad, engine.dispatcher)


async def test_start_identifies_with_two_unprivileged_intents(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    identify = next(f for f in fake.gateway_frames if f["op"] == 2)
    assert identify["d"]["token"] == p.TOKEN
    intents = discord.Intents._from_value(identify["d"]["intents"])
    assert intents == discord.Intents(guilds=True, guild_messages=True)  # 1 | 512
    assert not (intents.message_content or intents.members or intents.presences)
    assert adapter.client.is_ready()


async def test_reconnect_then_commands_still_work(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await fake.request_reconnect()
    await asyncio.wait_for(fake.resumed.wait(), 5)
    resume = next(f for f in fake.gateway_frames if f["op"] == 6)
    assert resume["d"]["session_id"] == p.SESSION_ID and resume["d"]["seq"] >= 2
    assert fake.connections == 2
    log = await command(fake, ("help",))
    (reply,) = await log.wait()
    assert "/papers search" in reply.body["data"]["content"]


async def test_close_disconnects(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    await adapter.close()
    assert adapter.client.is_closed()
    await adapter.close()  # twice is fine


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_start_times_out_with_a_clear_error(
    settings: Settings, engine: Services, fake: FakeDiscord
) -> None:
    fake.hold_ready = True  # the gateway accepts IDENTIFY and never says READY
    build_discord_adapter(settings, engine.dispatcher)  # sets the redirects
    adapter = DiscordAdapter(settings, engine.dispatcher, ready_timeout=0.2)
    with pytest.raises(DiscordStartError) as caught:
        await adapter.start()
    assert str(caught.value) == (
        f"Could not connect to the Discord gateway at {fake.gateway_url}: no READY within 0.2 s."
    )
    assert adapter.client.is_closed() and fake.gateway_closed()


async def test_an_unreachable_gateway_is_a_clear_error(
    tmp_path: Path, engine: Services, fake: FakeDiscord
) -> None:
    gateway = f"ws://127.0.0.1:{closed_port()}/gateway"
    settings = make_settings(
        tmp_path,
        discord_token=p.TOKEN,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=gateway,
    )
    build_discord_adapter(settings, engine.dispatcher)
    adapter = DiscordAdapter(settings, engine.dispatcher, ready_timeout=0.3)
    # discord.py either keeps retrying (our timeout) or gives up first: both name the gateway.
    with pytest.raises(
        DiscordStartError,
        match="^" + re.escape(f"Could not connect to the Discord gateway at {gateway}"),
    ):
        await adapter.start()
    assert adapter.client.is_closed()


async def test_a_rejected_token_is_a_config_error(
    settings: Settings, engine: Services, fake: FakeDiscord
) -> None:
    fake.fail("GET", r"/users/@me", 401, p.error_body(0, "401: Unauthorized"))
    adapter = build_discord_adapter(settings, engine.dispatcher)
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN: Discord rejected the token"):
        await adapter.start()
    assert not fake.gateway_frames


def test_no_token_is_a_config_error(tmp_path: Path, engine: Services) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN"):
        build_discord_adapter(make_settings(tmp_path), engine.dispatcher)

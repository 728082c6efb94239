"""The invite URL: scopes, exactly the needed permissions, the id from the token, no network."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import discord
import pytest

from adapters.discord.invite import PERMISSIONS, REQUIRED_PERMISSIONS, invite_url
from bot.config import ConfigError
from tests.adapters.discord import payloads as p
from tests.conftest import REPO, make_settings


async def test_invite_url(tmp_path: Path) -> None:
    url = await invite_url(make_settings(tmp_path, discord_token=p.TOKEN))
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    assert parsed.netloc == "discord.com" and parsed.path == "/oauth2/authorize"
    assert query["client_id"] == [str(p.APP_ID)]
    assert query["scope"] == ["bot applications.commands"]
    perms = discord.Permissions(int(query["permissions"][0]))
    assert perms == REQUIRED_PERMISSIONS
    # View Channels, Send Messages, Embed Links, Create Public Threads, Send Messages in Threads.
    assert perms.value == (1 << 10) | (1 << 11) | (1 << 14) | (1 << 35) | (1 << 38) == 309237664768


async def test_without_a_token_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN: set it") as caught:
        await invite_url(make_settings(tmp_path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("token", ["not-a-token", "!!!.x.y", "aGVsbG8.x.y"])
async def test_a_malformed_token_is_named(tmp_path: Path, token: str) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN: this does not look like a bot token"):
        await invite_url(make_settings(tmp_path, discord_token=token))


def test_the_setup_guide_lists_exactly_these_permissions() -> None:
    guide = (REPO / "deploy" / "DISCORD.md").read_text(encoding="utf-8")
    for label, _ in PERMISSIONS:
        assert f"**{label}**" in guide
    assert str(REQUIRED_PERMISSIONS.value) in guide

"""The two redirect settings (a proxy in front of Discord, or the test suite's fake).

discord.py reads ``Route.BASE`` for every REST call (interaction callbacks and webhooks too)
and ``DiscordWebSocket.DEFAULT_GATEWAY`` for new sessions; both are class attributes.
"""

from __future__ import annotations

import re

import discord
import yarl

from bot.config import ConfigError, Settings

_API_VERSION_PATH = re.compile(r"/api/v\d+$")


def api_base(url: str) -> str:
    """``DISCORD_API_BASE_URL`` -> what ``Route.BASE`` expects (``.../api/v10``)."""
    parsed = yarl.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError("DISCORD_API_BASE_URL: must be an http(s) URL like https://host/api/v10")
    base = str(parsed).rstrip("/")
    return base if _API_VERSION_PATH.search(parsed.path.rstrip("/")) else base + "/api/v10"


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at a proxy or a local fake. These are class attributes (process-wide)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = api_base(settings.discord_api_base_url)
    if settings.discord_gateway_url:
        gateway = yarl.URL(settings.discord_gateway_url)
        if gateway.scheme not in ("ws", "wss") or not gateway.host:
            raise ConfigError("DISCORD_GATEWAY_URL: must be a ws:// or wss:// URL")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

"""The invite URL, and the permissions the bot needs (also what ``check_channel`` checks).

No network: a bot token's first segment is the base64 of the bot user's id, and for a bot
that id is the application id.
"""

from __future__ import annotations

import base64
import binascii

import discord

from bot.config import ConfigError, Settings

SCOPES = ("bot", "applications.commands")

# (label as Discord shows it, Permissions attribute), in the order DISCORD.md lists them.
PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("View Channels", "view_channel"),
    ("Send Messages", "send_messages"),
    ("Embed Links", "embed_links"),
    ("Create Public Threads", "create_public_threads"),
    ("Send Messages in Threads", "send_messages_in_threads"),
)
REQUIRED_PERMISSIONS = discord.Permissions(**{attr: True for _, attr in PERMISSIONS})


def application_id_from_token(token: str) -> int:
    first = token.strip().split(".", 1)[0]
    # Discord uses URL-safe or standard base64 without padding.
    padded = first.replace("-", "+").replace("_", "/") + "=" * (-len(first) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.isdigit():
        raise ConfigError(
            "DISCORD_TOKEN: this does not look like a bot token "
            "(copy it from the Developer Portal, Bot page, Reset Token)."
        )
    return int(text)


async def invite_url(settings: Settings) -> str:
    if settings.discord_token is None:
        raise ConfigError(
            "DISCORD_TOKEN: set it to your bot's token to build the invite URL "
            "(Developer Portal, Bot page, Reset Token)."
        )
    app_id = application_id_from_token(settings.discord_token.get_secret_value())
    return discord.utils.oauth_url(app_id, permissions=REQUIRED_PERMISSIONS, scopes=SCOPES)

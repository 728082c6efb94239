"""Discord: discord.py client, the /papers command tree, persistent buttons, embeds, threads, DMs."""

from adapters.discord.client import DiscordAdapter, build_discord_adapter
from adapters.discord.errors import DiscordStartError

__all__ = ["DiscordAdapter", "DiscordStartError", "build_discord_adapter"]

"""Discord: discord.py client, the /papers command tree, persistent buttons, embeds, threads, DMs."""

from adapters.discord.client import DiscordAdapter, DiscordStartError, build_discord_adapter

__all__ = ["DiscordAdapter", "DiscordStartError", "build_discord_adapter"]

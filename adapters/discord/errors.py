"""Discord failures -> the core's DeliveryError / DMClosedError."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord

from bot.ports import DeliveryError, DMClosedError

CANNOT_DM = 50007  # "Cannot send messages to this user"
MISSING_ACCESS = 50001  # the bot cannot see the channel (any more)
MISSING_PERMISSIONS = 50013  # it sees it, but a permission is missing


class DiscordStartError(RuntimeError):
    """The bot could not log in or reach the gateway; the message says which."""


@contextlib.asynccontextmanager
async def delivery_errors(what: str, where: str = "the channel") -> AsyncIterator[None]:
    """Discord failures -> DeliveryError; permanent when retrying cannot help.

    ``what`` names the request for logs ("a post in channel 123"); ``where`` is how the
    sentence shown to people names the place ("this channel")."""
    try:
        yield
    except DeliveryError:
        raise
    except discord.Forbidden as exc:
        if exc.code == CANNOT_DM:
            raise DMClosedError() from exc
        if exc.code == MISSING_ACCESS:
            raise DeliveryError(
                f"Paper Herald has no access to {where} any more (Discord refused {what}: "
                "Missing Access); give its role View Channels there.",
                permanent=True,
            ) from exc
        if exc.code == MISSING_PERMISSIONS:
            raise DeliveryError(
                f"Paper Herald is missing a permission in {where} (Discord refused {what}: "
                "Missing Permissions); its role needs View Channels, Send Messages, Embed Links, "
                "Create Public Threads and Send Messages in Threads there.",
                permanent=True,
            ) from exc
        raise DeliveryError(
            f"Discord refused {what}: {exc.text or 'Missing Access'}.", permanent=True
        ) from exc
    except discord.NotFound as exc:
        raise DeliveryError(
            f"Discord could not find the target of {what}: {exc.text or 'Unknown Channel'}.",
            permanent=True,
        ) from exc
    except discord.HTTPException as exc:
        raise DeliveryError(f"Discord failed {what} (HTTP {exc.status}): {exc.text}") from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise DeliveryError(f"Discord could not be reached for {what}: {exc!r}") from exc


def snowflake(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DeliveryError(f"{value[:40]!r} is not a Discord {what} id.", permanent=True) from None

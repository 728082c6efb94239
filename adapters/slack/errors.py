"""Slack Web API failures -> the core's DeliveryError / DMClosedError, one clear sentence each."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.ports import DeliveryError, DMClosedError

BOT_NAME = "Paper Herald"
INVITE = f"/invite @{BOT_NAME}"

# What a Web API call can raise besides programming errors.
API_FAILURES = (SlackApiError, aiohttp.ClientError, TimeoutError)

# Faults that another attempt cannot fix: the publisher turns the feed off and says why.
PERMANENT: dict[str, str] = {
    # These read well after "I couldn't open a discussion here: " as well as in a stopped
    # daily thread's status line.
    "not_in_channel": (
        f"{BOT_NAME} is not in this channel; invite it with {INVITE}, then try again "
        "(a stopped daily thread restarts with /papers channel setup)."
    ),
    "channel_not_found": (
        f"this channel was deleted, or {BOT_NAME} cannot see it (a private channel needs "
        f"{INVITE} first)."
    ),
    "is_archived": "The channel is archived.",
    "missing_scope": (
        "The Slack app lacks the {needed} permission; reinstall it from "
        "deploy/slack-app-manifest.yaml."
    ),
    "account_inactive": (
        "The Slack bot token no longer works: the app was uninstalled or its account deactivated."
    ),
    "invalid_auth": "Slack rejected the bot token (invalid_auth); check SLACK_BOT_TOKEN.",
    "not_authed": "No Slack bot token was sent; check SLACK_BOT_TOKEN.",
    "token_revoked": "The Slack bot token was revoked; reinstall the app and update SLACK_BOT_TOKEN.",
    "restricted_action": "A workspace setting stops the bot from posting in this channel.",
}
# A token that will not work until someone changes it.
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
    }
)
# The user, not the channel: the notifier pauses that user's subscriptions.
DM_CLOSED = frozenset({"cannot_dm_bot", "user_not_found", "user_disabled"})


def slack_error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http_{exc.response.status_code}" if exc.response is not None else "unknown"


def to_delivery_error(exc: BaseException, what: str = "post") -> DeliveryError:
    """Map any failure of a Web API call to a DeliveryError (ratelimited/5xx: retry later)."""
    if isinstance(exc, SlackApiError):
        code = slack_error_code(exc)
        if code in DM_CLOSED:
            return DMClosedError(f"This Slack user cannot receive direct messages ({code}).")
        if code in PERMANENT:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            needed = str(data.get("needed") or "required")
            return DeliveryError(PERMANENT[code].format(needed=needed), permanent=True)
        if code == "ratelimited" or exc.response.status_code == 429:
            return DeliveryError(f"Slack is rate-limiting the bot; the {what} will be retried.")
        if exc.response.status_code >= 500:
            return DeliveryError(
                f"Slack had a server error (HTTP {exc.response.status_code}); "
                f"the {what} will be retried."
            )
        return DeliveryError(f"Slack refused the {what} ({code}).")
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return DeliveryError(f"Slack could not be reached ({type(exc).__name__}); will retry.")
    return DeliveryError(f"The Slack {what} failed ({type(exc).__name__}).")

"""Slack adapter: slack-bolt AsyncApp, Socket Mode by default, HTTP mode optional."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.adapter import Mode, SlackAdapter
from bot.config import ConfigError, Settings
from bot.ports import CommandHandler

DEFAULT_API_BASE_URL = "https://slack.com/api/"

__all__ = ["SlackAdapter", "build_slack_adapter", "build_web_client", "check_credentials"]


def check_credentials(settings: Settings, *, client_given: bool = False) -> Mode:
    """The one check of Slack's settings, before anything is built: a bot token (unless a
    client is injected), and SLACK_APP_TOKEN (Socket Mode; it wins over the signing secret)
    or SLACK_SIGNING_SECRET (HTTP mode). Returns the mode; a ConfigError names what to set.
    Whether Slack accepts the tokens is asked at start (``SlackAdapter.start``)."""
    if settings.slack_bot_token is None and not client_given:
        raise ConfigError("SLACK_BOT_TOKEN: set it (xoxb-...) to use Slack.")
    if settings.slack_app_token:
        return "socket"  # the start-up log says so when a signing secret is set too
    if settings.slack_signing_secret:
        return "http"
    raise ConfigError(
        "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET: set one (Socket Mode or HTTP mode) to use Slack."
    )


def build_web_client(settings: Settings) -> AsyncWebClient:
    check_credentials(settings)
    token = settings.slack_bot_token
    assert token is not None  # checked just above
    base = settings.slack_api_base_url or DEFAULT_API_BASE_URL
    # slack_sdk joins method names onto the base URL: without the slash ".../api" + "auth.test"
    # would lose the "/api" part.
    base = base if base.endswith("/") else base + "/"
    return AsyncWebClient(
        token=token.get_secret_value(),
        base_url=base,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            # 429: wait Retry-After and try again (slack_sdk does not, unless told to).
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_slack_adapter(
    settings: Settings,
    engine: CommandHandler,
    *,
    client: AsyncWebClient | None = None,
    post_interval: float = 1.0,
    http_port: int | None = None,
) -> SlackAdapter:
    """Socket Mode when SLACK_APP_TOKEN is set (it wins over SLACK_SIGNING_SECRET), HTTP mode
    with SLACK_SIGNING_SECRET otherwise; neither is a ConfigError naming both."""
    mode = check_credentials(settings, client_given=client is not None)
    if client is None:
        client = build_web_client(settings)
    elif not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return SlackAdapter(
        settings,
        engine,
        client=client,
        mode=mode,
        post_interval=post_interval,
        http_port=http_port,
    )

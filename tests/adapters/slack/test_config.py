"""Choosing the mode, and start-up failures that name the setting to fix."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackAdapter, build_slack_adapter, check_credentials
from bot.app import build_adapters, open_core
from bot.bootstrap import Services
from bot.config import ConfigError
from bot.ports import ChatAdapter
from tests.adapters.slack.conftest import SECRET, slack_settings
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.conftest import make_settings


def test_neither_app_token_nor_signing_secret(tmp_path: Path, engine: Services) -> None:
    settings = make_settings(tmp_path, slack_bot_token=BOT_TOKEN)
    with pytest.raises(ConfigError) as caught:
        build_slack_adapter(settings, engine.dispatcher)
    message = str(caught.value)
    assert "SLACK_APP_TOKEN" in message and "SLACK_SIGNING_SECRET" in message
    assert "\n" not in message


def test_no_bot_token(tmp_path: Path, engine: Services) -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        build_slack_adapter(make_settings(tmp_path, slack_app_token=APP_TOKEN), engine.dispatcher)


def test_modes(tmp_path: Path, fake: FakeSlack, engine: Services) -> None:
    socket_mode = build_slack_adapter(slack_settings(tmp_path, fake, "socket"), engine.dispatcher)
    http_mode = build_slack_adapter(slack_settings(tmp_path, fake, "http"), engine.dispatcher)
    assert (socket_mode.mode, http_mode.mode) == ("socket", "http")
    assert isinstance(socket_mode, ChatAdapter) and socket_mode.platform == "slack"


async def test_both_set_socket_mode_wins_and_says_so(
    tmp_path: Path, fake: FakeSlack, engine: Services, caplog: pytest.LogCaptureFixture
) -> None:
    settings = slack_settings(tmp_path, fake, "socket", slack_signing_secret=SECRET)
    adapter = build_slack_adapter(settings, engine.dispatcher)
    assert adapter.mode == "socket"
    with caplog.at_level(logging.INFO, logger="adapters.slack"):
        await adapter.start()
    try:
        assert "Socket Mode wins" in caplog.text
        await fake.wait_for(lambda: fake.sockets)
    finally:
        await adapter.close()


def test_the_client_retries_429s_and_finds_the_api(
    tmp_path: Path, fake: FakeSlack, engine: Services
) -> None:
    settings = slack_settings(tmp_path, fake, "http", slack_api_base_url=fake.api_url.rstrip("/"))
    adapter = build_slack_adapter(settings, engine.dispatcher)
    assert adapter.client.base_url == fake.api_url
    assert any(
        isinstance(h, AsyncRateLimitErrorRetryHandler) for h in adapter.client.retry_handlers
    )
    injected = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    adapter = build_slack_adapter(settings, engine.dispatcher, client=injected)
    assert adapter.client is injected
    assert any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in injected.retry_handlers)


@pytest.mark.parametrize(
    ("mode", "setting"), [("http", "slack_bot_token"), ("socket", "slack_app_token")]
)
async def test_refused_tokens_stop_start_up_with_one_line(
    tmp_path: Path, fake: FakeSlack, engine: Services, mode: str, setting: str
) -> None:
    settings = slack_settings(tmp_path, fake, mode, **{setting: "xoxx-wrong"})
    adapter = build_slack_adapter(settings, engine.dispatcher, http_port=0)
    with pytest.raises(ConfigError, match=setting.upper()):
        await adapter.start()
    await adapter.close()
    assert not fake.sockets


async def test_http_port_in_use(tmp_path: Path, fake: FakeSlack, engine: Services) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = slack_settings(tmp_path, fake, "http", slack_http_port=port)
        adapter = build_slack_adapter(settings, engine.dispatcher)
        with pytest.raises(ConfigError, match="PAPERHERALD_SLACK_HTTP_PORT"):
            await adapter.start()


async def test_a_websocket_that_never_opens_does_not_hang_start(
    tmp_path: Path, fake: FakeSlack, engine: Services
) -> None:
    fake.socket_url = "ws://127.0.0.1:9/nowhere"
    settings = slack_settings(tmp_path, fake, "socket")
    adapter = build_slack_adapter(settings, engine.dispatcher)
    adapter.connect_timeout = 0.2
    with pytest.raises(ConnectionError, match="did not open"):
        await adapter.start()
    assert not adapter.connected


@pytest.mark.slow
async def test_slack_unreachable_at_start(
    tmp_path: Path, fake: FakeSlack, engine: Services
) -> None:
    settings = slack_settings(tmp_path, fake, "http", slack_api_base_url="http://127.0.0.1:9/api/")
    with pytest.raises(ConnectionError, match="could not be reached"):
        await build_slack_adapter(settings, engine.dispatcher).start()


@pytest.mark.parametrize(
    "values",
    [
        {"slack_bot_token": BOT_TOKEN},
        {"slack_app_token": APP_TOKEN},
        {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SECRET},
    ],
)
async def test_paperherald_run_checks_slack_credentials_in_the_adapters_one_place(
    tmp_path: Path, values: dict[str, str]
) -> None:
    """``build_adapters`` (what ``paperherald run`` uses) and the adapter agree, because
    only ``check_credentials`` decides: same mode, or the same one-line ConfigError."""
    settings = make_settings(tmp_path, **values)
    try:
        expected: str | None = check_credentials(settings)
    except ConfigError as exc:
        expected = str(exc)
    async with open_core(settings) as core:
        if expected in ("socket", "http"):
            (adapter,) = build_adapters(core)
            assert isinstance(adapter, SlackAdapter) and adapter.mode == expected
        elif settings.slack_bot_token is None:
            assert build_adapters(core) == []  # no bot token: Slack is not configured at all
        else:
            with pytest.raises(ConfigError) as caught:
                build_adapters(core)
            assert str(caught.value) == expected

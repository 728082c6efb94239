"""deploy/DISCORD.md's troubleshooting quotes the start-up errors the bot really prints.

Each case makes the real discord.py client fail its login against the fake Discord (or a closed
port) and checks the message, and that the guide names the same message and reason.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from adapters.discord import DiscordStartError, build_discord_adapter
from bot.bootstrap import Services
from bot.config import ConfigError, Settings
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import make_settings

GUIDE = (Path(__file__).resolve().parents[3] / "deploy" / "DISCORD.md").read_text()
TROUBLESHOOTING = GUIDE.split("## Troubleshooting", 1)[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def login_error(settings: Settings, engine: Services) -> str:
    adapter = build_discord_adapter(settings, engine.dispatcher)
    with pytest.raises((DiscordStartError, ConfigError)) as caught:
        await adapter.start()
    assert adapter.client.is_closed()
    return str(caught.value)


async def test_a_rejected_token_reads_as_the_guide_says(
    settings: Settings, engine: Services, fake: FakeDiscord
) -> None:
    fake.fail("GET", r"/users/@me$", 401, p.error_body(0, "401: Unauthorized"))
    message = await login_error(settings, engine)
    assert message.startswith("DISCORD_TOKEN: Discord rejected the token")
    assert "`paperherald: DISCORD_TOKEN: Discord rejected the token`" in TROUBLESHOOTING


@pytest.mark.parametrize(
    "status, path, reason",
    [
        (404, r"/users/@me$", "404 Not Found"),
        (403, r"/users/@me$", "403 Forbidden"),
        (403, r"/oauth2/applications/@me$", "403 Forbidden"),
    ],
)
async def test_an_http_error_at_login_names_the_url_and_the_status(
    settings: Settings, engine: Services, fake: FakeDiscord, status: int, path: str, reason: str
) -> None:
    fake.fail("GET", path, status, p.error_body(0, f"{status}: refused"))
    message = await login_error(settings, engine)
    assert message.startswith(f"Could not log in to Discord at {fake.api_base}: {reason}")
    assert "`Could not log in to Discord at https://discord.com/api/v10: …`" in TROUBLESHOOTING
    assert f"`{reason}`" in TROUBLESHOOTING


async def test_an_unreachable_api_names_the_url_and_says_cannot_connect(
    tmp_path: Path, engine: Services, fake: FakeDiscord
) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    settings = make_settings(
        tmp_path,
        discord_token=p.TOKEN,
        discord_api_base_url=base,
        discord_gateway_url=fake.gateway_url,
    )
    message = await login_error(settings, engine)
    assert message.startswith(
        f"Could not log in to Discord at {base}/api/v10: Cannot connect to host"
    )
    assert "`Cannot connect to host …`" in TROUBLESHOOTING and "Connect call failed" in message

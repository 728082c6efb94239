"""`paperherald doctor` as an admin reads it: offline, with tokens of good and bad shape."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest

from bot import app
from bot.cli import main
from bot.config import load_settings
from bot.models import ChannelRef, Feed

# Shaped like real tokens, valid for nothing: the first Discord part is base64("123456789012345678").
DISCORD_OK = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9"
SLACK_USER = "xoxp-2024-1111-2222-deadbeefdeadbeefdeadbeef"
SLACK_APP = "xapp-1-A0123-4567-cafecafecafecafe"
INTERNAL_WORDS = ("claimed", "schema", "kv", "feed #", "ConnectError", "Exception")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "HF_TOKEN",
        "PAPERHERALD_DATABASE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("PAPERHERALD_SOURCES", "hf")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound (so nothing else takes it), not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def offline(monkeypatch: pytest.MonkeyPatch, port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    for name in ("HF_BASE_URL", "DISCORD_API_BASE_URL", "SLACK_API_BASE_URL"):
        monkeypatch.setenv(name, base)
    return base


def checks(out: str) -> list[str]:
    """doctor's lines, each with its wrapped continuation joined back."""
    found: list[str] = []
    for line in out.splitlines():
        if line.startswith(" " * 7):
            found[-1] += " " + line.strip()
        else:
            found.append(line)
    return found


async def a_feed_mid_post(db: Path) -> None:
    """A daily thread whose last post started and did not finish."""
    settings = load_settings(database=db)
    async with app.open_core(settings) as core:
        feed = await core.store.feeds.upsert(
            Feed(ChannelRef("slack", "T1", "C42"), time(9, 0), "Europe/Berlin", top_n=5)
        )
        assert feed.id is not None
        assert await core.store.deliveries.claim(feed.id, date(2026, 9, 24), "someone")


def test_offline_names_the_url_tried_and_what_to_do(
    tmp_path: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = offline(monkeypatch, closed_port)
    db = tmp_path / "x.db"
    asyncio.run(a_feed_mid_post(db))
    assert main(["--db", str(db), "doctor"]) == 1
    out = capsys.readouterr().out
    flat = "\n".join(checks(out))
    assert (
        f"[FAIL] Hugging Face not reachable at {base}/api/daily_papers?limit=1: connection refused. "
        "No network? Behind a proxy (HTTPS_PROXY)? Or set HF_BASE_URL." in flat
    )
    assert (
        "[ok  ] Daily thread in Slack channel C42: on, 09:00 Europe/Berlin, top 5; "
        "last post on Thu 24 Sep 2026: started but not finished" in flat
    )
    for word in INTERNAL_WORDS:
        assert word not in out, word
    assert all(
        line.startswith(("[ok  ]", "[FAIL]", "[--  ]", " " * 7)) for line in out.splitlines()
    )


def test_token_shapes_are_checked_and_never_printed(
    tmp_path: Path,
    closed_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    offline(monkeypatch, closed_port)
    monkeypatch.setenv("DISCORD_TOKEN", DISCORD_OK)
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_USER)  # a user token where a bot token belongs
    monkeypatch.setenv("SLACK_APP_TOKEN", SLACK_APP)
    assert main(["--db", str(tmp_path / "x.db"), "doctor"]) == 1
    captured = capsys.readouterr()
    flat = "\n".join(checks(captured.out))
    assert "[ok  ] DISCORD_TOKEN is set and looks like a Discord bot token" in flat
    assert "[FAIL] SLACK_BOT_TOKEN is set but is a user token (xoxp-), not a bot token" in flat
    assert "[ok  ] SLACK_APP_TOKEN is set and looks like a Slack app-level token (xapp-)" in flat
    for secret in (DISCORD_OK, SLACK_USER, SLACK_APP):
        for part in (secret, *secret.split(".")[1:], secret[5:]):
            assert part not in captured.out and part not in captured.err

    # A pasted "Bot " prefix is refused when settings load, before doctor runs: one line.
    monkeypatch.setenv("DISCORD_TOKEN", "Bot " + DISCORD_OK)
    assert main(["--db", str(tmp_path / "x.db"), "doctor"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("paperherald: DISCORD_TOKEN:") and captured.err.count("\n") == 1
    assert DISCORD_OK not in captured.err + captured.out

    for bad in ("not-a-token", "aGVsbG8.GaBcDe.q1w2e3"):
        monkeypatch.setenv("DISCORD_TOKEN", bad)
        monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
        assert main(["--db", str(tmp_path / "x.db"), "doctor"]) == 1
        out = capsys.readouterr().out
        line = next(x for x in checks(out) if "DISCORD_TOKEN" in x)
        assert line.startswith("[FAIL] DISCORD_TOKEN is set but"), line
        assert bad not in out and "q1w2e3" not in out

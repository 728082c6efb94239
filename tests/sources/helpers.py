"""Helpers for source tests: a fake clock, settings, and Fetchers over MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.config import Settings
from bot.sources.http import Fetcher, build_http_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHARED_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"

Handler = Callable[[httpx.Request], Any]


class FakeClock:
    """``sleep`` advances ``monotonic`` instantly and records every wait."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self.wall = datetime(2026, 9, 24, 12, 0, tzinfo=UTC)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall


def make_settings(**overrides: Any) -> Settings:
    # _env_file=None and explicit hf_token keep the developer's environment out of tests.
    values: dict[str, Any] = {"hf_token": None, "http_retries": 3, "http_timeout": 5.0}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_fetcher(
    handler: Handler, clock: FakeClock, settings: Settings | None = None, **kwargs: Any
) -> Fetcher:
    settings = settings or make_settings()
    client = build_http_client(settings, transport=httpx.MockTransport(handler))
    return Fetcher(
        client,
        retries=settings.http_retries,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        now=clock.now,
        rand=lambda: 0.5,
        **kwargs,
    )


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()

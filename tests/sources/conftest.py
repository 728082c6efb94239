"""Fixtures for source tests (helpers live in helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.sources.http import Fetcher

from .helpers import FakeClock, Handler, make_fetcher, make_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
async def fetchers(clock: FakeClock) -> AsyncIterator[Callable[..., Fetcher]]:
    """Factory fixture: build Fetchers over handlers; all clients are closed afterwards."""
    made: list[Fetcher] = []

    def factory(handler: Handler, settings: Settings | None = None, **kwargs: Any) -> Fetcher:
        fetcher = make_fetcher(handler, clock, settings, **kwargs)
        made.append(fetcher)
        return fetcher

    yield factory
    for fetcher in made:
        await fetcher.aclose()

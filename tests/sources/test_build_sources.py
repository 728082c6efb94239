"""build_sources: the configured sources, in order, sharing one Fetcher."""

from __future__ import annotations

import httpx

from bot.sources import ArxivSource, HuggingFaceSource, build_sources
from bot.sources.http import Fetcher

from .helpers import make_settings


async def test_sources_follow_settings_order() -> None:
    fetcher = Fetcher.from_settings(
        make_settings(), transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    try:
        default = build_sources(make_settings(), fetcher)
        assert [type(s) for s in default] == [HuggingFaceSource, ArxivSource]
        assert [s.name for s in default] == ["hf", "arxiv"]
        reversed_ = build_sources(make_settings(sources="arxiv,hf"), fetcher)
        assert [s.name for s in reversed_] == ["arxiv", "hf"]
        assert [s.name for s in build_sources(make_settings(sources=["hf", "hf"]), fetcher)] == [
            "hf"
        ]
        assert [s.name for s in build_sources(make_settings(sources=["arxiv"]), fetcher)] == [
            "arxiv"
        ]
    finally:
        await fetcher.aclose()


async def test_fetcher_from_settings_uses_configured_retries() -> None:
    fetcher = Fetcher.from_settings(make_settings(http_retries=7))
    assert fetcher.retries == 7
    await fetcher.aclose()

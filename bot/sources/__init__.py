"""Paper sources: Hugging Face Daily Papers first, arXiv second, over one shared Fetcher."""

from __future__ import annotations

from bot.config import Settings
from bot.ports import PaperSource
from bot.sources.arxiv import ArxivSource
from bot.sources.hf import HuggingFaceSource
from bot.sources.http import Fetcher, build_http_client

__all__ = ["ArxivSource", "Fetcher", "HuggingFaceSource", "build_http_client", "build_sources"]


def build_sources(settings: Settings, fetcher: Fetcher) -> list[PaperSource]:
    """The configured sources, in ``settings.sources`` order, each at most once."""
    sources: list[PaperSource] = []
    for name in dict.fromkeys(settings.sources):
        if name == "hf":
            sources.append(HuggingFaceSource(settings, fetcher))
        elif name == "arxiv":
            sources.append(ArxivSource(settings, fetcher))
    return sources

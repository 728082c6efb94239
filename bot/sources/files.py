"""Saved API responses on disk -> SourceBatch (``paperherald import FILE...``).

The format is detected from the content, not the extension: a JSON list of HF items
(daily_papers or papers/search), an arXiv API Atom feed, or an arXiv RSS/Atom announcement feed.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from bot.models import SourceBatch
from bot.ports import SourceError
from bot.sources.arxiv import parse_feed
from bot.sources.hf import error_text, parse_daily_papers

# Recorders name daily_papers captures after the requested date: daily_papers_2024-05-27.json,
# daily_papers_2024-10-25_first10of25.json, or just 2024-05-27.json.
_DAY_IN_NAME = re.compile(r"^(?:daily[_-]?papers[_-]?)?(\d{4}-\d{2}-\d{2})(?:\D|$)", re.IGNORECASE)


def day_from_name(name: str) -> date | None:
    """The requested date encoded in an HF capture's file name, if any."""
    match = _DAY_IN_NAME.match(Path(name).name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _unknown(name: str) -> SourceError:
    return SourceError(
        f"{name} is not an HF daily_papers/search JSON, an arXiv Atom feed or an arXiv RSS feed."
    )


def parse_bytes(data: bytes, name: str) -> SourceBatch:
    """Parse one saved response; ``name`` is used in messages and for the HF date fallback."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")  # tolerate a UTF-8 BOM and leading blank lines
    first = text[:1]
    try:
        if first in (b"[", b"{"):
            try:
                decoded = json.loads(text)
            except ValueError as exc:
                raise SourceError(f"{name} is not valid JSON (truncated or corrupt).") from exc
            message = error_text(decoded)
            if message is not None:
                raise SourceError(f"{name} holds a Hugging Face error, not papers: {message}.")
            if not isinstance(decoded, list):
                raise _unknown(name)
            return parse_daily_papers(decoded, requested_day=day_from_name(name))
        if first == b"<":
            return parse_feed(text)
    except SourceError as exc:
        message = str(exc)
        if name in message:
            raise
        raise SourceError(f"{name}: {message}") from exc
    raise _unknown(name)


def parse_file(path: Path) -> SourceBatch:
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SourceError(f"Cannot read {path}: {reason}.") from exc
    return parse_bytes(data, path.name)

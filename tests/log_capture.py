"""The production logging setup (bot.logs), pointed at a buffer, for end-to-end log checks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import setup_logging

LIBRARIES = (
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "httpx",
    "apscheduler",
    "bot",
    "adapters",
    "storage",
)


@contextmanager
def production_logs(secrets: list[str]) -> Iterator[io.StringIO]:
    """Everything at DEBUG, libraries included, through the real redaction filter."""
    root = logging.getLogger()
    saved = (
        root.handlers[:],
        root.level,
        {name: logging.getLogger(name).level for name in LIBRARIES},
    )
    buffer = io.StringIO()
    setup_logging("DEBUG", "json", secrets)
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)

"""Logging: one line per event, text or JSON; secrets are masked before anything is written."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol

_CONTEXT_FIELDS = ("platform", "workspace", "channel", "command", "user")


class RedactSecrets(logging.Filter):
    """Replace every known secret value in a record with ****, whatever the format string."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "****")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{n}={getattr(record, n)}" for n in _CONTEXT_FIELDS if hasattr(record, n))
        line = super().format(record)
        return f"{line} {extra}".rstrip()


class Prompt(Protocol):
    """A prompt waiting on the terminal (the console adapter's)."""

    def aside(self) -> AbstractContextManager[None]:
        """Around other output: end the prompt's line first, show the prompt again after."""
        ...


class TerminalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes records to stderr; when stderr is the terminal a prompt waits on, each line
    goes on a line of its own below the prompt, and the prompt is shown again after it."""

    prompt: Prompt | None = None

    def emit(self, record: logging.LogRecord) -> None:
        prompt = self.prompt
        if prompt is None or not _isatty(self.stream):
            super().emit(record)
            return
        with prompt.aside():
            super().emit(record)


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def share_terminal(prompt: Prompt) -> Callable[[], None]:
    """Keep log lines off ``prompt``'s line; returns the undo."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, TerminalHandler)]
    for handler in handlers:
        handler.prompt = prompt

    def undo() -> None:
        for handler in handlers:
            if handler.prompt is prompt:
                handler.prompt = None

    return undo


def console_level(explicit: bool) -> None:
    """The console answers on the terminal: between two answers only warnings and errors
    appear, unless PAPERHERALD_LOG_LEVEL was set (``explicit``), which is then obeyed."""
    root = logging.getLogger()
    if not explicit and root.level < logging.WARNING:
        root.setLevel(logging.WARNING)


def setup_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    handler = TerminalHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries are chatty at INFO; their warnings still come through.
    for noisy in (
        "httpx",
        "httpcore",
        "apscheduler",
        "discord",
        "slack_bolt",
        "slack_sdk",
        "aiosqlite",
        "asyncio",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))

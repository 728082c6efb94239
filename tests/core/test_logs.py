from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import JsonFormatter, RedactSecrets, TextFormatter


@pytest.fixture
def capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(["xoxb-123-secret", "MTIzNDU2.discord.token"]))
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.redact")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_secrets_are_masked_in_messages_args_and_tracebacks(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = capture
    logger.info("token is %s", "xoxb-123-secret", extra={"platform": "slack", "command": "search"})
    try:
        raise RuntimeError("auth failed for MTIzNDU2.discord.token")
    except RuntimeError:
        logger.exception("boom")
    out = stream.getvalue()
    assert "xoxb-123-secret" not in out and "MTIzNDU2.discord.token" not in out
    first = json.loads(out.splitlines()[0])
    assert first["msg"] == "token is ****"
    assert first["platform"] == "slack" and first["command"] == "search"
    assert "****" in out.splitlines()[1] or "****" in out


def test_text_format_is_one_line_with_context() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "command %s ok", ("search",), None)
    record.platform = "discord"
    record.workspace = "G1"
    line = TextFormatter("%(levelname)s %(message)s").format(record)
    assert line == "INFO command search ok platform=discord workspace=G1"

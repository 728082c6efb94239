"""A full Slack run at DEBUG, libraries included: no token or signing secret in any line."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from bot.app import run
from tests.adapters.slack.conftest import GENERAL, slash_payload
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.adapters.slack.test_end_to_end import fill, settings_from_env, stop
from tests.log_capture import production_logs


async def test_a_socket_mode_run_never_logs_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack
) -> None:
    settings = settings_from_env(
        tmp_path,
        monkeypatch,
        fake,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET="signing-secret-123456",
    )
    await fill(settings)
    secrets = [BOT_TOKEN, APP_TOKEN, "signing-secret-123456"]
    with production_logs(secrets) as logs:
        task = asyncio.create_task(run(settings))
        try:
            await fake.wait_for(lambda: fake.sockets or task.done(), within=10)
            for text in ("search step schedules", "channel setup 09:00 UTC 3", "post-now", "dance"):
                rid = uuid.uuid4().hex
                payload = slash_payload(
                    text, fake.response_url(rid), user="U0ALICE", channel=GENERAL
                )
                await fake.send_envelope("slash_commands", payload)
                await fake.wait_responses(rid)
        finally:
            await stop(task)
    text = logs.getvalue()
    assert '"command": "search"' in text and '"platform": "slack"' in text  # it did log
    for secret in secrets:
        assert secret not in text

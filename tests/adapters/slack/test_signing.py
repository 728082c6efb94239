"""HTTP mode checks Slack's request signature: a bad one or an old timestamp runs nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack import SlackAdapter, build_slack_adapter
from bot.bootstrap import Services
from tests.adapters.slack.conftest import (
    GENERAL,
    SECRET,
    form_body,
    message_event_payload,
    post_signed,
    signed_headers,
    slack_settings,
    slash_payload,
)
from tests.adapters.slack.fake_slack import FakeSlack


@pytest.fixture
async def http_adapter(
    tmp_path: Path, fake: FakeSlack, filled: Services
) -> AsyncIterator[SlackAdapter]:
    adapter = build_slack_adapter(
        slack_settings(tmp_path, fake, "http"), filled.dispatcher, http_port=0
    )
    await adapter.start()
    fake.calls.clear()  # the start-up auth.test
    yield adapter
    await adapter.close()


def body_for(fake: FakeSlack) -> tuple[str, str]:
    rid = uuid.uuid4().hex
    payload = slash_payload("help", fake.response_url(rid), user="U0ALICE", channel=GENERAL)
    return rid, form_body("slash_commands", payload)


BAD = {  # (signing secret, request age in seconds)
    "wrong secret": ("not-the-secret", 0),
    "six minutes old": (SECRET, 6 * 60),
}


@pytest.mark.parametrize("bad", BAD.values(), ids=list(BAD))
async def test_bad_requests_get_401_over_http(
    http_adapter: SlackAdapter, fake: FakeSlack, bad: tuple[str, int]
) -> None:
    rid, body = body_for(fake)
    headers = signed_headers(body, secret=bad[0], age=bad[1])
    status = await post_signed(http_adapter.bound_port or 0, body, headers)
    assert status == 401
    # Rejected before authorization: not even auth.test ran, let alone the command.
    assert fake.calls == [] and rid not in fake.responses
    # The same body, signed properly, is answered.
    assert await post_signed(http_adapter.bound_port or 0, body, signed_headers(body)) == 200
    await fake.wait_responses(rid)


@pytest.mark.parametrize("bad", BAD.values(), ids=list(BAD))
async def test_bad_requests_get_401_on_dispatch(
    http_adapter: SlackAdapter, fake: FakeSlack, bad: tuple[str, int]
) -> None:
    rid, body = body_for(fake)
    headers = signed_headers(body, secret=bad[0], age=bad[1])
    # dict(): bolt wants a dict[str, str | Sequence[str]], and dict is invariant
    resp = await http_adapter.app.async_dispatch(AsyncBoltRequest(body=body, headers=dict(headers)))
    assert resp.status == 401
    assert fake.calls == [] and rid not in fake.responses


async def test_unsigned_request_gets_401(http_adapter: SlackAdapter, fake: FakeSlack) -> None:
    _, body = body_for(fake)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert await post_signed(http_adapter.bound_port or 0, body, headers) == 401
    assert fake.calls == []


async def test_the_events_url_answers_slacks_url_verification(
    http_adapter: SlackAdapter,
) -> None:
    # Saving the Event Subscriptions request URL makes Slack send this challenge first.
    body = json.dumps({"token": "t", "challenge": "c0ffee", "type": "url_verification"})
    headers = signed_headers(body, content_type="application/json")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{http_adapter.bound_port}/slack/events", data=body, headers=headers
        ) as resp,
    ):
        assert resp.status == 200
        assert "c0ffee" in await resp.text()


async def test_a_badly_signed_event_counts_nothing(
    http_adapter: SlackAdapter, fake: FakeSlack
) -> None:
    body = json.dumps(
        message_event_payload(user="U0BOB", ts="1800000000.000001", thread_ts="1790000000.000001")
    )
    headers = signed_headers(body, secret="not-the-secret", content_type="application/json")
    assert await post_signed(http_adapter.bound_port or 0, body, headers) == 401
    assert fake.calls == []

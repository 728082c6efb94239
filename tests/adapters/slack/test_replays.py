"""A signed Slack request sent again inside the 5-minute signature window runs once
(issue 18, item 11): real signed HTTP requests to the adapter's aiohttp app."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from adapters.slack.replay import SIGNATURE_WINDOW, SeenRequests, request_key
from tests.adapters.slack.conftest import (
    GENERAL,
    Http,
    Slack,
    block_action_payload,
    button_labels,
    find_buttons,
    form_body,
    kind_headers,
    message_event_payload,
    post_signed,
    signed_headers,
    slash_payload,
)

http_only = pytest.mark.parametrize("slack", ["http"], indirect=True)
BOB = "U0BOB"


def port(slack: Slack) -> int:
    assert isinstance(slack.transport, Http)
    return slack.transport.port


async def a_public_card(slack: Slack) -> dict[str, Any]:
    answer = await slack.command('search "step schedules"')
    return {"ts": "1790000000.000009", "text": answer["text"], "blocks": answer["blocks"]}


def upvote_body(slack: Slack, card: dict[str, Any], rid: str, user: str) -> str:
    block, element = find_buttons(card["blocks"], "ph_upvote")[0]
    payload = block_action_payload(
        action_id=element["action_id"],
        value=element.get("value"),
        block_id=block["block_id"],
        response_url=slack.fake.response_url(rid),
        user=user,
        channel=GENERAL,
        message=card,
    )
    return form_body("interactive", payload)


@http_only
async def test_a_replayed_upvote_does_not_toggle_the_vote_back(slack: Slack) -> None:
    card = await a_public_card(slack)
    rid = uuid.uuid4().hex
    body = upvote_body(slack, card, rid, user="U0ALICE")
    headers = signed_headers(body, age=200)  # old, but inside Bolt's 5-minute window
    assert await post_signed(port(slack), body, headers) == 200
    (confirm,) = await slack.fake.wait_responses(rid)
    assert "Upvoted" in confirm["text"]
    # The very same signed request again: acked, and nothing runs.
    assert await post_signed(port(slack), body, headers) == 200
    # Bob's own click afterwards counts both votes.
    bob_rid = uuid.uuid4().hex
    bob_body = upvote_body(slack, card, bob_rid, user=BOB)
    assert await post_signed(port(slack), bob_body, signed_headers(bob_body)) == 200
    (bob_confirm,) = await slack.fake.wait_responses(bob_rid)
    assert "Upvoted" in bob_confirm["text"]
    assert len(slack.fake.responses[rid]) == 1  # no "Removed your vote"
    labels = [button_labels(c.params["blocks"], "ph_upvote") for c in slack.fake.of("chat.update")]
    assert labels == [["▲ Upvote · 1"], ["▲ Upvote · 2"]]


@http_only
async def test_a_replayed_command_is_answered_once(slack: Slack) -> None:
    rid = uuid.uuid4().hex
    payload = slash_payload(
        "subscribe zebrafish", slack.fake.response_url(rid), user="U0ALICE", channel=GENERAL
    )
    body = form_body("slash_commands", payload)
    headers = signed_headers(body, age=200)
    assert await post_signed(port(slack), body, headers) == 200
    (first,) = await slack.fake.wait_responses(rid)
    assert "Subscribed" in first["text"]
    assert await post_signed(port(slack), body, headers) == 200
    # A later command by the same person is answered; the replay never was.
    listing = await slack.command("subscriptions")
    assert "zebrafish" in listing["text"]
    assert len(slack.fake.responses[rid]) == 1


@http_only
async def test_a_replayed_event_is_handled_once(slack: Slack) -> None:
    recorded: list[str] = []
    original = slack.services.dispatcher.record_reply

    async def spy(*args: Any, **kwargs: Any) -> bool:
        recorded.append(str(kwargs["message_id"]))
        result: bool = await original(*args, **kwargs)
        slack.fake._notify()
        return result

    slack.services.dispatcher.record_reply = spy  # type: ignore[method-assign]
    event = message_event_payload(user=BOB, ts="1800000000.000001", thread_ts="1790000000.000001")
    body = form_body("events_api", event)
    headers = signed_headers(body, age=200, content_type="application/json")
    assert await post_signed(port(slack), body, headers) == 200
    await slack.fake.wait_for(lambda: recorded)
    assert await post_signed(port(slack), body, headers) == 200  # e.g. Slack's retry
    later = message_event_payload(user=BOB, ts="1800000000.000002", thread_ts="1790000000.000001")
    later_body = form_body("events_api", later)
    assert await post_signed(port(slack), later_body, kind_headers("events_api", later_body)) == 200
    await slack.fake.wait_for(lambda: "1800000000.000002" in recorded)
    assert recorded == ["1800000000.000001", "1800000000.000002"]


def test_ids_are_remembered_longer_than_the_signature_window() -> None:
    now = [0.0]
    seen = SeenRequests(clock=lambda: now[0])
    assert seen.ttl >= 2 * SIGNATURE_WINDOW  # a timestamp may be 5 minutes either side
    assert seen.first_time("trigger:T:1")
    now[0] = 2 * SIGNATURE_WINDOW - 1
    assert not seen.first_time("trigger:T:1")
    now[0] = 2 * SIGNATURE_WINDOW + 1  # expired, and forgotten
    assert seen.first_time("trigger:T:2") and len(seen) == 1


def test_the_memory_is_bounded() -> None:
    seen = SeenRequests(size=3, clock=lambda: 0.0)
    for i in range(10):
        assert seen.first_time(f"k{i}")
    assert len(seen) == 3
    assert not seen.first_time("k9")


@pytest.mark.parametrize(
    "body, key",
    [
        ({"type": "event_callback", "team_id": "T1", "event_id": "Ev1"}, "event:T1:Ev1"),
        ({"team_id": "T1", "trigger_id": "123.456.abc", "command": "/papers"}, "trigger:T1:"),
        (
            {"team": {"id": "T1"}, "user": {"id": "U1"}, "actions": [{"action_ts": "17.5"}]},
            "action:T1:U1:17.5",
        ),
        ({"type": "url_verification", "challenge": "c"}, None),
    ],
)
def test_request_keys(body: dict[str, Any], key: str | None) -> None:
    found = request_key(body)
    assert found == key or (key is not None and found is not None and found.startswith(key))

"""Slack harness: a fake Slack, a real adapter on the real Services, and three transports
(direct ``async_dispatch``, signed HTTP, Socket Mode) that run the same scenarios: slash
commands, button clicks and Events API callbacks."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack import SlackAdapter, build_slack_adapter
from bot.bootstrap import Services
from bot.config import Settings
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, BOT_USER, TEAM, FakeSlack
from tests.conftest import make_settings

SECRET = "fake-signing-secret"
GENERAL = "C0GENERAL"
ADMIN = "U0ADMIN"
ALICE = "U0ALICE"
TRANSPORTS = ("direct", "http", "socket")


def slack_settings(tmp_path: Path, fake: FakeSlack, mode: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_api_base_url": fake.api_url,
    }
    if mode == "socket":
        values["slack_app_token"] = APP_TOKEN
    else:
        values["slack_signing_secret"] = SECRET
    values.update(extra)
    return make_settings(tmp_path, **values)


def signed_headers(
    body: str,
    *,
    secret: str = SECRET,
    age: float = 0,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None  # None only when timestamp or body is None
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }


def form_body(kind: str, payload: dict[str, Any]) -> str:
    """How Slack POSTs over HTTP: a slash command as form fields, interactivity as
    ``payload=<json>``, an Events API callback as JSON."""
    if kind == "slash_commands":
        return urlencode(payload)
    if kind == "events_api":
        return json.dumps(payload)
    return urlencode({"payload": json.dumps(payload)})


def kind_headers(kind: str, body: str) -> dict[str, str]:
    if kind == "events_api":
        return signed_headers(body, content_type="application/json")
    return signed_headers(body)


# -- payloads (one factory: the fields Bolt reads) -----------------------------------------


def slash_payload(text: str, response_url: str, *, user: str, channel: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "fake",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/papers",
        "text": text,
        "api_app_id": "AFAKE",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": uuid.uuid4().hex,
    }


def block_action_payload(
    *,
    action_id: str,
    value: str | None,
    block_id: str,
    response_url: str,
    user: str,
    channel: str,
    message: dict[str, Any] | None,
    message_ts: str = "1790000000.000001",
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "x", "emoji": True},
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "AFAKE",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": message is None,
        },
        "trigger_id": uuid.uuid4().hex,
        "team": {"id": TEAM, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if message is not None:  # Slack sends the message back only when it is not ephemeral
        payload["message"] = message
        if message.get("thread_ts"):  # a click on a message inside a thread
            payload["container"]["thread_ts"] = message["thread_ts"]
    return payload


def message_event_payload(
    *,
    user: str | None,
    ts: str,
    thread_ts: str | None,
    channel: str = GENERAL,
    text: str = "Interesting!",
    channel_type: str = "channel",
    **extra: Any,
) -> dict[str, Any]:
    """An Events API ``event_callback`` for a ``message`` event (``extra`` goes into the
    event: ``subtype``, ``bot_id``, ...)."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": TEAM,
    }
    if user is not None:
        event["user"] = user
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "AFAKE",
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "enterprise_id": None}
        ],
        "is_ext_shared_channel": False,
        "event": event,
    }


def home_opened_payload(user: str, *, tab: str = "home") -> dict[str, Any]:
    """An Events API ``event_callback`` for ``app_home_opened``: the person opened one of
    the app's tabs (``home``, ``messages`` or ``about``)."""
    payload = message_event_payload(user=user, ts=f"{time.time():.6f}", thread_ts=None)
    payload["event"] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user,
        "tab": tab,
        "event_ts": payload["event"]["ts"],
    }
    return payload


def home_action_payload(
    *, view: dict[str, Any], block_id: str, element: dict[str, Any], user: str
) -> dict[str, Any]:
    """A click on a button of a published Home tab: Slack sends the view back, and no
    channel or response_url."""
    action = {
        "type": "button",
        "action_id": element["action_id"],
        "block_id": block_id,
        "text": element["text"],
        "action_ts": f"{time.time():.6f}",
        **({"value": element["value"]} if "value" in element else {}),
    }
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "AFAKE",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view["id"]},
        "trigger_id": uuid.uuid4().hex,
        "team": {"id": TEAM, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "state": {"values": {}}, "hash": "h"},
        "actions": [action],
    }


# -- transports ----------------------------------------------------------------------------


class Transport(Protocol):
    name: str

    async def send(self, kind: str, payload: dict[str, Any]) -> int: ...


@dataclass
class Direct:
    adapter: SlackAdapter
    name: str = "direct"

    async def send(self, kind: str, payload: dict[str, Any]) -> int:
        body = form_body(kind, payload)
        # dict(): bolt wants a dict[str, str | Sequence[str]], and dict is invariant
        resp = await self.adapter.app.async_dispatch(
            AsyncBoltRequest(body=body, headers=dict(kind_headers(kind, body)))
        )
        return resp.status


@dataclass
class Http:
    port: int
    name: str = "http"

    async def send(self, kind: str, payload: dict[str, Any]) -> int:
        body = form_body(kind, payload)
        return await post_signed(self.port, body, kind_headers(kind, body))


@dataclass
class Socket:
    fake: FakeSlack
    name: str = "socket"

    async def send(self, kind: str, payload: dict[str, Any]) -> int:
        eid = await self.fake.send_envelope(kind, payload)
        await self.fake.wait_for(lambda: eid in self.fake.acks)
        return 200


async def post_signed(port: int, body: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as r,
    ):
        return r.status


# -- harness --------------------------------------------------------------------------------


@dataclass
class Slack:
    fake: FakeSlack
    adapter: SlackAdapter
    services: Services
    transport: Transport

    async def command(
        self, text: str, *, user: str = ALICE, channel: str = GENERAL
    ) -> dict[str, Any]:
        """Run ``/papers <text>``; return what the bot answered through the response_url."""
        rid = uuid.uuid4().hex
        payload = slash_payload(text, self.fake.response_url(rid), user=user, channel=channel)
        assert await self.transport.send("slash_commands", payload) == 200
        return (await self.fake.wait_responses(rid))[0]

    async def click(
        self,
        blocks: list[dict[str, Any]],
        action_prefix: str,
        *,
        message: dict[str, Any] | None = None,
        user: str = ALICE,
        channel: str = GENERAL,
        expect: int = 1,
        nth: int = 0,
    ) -> list[dict[str, Any]]:
        """Click the ``nth`` button whose action_id starts with ``action_prefix`` in
        ``blocks``; ``message`` is the public message it sits in (None: ephemeral)."""
        block, element = find_buttons(blocks, action_prefix)[nth]
        rid = uuid.uuid4().hex
        payload = block_action_payload(
            action_id=element["action_id"],
            value=element.get("value"),
            block_id=block.get("block_id", "auto"),
            response_url=self.fake.response_url(rid),
            user=user,
            channel=channel,
            message=message,
        )
        assert await self.transport.send("interactive", payload) == 200
        return await self.fake.wait_responses(rid, expect)

    async def event(self, payload: dict[str, Any]) -> None:
        """Deliver an Events API callback; Bolt acks it before the listener runs."""
        assert await self.transport.send("events_api", payload) == 200

    def home_views(self, user: str) -> list[dict[str, Any]]:
        return self.fake.home_views.get(user, [])

    async def open_home(self, user: str = ALICE) -> dict[str, Any]:
        """Open the Home tab as ``user``; the view the bot published for them."""
        before = len(self.home_views(user))
        await self.event(home_opened_payload(user))
        await self.fake.wait_for(lambda: len(self.home_views(user)) > before)
        return self.home_views(user)[-1]

    async def click_home(
        self,
        view: dict[str, Any],
        action_prefix: str,
        *,
        user: str = ALICE,
        nth: int = 0,
    ) -> dict[str, Any]:
        """Click the ``nth`` ``action_prefix`` button of a published Home ``view`` (in a
        section's accessory or an actions block) as ``user``; the view then published for
        ``user`` (a click re-publishes the clicking person's page)."""
        block, element = home_buttons(view["blocks"], action_prefix)[nth]
        before = len(self.home_views(user))
        payload = home_action_payload(
            view=view, block_id=block.get("block_id", "auto"), element=element, user=user
        )
        assert await self.transport.send("interactive", payload) == 200
        await self.fake.wait_for(lambda: len(self.home_views(user)) > before)
        return self.home_views(user)[-1]


def find_buttons(
    blocks: list[dict[str, Any]], action_prefix: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (b, e)
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if str(e.get("action_id", "")).startswith(action_prefix)
    ]


def home_buttons(
    blocks: list[dict[str, Any]], action_prefix: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Buttons of a view: in actions blocks and as sections' accessories, in order."""
    found = []
    for b in blocks:
        elements = b["elements"] if b.get("type") == "actions" else [b.get("accessory") or {}]
        found += [(b, e) for e in elements if str(e.get("action_id", "")).startswith(action_prefix)]
    return found


def button_labels(blocks: list[dict[str, Any]], action_prefix: str) -> list[str]:
    return [e["text"]["text"] for _, e in find_buttons(blocks, action_prefix)]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()
    assert not server.unknown, f"the bot called unknown Slack methods: {server.unknown}"
    assert not server.violations, f"Block Kit limits broken: {server.violations}"


@pytest.fixture(params=TRANSPORTS)
async def slack(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeSlack, filled: Services
) -> AsyncIterator[Slack]:
    mode = request.param
    settings = slack_settings(tmp_path, fake, mode, slack_admins=[ADMIN])
    adapter = build_slack_adapter(settings, filled.dispatcher, post_interval=0, http_port=0)
    filled.attach(adapter)
    transport: Transport
    if mode == "direct":
        transport = Direct(adapter)
    else:
        await adapter.start()
        transport = Http(adapter.bound_port or 0) if mode == "http" else Socket(fake)
    try:
        yield Slack(fake, adapter, filled, transport)
    finally:
        await adapter.close()

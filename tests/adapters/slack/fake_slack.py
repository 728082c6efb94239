"""A fake Slack on 127.0.0.1 for the real slack-bolt / slack_sdk code paths.

- Web API: ``POST|GET /api/<method>`` for the methods the bot uses; every call is recorded;
  an unknown method answers 404 and is listed in ``unknown`` (the fixture fails the test).
- ``/response/<id>``: a response_url sink recording what ``respond()`` sends.
- ``/link``: the Socket Mode websocket: ``hello``, then envelopes on demand; acks recorded.
- Every message sent is checked against Block Kit's limits; a violation is recorded in
  ``violations`` and answered ``invalid_blocks``, as Slack would. So is every Home tab
  published (``views.publish``, 100 blocks), kept per user in ``home_views``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

T = TypeVar("T")

BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
TEAM = "T0FAKE"
BOT_USER = "UBOT"

# Methods whose payload is a message: checked against Block Kit's limits.
MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float


@dataclass
class Failure:
    status: int = 200
    error: str = "internal_error"
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def block_kit_problems(blocks: list[dict[str, Any]], max_blocks: int = 50) -> list[str]:
    """Slack's documented limits (see shared/PLATFORM-LIMITS.md): 50 blocks in a message,
    100 in a view."""
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks")
    for b in blocks:
        kind = b.get("type")
        text = (b.get("text") or {}).get("text", "")
        if kind == "section" and len(text) > 3000:
            problems.append(f"section text {len(text)}")
        accessory = b.get("accessory") or {}
        if accessory.get("type") == "button" and len(accessory["text"]["text"]) > 75:
            problems.append("button text")
        if kind == "header" and len(text) > 150:
            problems.append(f"header {len(text)}")
        if kind == "context" and len(b.get("elements", [])) > 10:
            problems.append("context elements")
        if kind == "actions":
            elements = b.get("elements", [])
            if len(elements) > 25:
                problems.append("action elements")
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                problems.append(f"duplicate action_id in {ids}")
            for e in elements:
                if len(e["text"]["text"]) > 75:
                    problems.append("button text")
                if len(e.get("value") or "") > 2000:
                    problems.append("button value")
                if len(e.get("action_id") or "") > 255:
                    problems.append("action_id")
        if len(b.get("block_id") or "") > 255:
            problems.append("block_id")
    return problems


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.acks: dict[str, dict[str, Any]] = {}
        self.unknown: list[str] = []
        self.violations: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        # conversations.members: a channel listed here answers its members; others answer
        # not_in_channel (the adapter then does not restrict Discuss).
        self.members: dict[str, list[str]] = {}
        self.dm_closed: dict[str, str] = {}  # user id -> Slack error
        self.failures: dict[str, list[Failure]] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self._ts = itertools.count(1)
        self.uploads: dict[str, dict[str, Any]] = {}  # file id -> filename, length, data
        self.home_views: dict[str, list[dict[str, Any]]] = {}  # user id -> views published
        self._event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, rid: str) -> str:
        return f"{self.base}/response/{rid}"

    # -- test helpers -----------------------------------------------------------------------
    def fail(self, method: str, failure: Failure, times: int = 1) -> None:
        self.failures.setdefault(method, []).extend([failure] * times)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def _notify(self) -> None:
        self._event.set()

    async def wait_for(self, predicate: Callable[[], T], within: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every recorded event)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("timed out waiting for the fake Slack")
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    async def wait_responses(self, rid: str, count: int = 1) -> list[dict[str, Any]]:
        await self.wait_for(lambda: len(self.responses.get(rid, [])) >= count)
        return self.responses[rid]

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        await self.wait_for(lambda: self.sockets)
        eid = uuid.uuid4().hex
        envelope = {
            "envelope_id": eid,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        await self.sockets[-1].send_json(envelope)
        return eid

    # -- handlers ---------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(parse_qsl((await request.read()).decode()))
        for key in ("blocks", "unfurls"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or str(params.get("token", ""))
        self.calls.append(Call(method, params, token, asyncio.get_running_loop().time()))
        try:
            return self._answer(method, params, token)
        finally:
            self._notify()

    def _answer(self, method: str, params: dict[str, Any], token: str) -> web.Response:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            self.unknown.append(method)
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        queued = self.failures.get(method)
        if queued:
            f = queued.pop(0)
            return web.json_response(
                {"ok": False, "error": f.error, **f.extra}, status=f.status, headers=f.headers
            )
        if method in MESSAGE_METHODS:
            problems = block_kit_problems(params.get("blocks") or [])
            if problems:
                self.violations += problems
                return web.json_response({"ok": False, "error": "invalid_blocks"})
        body: dict[str, Any] = handler(params)
        return web.json_response({"ok": "error" not in body, **body})

    def _next_ts(self) -> str:
        return f"1790000000.{next(self._ts):06d}"

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "paperherald",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "BFAKE",
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_url or f"ws://127.0.0.1:{self.port}/link"}

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel"))
        problem = self._channel_problem(channel)
        if problem:
            return {"error": problem}
        return {"channel": channel, "ts": self._next_ts(), "message": {"text": p.get("text")}}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text")}

    def _m_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel")), str(p.get("message_ts"))
        return {
            "channel": channel,
            "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _m_chat_unfurl(self, p: dict[str, Any]) -> dict[str, Any]:
        """Unfurls for a message's links: ``channel`` + ``ts`` (or ``unfurl_id`` + ``source``)
        and ``unfurls``, a map from each URL as the event gave it to a message attachment
        (Block Kit ``blocks`` here), checked against the same limits as messages."""
        where = (p.get("channel") and p.get("ts")) or (p.get("unfurl_id") and p.get("source"))
        unfurls = p.get("unfurls")
        if not where or not isinstance(unfurls, dict) or not unfurls:
            return {"error": "invalid_arguments"}
        for attachment in unfurls.values():
            problems = block_kit_problems(attachment.get("blocks") or [])
            if problems:
                self.violations += problems
                return {"error": "invalid_unfurls"}
        return {}

    # files_upload_v2: an upload URL per file, the bytes posted there, then the completion
    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{len(self.uploads) + 1:06d}"
        self.uploads[file_id] = {"filename": p.get("filename"), "length": int(p["length"])}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(p["files"]) if isinstance(p.get("files"), str) else p["files"]
        done = []
        for f in files:
            upload = self.uploads.get(f["id"])
            if upload is None or len(upload.get("data", b"")) != upload["length"]:
                return {"error": "file_upload_incomplete"}
            upload.update(channel=p.get("channel_id"), comment=p.get("initial_comment"))
            done.append({"id": f["id"], "title": f.get("title"), "name": upload["filename"]})
        return {"files": done}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        """A user's Home tab: a ``home`` view of 1–100 blocks, checked like messages. The
        answer is the view as Slack stores it (with its id), as a click will send it back."""
        user, view = p.get("user_id"), p.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            return {"error": "invalid_arguments"}
        blocks = view.get("blocks") or []
        problems = block_kit_problems(blocks, max_blocks=100) if blocks else ["no blocks"]
        if problems:
            self.violations += problems
            return {"error": "invalid_arguments"}
        stored = {**view, "id": f"VHOME{user}", "team_id": TEAM, "app_id": "AFAKE"}
        self.home_views.setdefault(str(user), []).append(stored)
        return {"view": stored}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users"))
        if user in self.dm_closed:
            return {"error": self.dm_closed[user]}
        return {"channel": {"id": "D" + user}}

    def _m_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(p.get("channel")))
        if info is None:
            return {"error": "channel_not_found"}
        return {"channel": {"id": p.get("channel"), "is_member": True, **info}}

    def _m_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        members = self.members.get(str(p.get("channel")))
        if members is None:
            return {"error": "not_in_channel"}
        return {"members": members, "response_metadata": {"next_cursor": ""}}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        uid = str(p.get("user"))
        user = {"id": uid, "name": uid.lower(), "real_name": f"Real {uid}", "team_id": TEAM}
        user.update(self.users.get(uid, {}))
        return {"user": user}

    def _channel_problem(self, channel: str) -> str | None:
        info = self.channels.get(channel)
        if info is None:
            return None  # unknown channels accept posts: most tests do not care
        if info.get("is_archived"):
            return "is_archived"
        if info.get("is_member") is False:
            return "not_in_channel"
        return None

    async def _response(self, request: web.Request) -> web.Response:
        data = await request.json()
        problems = block_kit_problems(data.get("blocks") or [])
        self.violations += problems
        self.responses.setdefault(request.match_info["rid"], []).append(data)
        self._notify()
        return web.Response(text="ok" if not problems else "invalid_blocks")

    async def _upload(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload["data"] = await request.read()
        self._notify()
        return web.Response(text="OK - " + str(len(upload["data"])))

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "AFAKE"}}
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                        self._notify()
        finally:
            self.sockets.remove(ws)
        return ws

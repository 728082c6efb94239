"""A small Discord (gateway + REST) on 127.0.0.1 for the real discord.py client.

It records every request, answers what the adapter uses, and treats anything else as a gap:
an unknown route answers 404 and is listed in ``unexpected`` (the fixture fails the test).
Faults (429, 403, 50007, 5xx) are queued per route with :meth:`FakeDiscord.fail`.

Like Discord, it tells the gateway about what REST created: THREAD_CREATE for a new thread or
forum post, MESSAGE_CREATE for each channel message the bot posts (``echo_messages``), and
the active threads in GUILD_CREATE. :meth:`FakeDiscord.post_as` is someone else writing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.adapters.discord import payloads as p

JSON = dict[str, Any]
Handler = Callable[["Request", re.Match[str]], Awaitable[web.StreamResponse]]
API = "/api/v10"


@dataclass
class Request:
    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int = 0
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, bytes

    def matches(self, method: str, pattern: str) -> bool:
        return self.method == method and re.fullmatch(pattern, self.path) is not None


@dataclass
class Fault:
    method: str
    pattern: str
    status: int
    body: JSON
    headers: dict[str, str]
    times: int


@dataclass
class InteractionLog:
    """Everything the client sent back for one interaction token, in order."""

    payload: JSON
    replies: list[Request] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def token(self) -> str:
        return str(self.payload["token"])

    async def wait(self, count: int = 1, within: float = 5.0) -> list[Request]:
        """Wait for ``count`` message-bearing replies (callback 4/7/8, follow-up, @original edit)."""

        async def enough() -> None:
            while len(self.messages()) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(enough(), within)
        return self.messages()

    def messages(self) -> list[Request]:
        return [r for r in self.replies if _is_message_reply(r)]

    def callbacks(self) -> list[int]:
        return [int(r.body["type"]) for r in self.replies if r.path.endswith("/callback")]


def _is_message_reply(r: Request) -> bool:
    if r.path.endswith("/callback"):
        return int(r.body["type"]) in (4, 7, 8)
    return r.method in ("POST", "PATCH")


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # Exactly "application/json": with "; charset=utf-8" discord.py reads text (pitfall 1).
    out = {
        "Content-Type": "application/json",
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": "fake-bucket",
    }
    out.update(headers or {})
    return web.Response(body=json.dumps(body).encode(), status=status, headers=out)


class FakeDiscord:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.unexpected: list[str] = []
        self.gateway_frames: list[JSON] = []
        self.channels: dict[int, JSON] = {int(c["id"]): c for c in p.guild_channels()}
        self.messages: dict[int, JSON] = {}
        self.interactions: dict[str, InteractionLog] = {}
        self.originals: dict[str, int] = {}  # token -> @original message id
        self.closed_dms: set[int] = {p.CLOSED_DM_ID}
        self.faults: list[Fault] = []
        self.identified = asyncio.Event()
        self.resumed = asyncio.Event()
        self.connections = 0
        self.hold_ready = False  # True: IDENTIFY gets no READY (a gateway that hangs)
        self.echo_messages = True  # the bot's own posts come back as MESSAGE_CREATE
        self._ids = itertools.count(1300000000000100000)
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Condition()
        self._send_lock = asyncio.Lock()  # one frame at a time, sequence numbers in order
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            ("PUT", re.compile(r"/applications/(\d+)/commands"), self._put_commands),
            ("PUT", re.compile(r"/applications/(\d+)/guilds/(\d+)/commands"), self._put_commands),
            ("POST", re.compile(r"/interactions/(\d+)/([^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(\d+)/([^/]+)"), self._followup),
            (
                "GET",
                re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._get_webhook_message,
            ),
            (
                "PATCH",
                re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"),
                self._edit_webhook_message,
            ),
            ("GET", re.compile(r"/channels/(\d+)"), self._get_channel),
            ("POST", re.compile(r"/channels/(\d+)/messages"), self._create_message),
            ("PATCH", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._edit_message),
            ("DELETE", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._delete_message),
            (
                "POST",
                re.compile(r"/channels/(\d+)/messages/(\d+)/threads"),
                self._thread_from_message,
            ),
            ("POST", re.compile(r"/channels/(\d+)/threads"), self._forum_post),
            ("POST", re.compile(r"/users/@me/channels"), self._open_dm),
        ]

    # ------------------------------------------------------------------ lifecycle
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        # runner.addresses: the (host, port) each started site listens on
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in self._sockets:
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def next_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ test controls
    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        body: JSON,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests matching (method, path regex) get this answer."""
        self.faults.append(Fault(method, pattern, status, body, headers or {}, times))

    def find(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.matches(method, pattern)]

    async def wait_for(
        self, method: str, pattern: str, count: int = 1, within: float = 5.0
    ) -> list[Request]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.find(method, pattern)) >= count), within
            )
        return self.find(method, pattern)

    async def send_gateway(self, frame: JSON) -> None:
        assert self._ws is not None, "no gateway connection"
        await self._ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: Any) -> None:
        async with self._send_lock:
            self._seq += 1
            await self.send_gateway(p.dispatch(event, self._seq, data))

    async def notify(self, event: str, data: Any) -> None:
        """A dispatch caused by a REST call: dropped when no session is open (as on Discord)."""
        if self._ws is None or self._ws.closed:
            return
        await self.dispatch(event, data)

    async def post_as(
        self,
        author: JSON,
        channel_id: int,
        *,
        reply_to: JSON | None = None,
        kind: int | None = None,
        webhook_id: int | None = None,
        message_id: int | None = None,
    ) -> JSON:
        """Someone writes in a channel or thread (optionally replying to a stored message):
        stored, and dispatched as MESSAGE_CREATE. ``message_id`` repeats an earlier event."""
        data = p.user_message(
            message_id or self.next_id(),
            channel_id,
            author,
            guild_id=self._guild_of(channel_id),
            reply_to=reply_to,
            kind=kind,
            webhook_id=webhook_id,
        )
        self._store(data)
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    async def request_reconnect(self) -> None:
        """Op 7: the client must reconnect and RESUME at READY's resume_gateway_url."""
        self.resumed.clear()
        await self.send_gateway({"op": 7, "d": None, "s": None, "t": None})

    async def interact(self, payload: JSON) -> InteractionLog:
        log = InteractionLog(payload)
        self.interactions[log.token] = log
        await self.dispatch("INTERACTION_CREATE", payload)
        return log

    def gateway_closed(self) -> bool:
        return all(ws.closed for ws in self._sockets)

    def active_threads(self) -> list[JSON]:
        return [c for c in self.channels.values() if c["type"] in (11, 12)]

    def channel_messages(self, channel_id: int) -> list[JSON]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    # ------------------------------------------------------------------ gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self._sockets.append(ws)
        self.connections += 1
        await ws.send_str(json.dumps(p.hello()))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            self.gateway_frames.append(frame)
            op = frame.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2 and self.hold_ready:
                self.identified.set()
            elif op == 2:
                self._seq = 0
                await self.dispatch("READY", p.ready(self.gateway_url))
                await self.dispatch("GUILD_CREATE", p.guild(self.active_threads()))
                self.identified.set()
            elif op == 6:
                await self.dispatch("RESUMED", {"_trace": ['["fake-gateway",{"micros":1}]']})
                self.resumed.set()
        return ws

    # ------------------------------------------------------------------ REST
    async def _rest(self, request: web.Request) -> web.StreamResponse:
        files: list[tuple[str, str, bytes]] = []
        if request.content_type == "multipart/form-data":  # a message with attachments
            body: Any = None
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)
                if part.name == "payload_json":
                    body = json.loads(await part.read())
                else:
                    kind = part.headers.get("Content-Type", "")
                    files.append((part.filename or "", kind, bytes(await part.read())))
        else:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        path = request.path.removeprefix(API)
        rec = Request(request.method, path, dict(request.query), body, dict(request.headers))
        rec.files = files
        self.requests.append(rec)
        response = await self._answer(rec, request.path.startswith(API))
        rec.status = response.status
        if rec.path.startswith(("/interactions/", "/webhooks/")):
            self._note_interaction(rec)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def _answer(self, rec: Request, versioned: bool) -> web.StreamResponse:
        for fault in self.faults:
            if fault.times > 0 and rec.matches(fault.method, fault.pattern):
                fault.times -= 1
                return json_response(fault.body, fault.status, fault.headers)
        if versioned:
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(rec.path)
                if method == rec.method and match:
                    return await handler(rec, match)
        self.unexpected.append(f"{rec.method} {rec.path}")
        return json_response(p.error_body(0, "404: Not Found"), 404)

    def _note_interaction(self, rec: Request) -> None:
        token = rec.path.split("/")[3]  # /interactions/{id}/{token}/… and /webhooks/{app}/{token}…
        log = self.interactions.get(token)
        if log is not None:
            log.replies.append(rec)
            log.changed.set()

    def _store(self, message: JSON) -> JSON:
        self.messages[int(message["id"])] = message
        channel = self.channels.get(int(message["channel_id"]))
        if channel is not None:
            channel["last_message_id"] = message["id"]
        return message

    def _guild_of(self, channel_id: int) -> int | None:
        channel = self.channels.get(channel_id)
        return int(channel["guild_id"]) if channel and channel.get("guild_id") else None

    async def _me(self, rec: Request, m: re.Match[str]) -> web.Response:
        return json_response(p.bot_user())

    async def _application(self, rec: Request, m: re.Match[str]) -> web.Response:
        return json_response(p.application())

    async def _put_commands(self, rec: Request, m: re.Match[str]) -> web.Response:
        guild = int(m.group(2)) if m.lastindex and m.lastindex >= 2 else None
        return json_response(p.registered_commands(rec.body, guild))

    async def _callback(self, rec: Request, m: re.Match[str]) -> web.Response:
        interaction_id, token = int(m.group(1)), m.group(2)
        log = self.interactions.get(token)
        payload: JSON = log.payload if log else {"type": 2, "channel_id": "0"}
        kind = int(rec.body["type"])
        data = rec.body.get("data") or {}
        channel_id = int(payload.get("channel_id") or 0)
        guild_id = self._guild_of(channel_id)
        created: JSON | None = None
        if kind in (4, 5):  # a message, or the "thinking…" placeholder
            flags = int(data.get("flags") or 0) | (p.LOADING if kind == 5 else 0)
            created = self._store(
                p.message(
                    self.next_id(),
                    channel_id,
                    data,
                    guild_id=guild_id,
                    flags=flags,
                    interaction_id=interaction_id,
                )
            )
            self.originals[token] = int(created["id"])
        elif kind == 7:  # update the message the component was on
            clicked: JSON = payload["message"]
            stored = self.messages.get(int(clicked["id"]), clicked)
            created = self._store(self._apply_edit(stored, data))
        elif kind == 6 and "message" in payload:  # deferred update: @original is the clicked one
            self.originals[token] = int(payload["message"]["id"])
        return json_response(
            p.callback_response(interaction_id, int(payload["type"]), kind, created)
        )

    async def _followup(self, rec: Request, m: re.Match[str]) -> web.StreamResponse:
        token = m.group(2)
        log = self.interactions.get(token)
        channel_id = int(log.payload.get("channel_id") or 0) if log else 0
        created = self._store(
            p.message(self.next_id(), channel_id, rec.body, guild_id=self._guild_of(channel_id))
        )
        if rec.query.get("wait") in ("true", "1", "True"):
            return json_response(created)
        return web.Response(status=204)

    def _webhook_target(self, token: str, which: str) -> JSON | None:
        message_id = self.originals.get(token) if which == "@original" else int(which)
        return self.messages.get(message_id) if message_id is not None else None

    async def _get_webhook_message(self, rec: Request, m: re.Match[str]) -> web.Response:
        found = self._webhook_target(m.group(2), m.group(3))
        if found is None:
            return json_response(p.error_body(10008, "Unknown Message"), 404)
        return json_response(found)

    async def _edit_webhook_message(self, rec: Request, m: re.Match[str]) -> web.Response:
        found = self._webhook_target(m.group(2), m.group(3))
        if found is None:
            return json_response(p.error_body(10008, "Unknown Message"), 404)
        return json_response(self._store(self._apply_edit(found, rec.body)))

    @staticmethod
    def _apply_edit(message: JSON, body: JSON) -> JSON:
        updated = dict(message)
        for key in ("content", "components"):
            if key in body:
                updated[key] = body[key] or ([] if key == "components" else "")
        if "embeds" in body:
            updated["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        updated["flags"] = int(message.get("flags") or 0) & ~p.LOADING
        updated["edited_timestamp"] = p.now_iso()
        return updated

    async def _get_channel(self, rec: Request, m: re.Match[str]) -> web.Response:
        channel = self.channels.get(int(m.group(1)))
        if channel is None:
            return json_response(p.error_body(10003, "Unknown Channel"), 404)
        return json_response(channel)

    async def _create_message(self, rec: Request, m: re.Match[str]) -> web.Response:
        channel_id = int(m.group(1))
        channel = self.channels.get(channel_id)
        if channel is None:
            return json_response(p.error_body(10003, "Unknown Channel"), 404)
        if channel["type"] == 15:  # a forum takes posts (threads), never a plain message
            return json_response(
                p.error_body(50008, "Cannot send messages in a non-text channel"), 400
            )
        guild_id = int(channel["guild_id"]) if channel.get("guild_id") else None
        created = self._store(p.message(self.next_id(), channel_id, rec.body, guild_id=guild_id))
        if self.echo_messages:
            await self.notify("MESSAGE_CREATE", created)
        return json_response(created)

    async def _edit_message(self, rec: Request, m: re.Match[str]) -> web.Response:
        found = self.messages.get(int(m.group(2)))
        if found is None or int(found["channel_id"]) != int(m.group(1)):
            return json_response(p.error_body(10008, "Unknown Message"), 404)
        return json_response(self._store(self._apply_edit(found, rec.body)))

    async def _delete_message(self, rec: Request, m: re.Match[str]) -> web.StreamResponse:
        if self.messages.pop(int(m.group(2)), None) is None:
            return json_response(p.error_body(10008, "Unknown Message"), 404)
        return web.Response(status=204)

    async def _thread_from_message(self, rec: Request, m: re.Match[str]) -> web.Response:
        channel_id, message_id = int(m.group(1)), int(m.group(2))
        if message_id not in self.messages:
            return json_response(p.error_body(10008, "Unknown Message"), 404)
        if message_id in self.channels:
            return json_response(
                p.error_body(160004, "A thread has already been created for this message"), 400
            )
        # A thread started from a message has the message's id.
        created = p.thread(message_id, channel_id, rec.body["name"])
        self.channels[message_id] = created
        await self.notify("THREAD_CREATE", p.thread_create(created))
        return json_response(created, 201)

    async def _forum_post(self, rec: Request, m: re.Match[str]) -> web.Response:
        channel_id = int(m.group(1))
        channel = self.channels.get(channel_id)
        if channel is None or channel["type"] != 15:
            return json_response(
                p.error_body(50024, "Cannot execute action on this channel type"), 400
            )
        thread_id = self.next_id()
        created = p.thread(thread_id, channel_id, rec.body["name"])
        self.channels[thread_id] = created
        # A forum post's first message has the thread's id and lives inside the thread.
        starter = self._store(p.message(thread_id, thread_id, rec.body.get("message") or {}))
        await self.notify("THREAD_CREATE", p.thread_create(created))
        if self.echo_messages:
            await self.notify("MESSAGE_CREATE", starter)
        return json_response({**created, "message": starter}, 201)

    async def _open_dm(self, rec: Request, m: re.Match[str]) -> web.Response:
        recipient = int(rec.body["recipient_id"])
        channel_id = recipient + 7  # stable per user, distinct from the user id
        channel = p.dm_channel(channel_id, p.user(recipient, f"user{recipient}"))
        if recipient in self.closed_dms:
            # Opening works; sending is refused (as on Discord).
            self.fail(
                "POST",
                rf"/channels/{channel_id}/messages",
                403,
                p.error_body(50007, "Cannot send messages to this user"),
            )
        self.channels[channel_id] = channel
        return json_response(channel)

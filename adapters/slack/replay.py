"""Run each Slack request once: a replayed signed request is acked and dropped.

Bolt checks the signature and that the timestamp is within 5 minutes, so a request captured
on the way (or retried by Slack) could be sent again inside that window and would run again:
an Upvote toggled back, a command answered twice. Every request that does something carries
an id Slack never reuses: ``event_id`` (Events API), ``trigger_id`` (slash commands, buttons,
views), and each action's ``action_ts``. Ids are remembered in memory for ``REPLAY_WINDOW``
seconds, more than the signature window in both directions (a timestamp may be up to 5 minutes
ahead of our clock too). Memory is enough because one process receives Slack's requests:
Bolt's HTTP listener (one port, one Request URL) and the Socket Mode connection both live in
the bot's process. What it does not cover: a request replayed to a freshly restarted process
within 5 minutes of its signature, or several processes behind one load balancer; those would
need the ids in the database (a table with an expiry), which this deployment does not need.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

SIGNATURE_WINDOW = 5 * 60  # slack_sdk's SignatureVerifier: |now - timestamp| <= 300 s
REPLAY_WINDOW = 2 * SIGNATURE_WINDOW
MAX_REMEMBERED = 50_000  # ~ 80 requests a second for 10 minutes; a few MB at most


class SeenRequests:
    """Request ids seen in the last ``ttl`` seconds, at most ``size`` of them (the oldest
    is forgotten first)."""

    def __init__(
        self,
        ttl: float = REPLAY_WINDOW,
        size: int = MAX_REMEMBERED,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # in first-seen order

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen within the window (and remember it)."""
        now = self._clock()
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now and len(self._expiry) < self.size:
                break
            del self._expiry[oldest]
        if key in self._expiry:
            return False
        self._expiry[key] = now + self.ttl
        return True

    def __len__(self) -> int:
        return len(self._expiry)


def request_key(body: dict[str, Any]) -> str | None:
    """The id that makes this request unique, or None for a request that does nothing twice
    (url_verification, ssl_check)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{team}:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{team}:{body['trigger_id']}"
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        stamp = actions[0].get("action_ts")
        if stamp:
            user = (body.get("user") or {}).get("id") or ""
            return f"action:{team}:{user}:{stamp}"
    return None


class DropReplays(AsyncMiddleware):
    """Global Bolt middleware, after the signature check: a request id seen before gets an
    empty 200 (so Slack stops retrying) and reaches no listener."""

    def __init__(self, seen: SeenRequests | None = None) -> None:
        self.seen = seen or SeenRequests()

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        key = request_key(req.body)
        if key is None or self.seen.first_time(key):
            return await next()
        log.info("slack: dropped a repeated request (%s)", key.split(":", 1)[0])
        return BoltResponse(status=200, body="")

"""Who is calling: a UserRef with the admin flag from ``users.info``, cached briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import API_FAILURES
from bot.models import Platform, UserRef

log = logging.getLogger(__name__)
MEMBERS_TTL = 300.0  # seconds a channel's member list is trusted (joins show within 5 min)
MEMBERS_PAGES = 20  # of 1,000 members: past that the check is skipped, not slowed


class People:
    """Admins are admins/owners of the installing workspace (``users.info``) or ids in
    ``SLACK_ADMINS``.

    In a Slack Connect channel ``users.info`` of a member from another organisation reports
    *their* organisation's ``is_admin``; so the role counts only when the user's ``team_id``
    is the installing team (``auth.test``; set at start as ``home_team``, else asked once).

    Answers are cached for ``ttl`` seconds: a burst of clicks costs one ``users.info`` call,
    and a demoted admin loses the right within a minute.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        admins: Iterable[str] = (),
        *,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.admins = frozenset(a.strip() for a in admins if a.strip())
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, str, bool]] = {}
        self.home_team: str | None = None  # the installing team, from auth.test
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    async def member_of(self, channel_id: str, user_id: str) -> bool:
        """Whether the user belongs to the channel (``conversations.members``, cached per
        channel for ``MEMBERS_TTL``). Only members may make the bot open a thread there.
        When Slack cannot say (a DM, the bot not in the channel, an API fault) the answer is
        yes: posting itself is checked separately, and a fault must not disable Discuss."""
        if not channel_id.startswith(("C", "G")):
            return True
        now = self._clock()
        hit = self._members.get(channel_id)
        if hit is None or hit[0] <= now:
            members = await self._channel_members(channel_id)
            if members is None:
                return True
            if len(self._members) > 1000:
                self._members = {k: v for k, v in self._members.items() if v[0] > now}
            hit = (now + MEMBERS_TTL, members)
            self._members[channel_id] = hit
        return user_id in hit[1]

    async def _channel_members(self, channel_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = ""
        for _ in range(MEMBERS_PAGES):
            try:
                resp = await self.client.conversations_members(
                    channel=channel_id, limit=1000, cursor=cursor or None
                )
            except API_FAILURES as exc:
                log.warning("conversations.members for %s failed (%s)", channel_id, exc)
                return None
            found.update(str(m) for m in resp.get("members") or ())
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return frozenset(found)
        log.warning(
            "conversations.members for %s: over %d pages; not checked", channel_id, MEMBERS_PAGES
        )
        return None

    async def caller(self, team_id: str, user_id: str, name: str = "") -> UserRef:
        key = (team_id, user_id)
        now = self._clock()
        hit = self._cache.get(key)
        if hit is None or hit[0] <= now:
            hit = await self._lookup(user_id, name)
            if hit is None:
                # Not cached: the next command asks Slack again.
                return self._ref(team_id, user_id, name, False)
            if len(self._cache) > 5000:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[key] = hit
        _, display, is_admin = hit
        return self._ref(team_id, user_id, display or name, is_admin)

    def _ref(self, team_id: str, user_id: str, name: str, is_admin: bool) -> UserRef:
        return UserRef(
            Platform.SLACK.value,
            team_id,
            user_id,
            name or user_id,
            is_admin=is_admin or user_id in self.admins,
        )

    async def _lookup(self, user_id: str, name: str) -> tuple[float, str, bool] | None:
        try:
            resp = await self.client.users_info(user=user_id)
        except API_FAILURES as exc:
            log.warning("users.info for %s failed (%s): treating as not an admin", user_id, exc)
            return None
        user = resp.get("user") or {}
        profile = user.get("profile") or {}
        display = str(
            profile.get("display_name") or user.get("real_name") or user.get("name") or name
        )
        role = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        if role:
            home = await self._home_team()
            if home is None or user.get("team_id") != home:
                if home is not None:
                    log.info(
                        "slack: %s is an admin of team %s, not of %s: not an admin here",
                        user_id,
                        user.get("team_id"),
                        home,
                    )
                role = False
        return self._clock() + self.ttl, display, role

    async def _home_team(self) -> str | None:
        """The installing team's id; None (nobody is an admin by role) when Slack cannot
        say, and asked again next time."""
        if self.home_team is None:
            try:
                auth = await self.client.auth_test()
            except API_FAILURES as exc:
                log.warning("auth.test failed (%s): treating as not an admin", exc)
                return None
            team = auth.get("team_id")
            self.home_team = str(team) if team else None
        return self.home_team

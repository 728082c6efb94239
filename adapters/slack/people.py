"""Who is calling: a UserRef with the admin flag from ``users.info``, cached briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import API_FAILURES
from bot.models import Platform, UserRef

log = logging.getLogger(__name__)


class People:
    """Admins are workspace admins/owners (``users.info``) or ids in ``SLACK_ADMINS``.

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
        is_admin = bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        return self._clock() + self.ttl, display, is_admin

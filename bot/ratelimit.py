"""Per-person command limits ("slow down" instead of working)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
from time import monotonic

from bot.models import Platform, UserRef


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[object, deque[float]] = {}

    def allow(self, key: object) -> bool:
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle users so memory stays flat
            for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.window]:
                del self._hits[k]
        return True


# The console has one local user at their own terminal: nobody to be fair to and no platform
# quota behind it, so exploring (searching, paging with next/previous) is never throttled.
UNLIMITED_PLATFORMS = frozenset({Platform.CONSOLE.value})


class CommandLimiter:
    """Commands and button clicks per person per minute, on the shared chat platforms."""

    def __init__(
        self,
        per_minute: int,
        *,
        unlimited: Collection[str] = UNLIMITED_PLATFORMS,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._window = SlidingWindowLimiter(per_minute, 60.0, clock)
        self.unlimited = frozenset(unlimited)

    @property
    def limit(self) -> int:
        return self._window.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._window.limit = value

    def allow(self, caller: UserRef) -> bool:
        if caller.platform in self.unlimited:
            return True
        # The person, not the place: one Discord user in five guilds and their DMs is one
        # person with one budget (user ids are global per platform).
        return self._window.allow((caller.platform, caller.user_id))

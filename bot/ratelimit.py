"""A per-key sliding-window limiter for commands ("slow down" instead of working)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from time import monotonic


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

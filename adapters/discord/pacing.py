"""Per-channel pacing: at most ``limit`` posts per ``window`` seconds in one channel.

discord.py already obeys Discord's rate-limit headers and retries 429s; this keeps a daily
thread of 25 papers from running into them at all (Discord: about 5 messages / 5 s / channel).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class ChannelPacer:
    def __init__(
        self,
        limit: int = 5,
        window: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}

    async def wait(self, channel: str) -> None:
        """Return when one more post in ``channel`` stays within the limit (and count it)."""
        while True:
            now = self._clock()
            sent = self._sent.setdefault(channel, deque())
            while sent and now - sent[0] >= self.window:
                sent.popleft()
            if len(sent) < self.limit:
                sent.append(now)
                self._forget_idle(now)
                return
            await self._sleep(sent[0] + self.window - now)

    def _forget_idle(self, now: float) -> None:
        if len(self._sent) > 1000:  # many channels over a long run: keep memory flat
            for key in [k for k, v in self._sent.items() if not v or now - v[-1] >= self.window]:
                del self._sent[key]

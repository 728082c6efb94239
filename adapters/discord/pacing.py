"""Per-channel pacing: at most ``limit`` posts per ``window`` seconds in one channel.

discord.py already obeys Discord's rate-limit headers and retries 429s; this keeps a daily
thread of 25 papers from running into them at all (Discord: about 5 messages / 5 s / channel).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence


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
        await wait_all([(self, channel)])

    def free_at(self, channel: str, now: float) -> float:
        """When one more post in ``channel`` fits (``now`` if it fits now)."""
        sent = self._sent.setdefault(channel, deque())
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        return now if len(sent) < self.limit else sent[0] + self.window

    def take(self, channel: str, now: float) -> None:
        self._sent[channel].append(now)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        if len(self._sent) > 1000:  # many channels over a long run: keep memory flat
            for key in [k for k, v in self._sent.items() if not v or now - v[-1] >= self.window]:
                del self._sent[key]


async def wait_all(budgets: Sequence[tuple[ChannelPacer, str]]) -> None:
    """Return when one more request fits every (pacer, key) at the same moment, and count it
    in each: a request counted in its channel and then held by the bot-wide budget would go
    out later than counted, and could break the channel's limit (the pacers share a clock)."""
    first = budgets[0][0]
    while True:
        now = first._clock()
        at = max(pacer.free_at(key, now) for pacer, key in budgets)
        if at <= now:
            for pacer, key in budgets:
                pacer.take(key, now)
            return
        await first._sleep(at - now)

"""Pacing per channel: Slack allows about one message per second per channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ChannelPacer:
    """``async with pacer.slot(channel): post()`` keeps posts to one channel ``interval``
    seconds apart (measured from the end of one post to the start of the next) and in order;
    different channels do not wait for each other."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._ready_at: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, channel: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(channel, asyncio.Lock())
        loop = asyncio.get_running_loop()
        async with lock:
            wait = self._ready_at.get(channel, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._ready_at[channel] = loop.time() + self.interval

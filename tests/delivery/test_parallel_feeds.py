"""Feeds due at the same minute go out side by side, enough of them to use Discord's budget:
a thread is paced at 5 posts per 5 s in its channel (about 2.4 requests/s for 10 papers) and
the bot may make 50 requests/s, so it takes more than 20 threads at once (bench/feeds.py
measures the whole: 10,000 feeds within 1.1x of the rate-limit floor)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import date

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.messages import Message
from bot.models import ChannelRef
from bot.ports import PostedRef
from storage.store import Repositories
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

FEEDS = 30  # all of them should be in flight at once
NEEDED = 21  # 50 requests/s / ~2.4 per thread


@dataclass
class SlowChannels(Recorder):
    """Each thread's first post waits until FEEDS threads are open (or, if they never all
    open because fewer run at once, gives up waiting after a bounded time)."""

    open_now: int = 0
    most_open: int = 0
    all_open: asyncio.Event = field(default_factory=asyncio.Event)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        ref = await super().open_thread(channel, header, title)
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        if self.open_now >= FEEDS:
            self.all_open.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_open.wait(), timeout=10)
        return ref


async def test_feeds_due_together_are_posted_side_by_side(
    engine: Services, store: Repositories, clock: FakeClock
) -> None:
    now = at_utc(2026, 9, 25, 9, 0)
    clock.set(now)
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    for i in range(FEEDS):
        await add_feed(store, channel=f"c{i}", top=3, since=now)
    chat = SlowChannels()
    engine.attach(chat)
    outcomes = await engine.publisher.publish_due(now)
    assert len(outcomes) == FEEDS and all("Posted the thread" in o for o in outcomes)
    assert chat.most_open == FEEDS >= NEEDED
    assert len(chat.items(f"c{FEEDS - 1}")) == 3

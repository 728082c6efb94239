"""Feeds at scale: F daily-thread feeds (10,000) due at the same minute, posted by the real
``Publisher.publish_due`` (bot/delivery/publisher.py) into a real SQLite store, through a no-op
adapter that keeps Discord's limits on a VIRTUAL clock (a real-time run would take ~40 min):

* 50 requests per second for the whole bot (Discord's global limit), and
* 5 messages per 5 s per channel (a daily thread is a channel of its own).

The adapter does what the Discord adapter does (adapters/discord/outbound.py): a thread in a
text channel is its root message and a create-thread request; each paper is a message in the
thread. Each request waits for the production pacers (``ChannelPacer``, here on the virtual
clock): 5 per 5 s in its channel, and GLOBAL_LIMIT (48) per second for the bot. Behind them
the adapter plays Discord: a request that would break either limit waits until it would not
(counted as ``held_by_platform``: a 429 in real life; expected 0).

Virtual time advances only when every task waits on it: while any database call (aiosqlite's
thread) or worker thread is in flight, or any task is runnable, it stands still. So the
virtual completion time is what the limits and the Publisher's concurrency allow, and the
real CPU and database seconds are reported beside it, per feed.

Figures: virtual completion time against the rate-limit floor (requests / 50 per s, or the
slowest channel's own floor if larger; target <= 1.1x), requests, real wall/CPU seconds and
database calls and seconds per feed. A small sweep of ``PARALLEL_FEEDS`` (feeds posted at once)
on fewer feeds shows why the value was chosen.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import aiosqlite

import bot.delivery.publisher as publisher_mod
from adapters.discord.outbound import GLOBAL_LIMIT
from adapters.discord.pacing import ChannelPacer, wait_all
from bench.common import WORK, drop_store, open_engine, show
from bench.corpus import CorpusModel, new_day_batch
from bot.messages import Message
from bot.models import ChannelRef, Feed, UserRef
from bot.ports import PostedRef
from storage.rows import feed_params, stamp

PLATFORM = "bench"
GLOBAL_PER_S = 50
CHANNEL_LIMIT, CHANNEL_WINDOW = 5, 5.0
POST_DAY = date(2026, 10, 2)
NOW = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)  # every feed posts at 09:00 UTC
TOPICS = ("diffusion", "language models", "reinforcement learning", "robot", "graph")

P = ParamSpec("P")
T = TypeVar("T")


class VirtualTime:
    """A clock and sleep for the pacers; ``run`` advances time when nothing else can run."""

    def __init__(self) -> None:
        self.now = 0.0
        self.inflight = 0  # database calls and worker threads not yet back in the loop
        self.db_calls = 0
        self.db_seconds = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + max(seconds, 0.0), next(self._seq), fut))
        await fut

    async def run(self, done: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        ready: Any = getattr(loop, "_ready", None)  # CPython's queue of runnable callbacks
        while not done.is_set():
            if self.inflight or (ready is not None and len(ready)) or not self._timers:
                await asyncio.sleep(0 if not self.inflight and self._timers else 0.0002)
                continue
            when = self._timers[0][0]
            self.now = max(self.now, when)
            while self._timers and self._timers[0][0] <= self.now:
                _, _, fut = heapq.heappop(self._timers)
                if not fut.done():
                    fut.set_result(None)
            await asyncio.sleep(0)

    async def counted(self, call: Awaitable[T]) -> T:
        self.inflight += 1
        self.db_calls += 1
        t0 = time.perf_counter()
        try:
            return await call
        finally:
            self.db_seconds += time.perf_counter() - t0
            self.inflight -= 1


@contextmanager
def virtual_time_hooks(vt: VirtualTime) -> Iterator[None]:
    """Count aiosqlite calls and ``asyncio.to_thread`` as in flight (time stands still)."""
    execute: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute
    to_thread = asyncio.to_thread

    async def _execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await vt.counted(execute(self, fn, *args, **kwargs))

    async def _to_thread(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await vt.counted(to_thread(func, *args, **kwargs))

    aiosqlite.Connection._execute = _execute  # type: ignore[method-assign]
    asyncio.to_thread = _to_thread
    try:
        yield
    finally:
        aiosqlite.Connection._execute = execute  # type: ignore[method-assign, assignment]
        asyncio.to_thread = to_thread


class Window:
    """Discord's side of a limit: ``limit`` requests per ``window`` seconds, per key."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.sent: dict[str, deque[float]] = defaultdict(deque)

    def free_at(self, key: str, now: float) -> float:
        sent = self.sent[key]
        while sent and now - sent[0] >= self.window:
            sent.popleft()
        return now if len(sent) < self.limit else sent[0] + self.window

    def take(self, key: str, now: float) -> None:
        self.sent[key].append(now)


class LimitedAdapter:
    """A ChatAdapter that posts nothing and keeps Discord's limits on virtual time."""

    platform = PLATFORM

    def __init__(self, vt: VirtualTime) -> None:
        self.vt = vt
        self.pacer = ChannelPacer(CHANNEL_LIMIT, CHANNEL_WINDOW, clock=vt.clock, sleep=vt.sleep)
        self.everything = ChannelPacer(GLOBAL_LIMIT, 1.0, clock=vt.clock, sleep=vt.sleep)
        self.global_ = Window(GLOBAL_PER_S, 1.0)
        self.channels = Window(CHANNEL_LIMIT, CHANNEL_WINDOW)
        self.requests = 0
        self.messages: dict[str, int] = defaultdict(int)
        self.held_by_platform = 0
        self.last = 0.0
        self._ids = itertools.count(1)

    async def _request(self, channel: str | None) -> str:
        """One request; ``channel``: a message there (paced first, as the Discord adapter
        does), None: a request that only counts globally (create thread)."""
        if channel is None:
            await self.everything.wait("")
        else:
            await wait_all([(self.pacer, channel), (self.everything, "")])
        held = False
        while True:
            now = self.vt.now
            at = self.global_.free_at("all", now)
            if channel is not None:
                at = max(at, self.channels.free_at(channel, now))
            if at <= now:
                break
            held = True
            await self.vt.sleep(at - now)
        self.held_by_platform += held
        self.global_.take("all", self.vt.now)
        if channel is not None:
            self.channels.take(channel, self.vt.now)
            self.messages[channel] += 1
        self.requests += 1
        self.last = self.vt.now
        return str(next(self._ids))

    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        return PostedRef(channel, await self._request(channel.channel))

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        root = await self._request(channel.channel)
        await self._request(None)  # create the thread on the root message
        return PostedRef(channel, root, thread_id=f"t{root}")

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        assert thread.thread_id is not None
        return PostedRef(thread.channel, await self._request(thread.thread_id), thread.thread_id)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        await self._request(ref.thread_id or ref.channel.channel)

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        channel = ChannelRef(PLATFORM, user.workspace, f"dm-{user.user_id}")
        return PostedRef(channel, await self._request(channel.channel))

    async def reply_ephemeral(
        self, channel: ChannelRef, user: UserRef, message: Message
    ) -> None: ...

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None


def channel_floor(messages: int) -> float:
    """Seconds from a channel's first to last message at 5 per 5 s."""
    return CHANNEL_WINDOW * ((messages - 1) // CHANNEL_LIMIT) if messages else 0.0


async def _one_run(
    store_path: Path, feeds: int, seed: int, parallel: int | None = None
) -> dict[str, Any]:
    drop_store(store_path)
    vt = VirtualTime()
    saved = publisher_mod.PARALLEL_FEEDS
    if parallel is not None:
        publisher_mod.PARALLEL_FEEDS = parallel
    try:
        async with open_engine(store_path, now=NOW - timedelta(days=30)) as b:
            model = CorpusModel.build(10_000, seed)
            await b.store.papers.upsert(new_day_batch(model, POST_DAY - timedelta(days=1), 200))
            since = stamp(NOW - timedelta(hours=1))  # after yesterday's post: none missed
            await b.db.conn.executemany(
                "INSERT INTO feeds (platform, workspace, channel, post_time, timezone, top_n, "
                "topic, weekdays, empty_day, created_by, enabled, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                [(*feed_params(feed), since, since) for feed in make_feeds(feeds)],
            )
            await b.db.conn.commit()
            stored = await b.store.feeds.enabled()
            assert len(stored) == feeds, (len(stored), feeds)
            assert stored[0] == replace(make_feeds(1)[0], id=stored[0].id)  # as stored by upsert
            adapter = LimitedAdapter(vt)
            b.services.attach(adapter)
            b.clock.set(NOW)
            done = asyncio.Event()
            with virtual_time_hooks(vt):
                driver = asyncio.create_task(vt.run(done))
                wall, cpu = time.perf_counter(), time.process_time()
                outcomes = await b.services.publisher.publish_due(NOW)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                done.set()
                await driver
            posted = sum(1 for o in outcomes if "Posted the thread" in o)
            row = await b.db.fetchone("SELECT count(*) FROM deliveries WHERE status = 'done'")
    finally:
        publisher_mod.PARALLEL_FEEDS = saved
        drop_store(store_path)
    global_floor = adapter.requests / GLOBAL_PER_S
    slowest_channel = max(channel_floor(n) for n in adapter.messages.values())
    floor = max(global_floor, slowest_channel)
    return {
        "feeds": feeds,
        "parallel_feeds": parallel if parallel is not None else saved,
        "threads_posted": posted,
        "deliveries_done": int(row[0]) if row else 0,
        "requests": adapter.requests,
        "messages": sum(adapter.messages.values()),
        "held_by_platform": adapter.held_by_platform,
        "virtual_s": round(adapter.last, 1),
        "floor_s": round(floor, 1),
        "floor_global_s": round(global_floor, 1),
        "floor_channel_s": round(slowest_channel, 1),
        "ratio": round(adapter.last / floor, 3) if floor else None,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "wall_ms_per_feed": round(wall / feeds * 1000, 2),
        "cpu_ms_per_feed": round(cpu / feeds * 1000, 2),
        "db_calls_per_feed": round(vt.db_calls / feeds, 1),
        "db_wait_ms_per_feed": round(vt.db_seconds / feeds * 1000, 2),  # incl. queueing
    }


def make_feeds(count: int) -> list[Feed]:
    """``count`` feeds at 09:00 UTC, one per channel, 20 per workspace; one in ten follows a
    topic. Stored in one statement (``FeedRepo.upsert`` one by one takes longer than the run)."""
    return [
        Feed(
            channel=ChannelRef(PLATFORM, f"ws{i // 20}", f"c{i}"),
            post_time=dtime(9, 0),
            timezone="UTC",
            top_n=10,
            topic=TOPICS[i % len(TOPICS)] if i % 10 == 0 else None,
            created_by="bench",
        )
        for i in range(count)
    ]


def run(feeds: int, *, seed: int = 42, sweep_feeds: int = 1_000) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "feeds.db"
    sweep = [
        asyncio.run(_one_run(path, sweep_feeds, seed, parallel))
        for parallel in sorted({4, 16, publisher_mod.PARALLEL_FEEDS})
    ]
    main = asyncio.run(_one_run(path, feeds, seed))
    show(
        f"{feeds:,} feeds due at once, Discord limits, virtual clock (target ratio <= 1.1)",
        ["feeds", "at once", "requests", "virtual s", "floor s", "ratio", "CPU ms/f", "DB/f"],
        [
            (
                r["feeds"],
                r["parallel_feeds"],
                r["requests"],
                r["virtual_s"],
                r["floor_s"],
                r["ratio"],
                r["cpu_ms_per_feed"],
                r["db_calls_per_feed"],
            )
            for r in [*sweep, main]
        ],
    )
    return {"run": main, "sweep": sweep}

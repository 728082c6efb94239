"""Helpers for the delivery tests: papers for a day, feeds set up "long ago", a recorder
that knows which channel each post went to and can fault one channel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.delivery.publisher import Publisher
from bot.messages import Message
from bot.models import ChannelRef, EmptyDay, FeaturedOn, Feed, Paper, SourceBatch
from bot.ports import PostedRef
from storage.store import Repositories
from tests.conftest import RecordingAdapter

LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def paper_ids(day: date, n: int = 12) -> list[str]:
    """Distinct new-style arXiv ids per day: 2609.24001 … for 2026-09-24."""
    return [f"{day:%y%m}.{day.day:02d}{i:03d}" for i in range(1, n + 1)]


def paper_batch(day: date, n: int = 12) -> SourceBatch:
    """``n`` HF papers featured on ``day``, ranked in id order (upvotes 200, 190, …)."""
    papers, featured = [], []
    for rank, arxiv_id in enumerate(paper_ids(day, n), 1):
        papers.append(
            Paper(
                arxiv_id=arxiv_id,
                title=f"Paper {rank} of {day.isoformat()}",
                abstract=f"We study problem number {rank}. It works.",
                authors=("Ada Lovelace", "Alan Turing"),
                categories=("cs.LG",),
                published_at=datetime.combine(day, time(0), tzinfo=UTC),
                hf_upvotes=200 - 10 * rank,
            )
        )
        featured.append(FeaturedOn(day=day, arxiv_id=arxiv_id, source="hf", source_rank=rank))
    return SourceBatch(papers=tuple(papers), featured=tuple(featured), source="hf")


async def add_feed(
    store: Repositories,
    *,
    channel: str = "general",
    tz: str = "UTC",
    at: str = "09:00",
    top: int = 10,
    empty_day: EmptyDay = EmptyDay.NOTE,
    weekdays: frozenset[int] = frozenset(range(7)),
    since: datetime = LONG_AGO,
    platform: str = "console",
    weekly_day: int | None = None,
) -> Feed:
    """A feed, as if set up at ``since``: the store's clock is there while it is stored, and
    then back where the test had it."""
    clock = store.clock
    assert isinstance(clock, FakeClock)
    now = clock.now()
    clock.set(since)
    hh, mm = at.split(":")
    try:
        return await store.feeds.upsert(
            Feed(
                channel=ChannelRef(platform, "ws1", channel),
                post_time=time(int(hh), int(mm)),
                timezone=tz,
                top_n=top,
                empty_day=empty_day,
                weekdays=weekdays,
                weekly_day=weekly_day,
            )
        )
    finally:
        clock.set(now)


@dataclass
class Recorder(RecordingAdapter):
    """RecordingAdapter that also logs (channel, kind, text) and can fault by channel."""

    log: list[tuple[str, str, str]] = field(default_factory=list)
    channel_faults: dict[str, Exception] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)

    async def _check(self, channel: ChannelRef) -> None:
        if channel.channel in self.hang:
            await asyncio.Event().wait()
        fault = self.channel_faults.get(channel.channel)
        if fault is not None:
            raise fault

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        await self._check(channel)
        ref = await super().send(channel, message)
        self.log.append((channel.channel, "note", message.text))
        return ref

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        await self._check(channel)
        ref = await super().open_thread(channel, header, title)
        self.log.append((channel.channel, "thread", header.text))
        return ref

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        await self._check(thread.channel)
        ref = await super().post_in_thread(thread, message)
        self.log.append((thread.channel.channel, f"in:{thread.thread_id}", message.text))
        return ref

    def in_channel(self, channel: str) -> list[tuple[str, str]]:
        return [(kind, text) for ch, kind, text in self.log if ch == channel]

    def threads(self, channel: str = "general") -> list[str]:
        return [text for kind, text in self.in_channel(channel) if kind == "thread"]

    def items(self, channel: str = "general") -> list[str]:
        return [text for kind, text in self.in_channel(channel) if kind.startswith("in:")]

    def notes(self, channel: str = "general") -> list[str]:
        return [text for kind, text in self.in_channel(channel) if kind == "note"]


@pytest.fixture
def chat(engine: Services) -> Recorder:
    adapter = Recorder()
    engine.attach(adapter)
    return adapter


def another_process(engine: Services) -> Publisher:
    """The Publisher of a second process on the same database and platforms: its own owner
    id, locks and memory of failures, built the way the first one was."""
    other = build_services(engine.settings, engine.store, engine.ingest.sources, engine.clock)
    other.adapters.update(engine.adapters)  # the same platforms, already behind the policy
    return other.publisher


def at_utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)

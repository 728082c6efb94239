"""Every time the store writes comes from its injected clock, the lease cutoff included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.clock import FakeClock
from bot.models import ChannelRef, Feed, Paper, SourceBatch, Subscription, UserRef
from storage.store import Repositories

T = datetime(2026, 9, 25, 12, 0, tzinfo=UTC)
DAY = date(2026, 9, 25)
ALICE = UserRef("console", "ws1", "alice", "Alice")


async def a_feed(store: Repositories) -> int:
    feed = await store.feeds.upsert(
        Feed(channel=ChannelRef("console", "ws1", "general"), post_time=time(9), timezone="UTC")
    )
    assert feed.id is not None
    return feed.id


async def test_written_times_come_from_the_clock(store: Repositories, clock: FakeClock) -> None:
    clock.set(T)
    feed_id = await a_feed(store)
    assert await store.feeds.enabled_since(feed_id) == T
    await store.papers.upsert(
        SourceBatch((Paper(arxiv_id="2609.00001", title="A paper", abstract=""),))
    )
    await store.papers.log_fetch("hf", DAY, T, True, 1, None)
    assert await store.papers.last_fetch() == T
    await store.subscriptions.add(Subscription(user=ALICE, query="diffusion"), max_per_user=5)
    (sub,) = await store.subscriptions.list_for(ALICE)
    assert sub.created_at == T
    clock.advance(minutes=5)
    await store.votes.toggle(ALICE, "2609.00001")
    row = await store.db.fetchone("SELECT created_at FROM votes")
    assert row is not None and row[0] == "2026-09-25T12:05:00+00:00"
    claim = await store.deliveries.claim(feed_id, DAY, "me")
    assert claim is not None and claim.updated_at == datetime(2026, 9, 25, 12, 5, tzinfo=UTC)


async def test_the_lease_runs_on_the_clock(store: Repositories, clock: FakeClock) -> None:
    feed_id = await a_feed(store)
    assert await store.deliveries.claim(feed_id, DAY, "dead", lease_seconds=120) is not None
    clock.advance(seconds=119)
    assert await store.deliveries.claim(feed_id, DAY, "other", lease_seconds=120) is None
    clock.advance(seconds=2)
    taken = await store.deliveries.claim(feed_id, DAY, "other", lease_seconds=120)
    assert taken is not None


async def test_posted_order_survives_a_clock_that_stands_still(
    store: Repositories, clock: FakeClock
) -> None:
    feed_id = await a_feed(store)
    ids = ("2609.00003", "2609.00001", "2609.00002")
    assert await store.deliveries.claim(feed_id, DAY, "me") is not None
    for n, arxiv_id in enumerate(ids):
        await store.deliveries.add_posted(feed_id, DAY, arxiv_id, f"m{n}")
    delivery = await store.deliveries.get(feed_id, DAY)
    assert delivery is not None and delivery.posted == ids

"""Discussion activity counts people: one member's replies count at most 3 times
(storage.discussions.REPLIES_PER_PERSON), so spamming a thread does not lift a paper
(issue 18, item 13)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import ChannelRef
from storage.store import Repositories
from tests.conftest import make_batch

DAY = date(2026, 9, 25)
WS = ("console", "ws1")


async def replies(store: Repositories, arxiv_id: str, *people: str) -> None:
    at = datetime(2026, 9, 25, 10, tzinfo=UTC)
    for i, person in enumerate(people):
        at += timedelta(minutes=1)
        await store.discussions.add_reply(*WS, f"{arxiv_id}-m{i}", arxiv_id, person, at)


async def test_one_persons_replies_count_up_to_the_cap(store: Repositories) -> None:
    batch = make_batch(DAY, 3)
    await store.papers.upsert(batch)
    spam, crowd, mixed = (p.arxiv_id for p in batch.papers)
    await replies(store, spam, *["mallory"] * 20)
    await replies(store, crowd, "ann", "ben", "cy", "dee")
    await replies(store, mixed, "ann", "ann", "ben", *["mallory"] * 9)
    activity = await store.discussions.activity(*WS, [spam, crowd, mixed])
    assert activity == {spam: (3, 1), crowd: (4, 4), mixed: (2 + 1 + 3, 3)}


async def test_the_most_discussed_list_counts_the_same_way(
    store: Repositories, clock: FakeClock
) -> None:
    batch = make_batch(DAY, 2)
    await store.papers.upsert(batch)
    spam, crowd = (p.arxiv_id for p in batch.papers)
    channel = ChannelRef("console", "ws1", "general")
    for arxiv_id in (spam, crowd):
        await store.discussions.claim(channel, arxiv_id, "ann")
    await replies(store, spam, *["mallory"] * 20)
    await replies(store, crowd, "ann", "ben", "cy", "dee")
    ranked = await store.discussions.most_discussed(*WS, DAY, DAY, 10)
    assert [(p.arxiv_id, n, people) for p, n, people in ranked] == [
        (crowd, 4, 4),
        (spam, 3, 1),
    ]


async def test_spamming_a_thread_does_not_lift_a_paper_in_the_digest(
    engine: Services, store: Repositories
) -> None:
    batch = make_batch(DAY, 2, upvotes=100)  # the first has one HF upvote more
    await store.papers.upsert(batch)
    spammed, discussed = (p.arxiv_id for p in batch.papers)
    await replies(store, spammed, *["mallory"] * 12)
    await replies(store, discussed, "ann", "ben", "cy", "dee")
    ranked = await engine.digests.digest(DAY, top=2, workspace="ws1")
    assert [s.paper.arxiv_id for s in ranked] == [discussed, spammed]
    assert "💬 4 replies · 4 people" in ranked[0].reason
    assert "💬 3 replies · 1 person" in ranked[1].reason

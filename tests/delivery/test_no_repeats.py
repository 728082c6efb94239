"""Never the same paper twice in a channel: an earlier daily thread's papers are not planned
again (HF features some papers on two days), and a thread short because of it says so."""

from __future__ import annotations

from datetime import date

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import FeaturedOn, SourceBatch
from storage.store import Repositories
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch, paper_ids

DAY1, DAY2 = date(2026, 9, 24), date(2026, 9, 25)


async def test_a_paper_featured_again_is_not_posted_again(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    clock.set(at_utc(2026, 9, 25, 9, 0))
    await store.papers.upsert(paper_batch(DAY1, 12))
    feed = await add_feed(store, top=10)
    assert feed.id is not None
    await engine.publisher.publish_due(clock.now())
    first = await store.deliveries.get(feed.id, DAY2)
    assert first is not None and len(first.posted) == 10
    # The next day HF features five of yesterday's posted papers again, and six new ones.
    again = paper_ids(DAY1)[:5]
    await store.papers.upsert(
        SourceBatch(
            (), tuple(FeaturedOn(DAY2, a, "hf", 100 + i) for i, a in enumerate(again)), "hf"
        )
    )
    await store.papers.upsert(paper_batch(DAY2, 6))
    clock.set(at_utc(2026, 9, 26, 9, 0))
    await engine.publisher.publish_due(clock.now())
    second = await store.deliveries.get(feed.id, date(2026, 9, 26))
    assert second is not None
    assert set(second.posted) == set(paper_ids(DAY2, 6))
    assert not set(second.posted) & set(first.posted)
    assert second.note is not None and "5 papers of this day left out" in second.note

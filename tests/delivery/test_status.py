"""``/papers channel status`` while a thread is being posted, and after it stopped halfway:
it tells a run that is posting right now from a claim that waits for the next run."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.ports import DeliveryError
from storage.store import Repositories
from tests.conftest import CHANNEL, alice
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

DAY = date(2026, 9, 25)


async def status(engine: Services) -> str:
    return (await engine.dispatcher.handle_text(alice(), "/papers channel status", CHANNEL)).text


async def test_status_while_posting_and_after_a_stop_halfway(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store)  # 09:00 UTC, top 10
    assert feed.id is not None
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    clock.set(at_utc(2026, 9, 25, 9, 0))
    engine.publisher.scheduled = True
    opening = asyncio.Event()

    async def hanging(*args: object) -> None:  # the platform does not answer
        opening.set()
        await asyncio.Event().wait()

    chat.open_thread = hanging  # type: ignore[assignment]
    posting = asyncio.create_task(engine.publisher.publish_due(clock.now()))
    await asyncio.wait_for(opening.wait(), 10)  # the plan is fixed, the root is on its way
    text = await status(engine)
    assert "Next post: Fri 25 Sep 09:00 (UTC), papers of Thu 24 Sep — being posted now" in text
    assert "Last thread: Fri 25 Sep, papers of Thu 24 Sep — being posted now (0 of 10" in text
    posting.cancel()
    await asyncio.gather(posting, return_exceptions=True)

    del chat.open_thread  # the class's own again
    chat.fail_after, chat.fault = 3, DeliveryError("Slack answered 503")  # root + 2 papers
    await engine.publisher.publish_due(clock.now())
    text = await status(engine)
    assert (
        "Last thread: Fri 25 Sep, papers of Thu 24 Sep — stopped after 2 of 10 papers: "
        "posting failed: Slack answered 503; the next run finishes it"
    ) in text
    assert "— due; the next try is at Fri 25 Sep 09:01" in text
    assert "being posted now" not in text and "in progress" not in text

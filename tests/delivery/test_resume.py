"""Idempotent, resumable delivery: claims, crashes, restarts, races, post-now."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import DeliveryStatus, Feed
from bot.ports import DeliveryError
from storage.store import Repositories
from tests.conftest import CHANNEL, alice
from tests.delivery.conftest import (
    Recorder,
    add_feed,
    another_process,
    at_utc,
    paper_batch,
    paper_ids,
)

DAY = date(2026, 9, 25)  # local day (UTC feed at 09:00)
CDAY = date(2026, 9, 24)  # the HF day it shows
NOW = at_utc(2026, 9, 25, 9, 0)


class Killed(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs."""


@pytest.fixture
async def feed(store: Repositories, clock: FakeClock) -> Feed:
    clock.set(NOW)
    await store.papers.upsert(paper_batch(CDAY, 12))
    feed = await add_feed(store, top=10)
    assert feed.id is not None
    await store.deliveries.finish(feed.id, date(2026, 9, 24), DeliveryStatus.DONE, None)
    return feed


def ranks(chat: Recorder) -> list[int]:
    """Rank numbers of the posted cards, in posting order ("3. Paper 3 of …")."""
    return [int(text.split(".", 1)[0]) for text in chat.items()]


async def check_complete(store: Repositories, feed: Feed, chat: Recorder) -> None:
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.DONE
    assert row.plan == tuple(paper_ids(CDAY, 10))
    assert sorted(row.posted) == sorted(row.plan)
    assert len(chat.threads()) == 1
    assert sorted(ranks(chat)) == list(range(1, 11))  # each once, none missing
    thread_ids = {kind for _, kind, _ in chat.log if kind.startswith("in:")}
    assert thread_ids == {f"in:t{row.root_message_id}"}  # one thread, the recorded root


async def test_two_publishers_racing_post_one_thread(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    a, b = another_process(engine), another_process(engine)
    results = await asyncio.gather(a.publish_due(NOW), b.publish_due(NOW))
    await check_complete(store, feed, chat)
    assert sum(1 for r in results for o in r if "Posted" in o) == 1


async def test_a_double_trigger_in_one_process_posts_once(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    pub = engine.publisher
    await asyncio.gather(pub.publish_due(NOW), pub.publish_due(NOW), pub.post_now(feed))
    await check_complete(store, feed, chat)


async def test_crash_after_the_root_message_resumes_into_the_same_thread(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    chat.fail_after = 1  # the header goes out, then the process "dies"
    await engine.publisher.publish_due(NOW)
    assert len(chat.threads()) == 1 and chat.items() == []
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.CLAIMED
    assert row.root_message_id == "m1" and row.posted == ()

    chat.fail_after = None
    restarted = another_process(engine)  # a new process: no memory of the failure
    await restarted.publish_due(at_utc(2026, 9, 25, 9, 1))
    await check_complete(store, feed, chat)
    assert ranks(chat) == list(range(1, 11))


async def test_crash_after_paper_3_of_10_posts_only_the_rest(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    chat.fail_after = 4  # header + papers 1, 2, 3
    await engine.publisher.publish_due(NOW)
    assert ranks(chat) == [1, 2, 3]
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.posted == tuple(paper_ids(CDAY, 3))
    # Votes and new papers arriving meanwhile do not change the planned list.
    await store.papers.upsert(paper_batch(CDAY, 20))
    await store.votes.toggle(alice(), paper_ids(CDAY, 20)[-1])

    chat.fail_after = None
    await another_process(engine).publish_due(at_utc(2026, 9, 25, 9, 5))
    assert ranks(chat) == list(range(1, 11))
    await check_complete(store, feed, chat)


async def test_a_killed_owner_is_taken_over_only_after_its_lease(
    engine: Services,
    store: Repositories,
    feed: Feed,
    chat: Recorder,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead = another_process(engine)

    async def no_cleanup(*args: object, **kwargs: object) -> None:
        return None

    chat.fail_after, chat.fault = 4, Killed()  # type: ignore[assignment]
    monkeypatch.setattr(store.deliveries, "release", no_cleanup)  # a killed process runs nothing
    with pytest.raises(Killed):
        await dead.deliver(feed, DAY)
    monkeypatch.undo()
    chat.fail_after, chat.fault = None, None

    other = another_process(engine)
    assert await other.publish_due(at_utc(2026, 9, 25, 9, 1)) == [
        "feed 1 2026-09-25: That day's thread is being posted right now."
    ]
    assert ranks(chat) == [1, 2, 3]
    assert feed.id is not None
    clock.advance(seconds=engine.settings.delivery_lease_seconds + 2)  # the lease runs out
    await other.publish_due(at_utc(2026, 9, 25, 9, 2))
    await check_complete(store, feed, chat)


async def test_a_run_that_lost_its_claim_stops_before_posting_again(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder, clock: FakeClock
) -> None:
    slow, fast = another_process(engine), another_process(engine)
    original = chat.post_in_thread
    taken = asyncio.Event()

    async def stall_after_two(thread, message):  # type: ignore[no-untyped-def]
        ref = await original(thread, message)
        if len(chat.items()) == 2 and not taken.is_set():
            # Meanwhile the lease ran out and another process took over and finished.
            assert feed.id is not None
            clock.advance(hours=1)
            taken.set()
            await fast.deliver(feed, DAY)
        return ref

    chat.post_in_thread = stall_after_two  # type: ignore[method-assign]
    outcome = await slow.deliver(feed, DAY)
    assert outcome == "another run took this delivery over"
    chat.post_in_thread = original  # type: ignore[method-assign]
    # Paper 2 was the one in flight when the lease was lost: the takeover could not know it
    # had been posted (at-least-once for that single message); nothing else repeats.
    assert ranks(chat)[:2] == [1, 2]
    assert sorted(ranks(chat)) == [1, 2, *range(2, 11)]


async def test_post_now_uses_the_same_path_and_is_idempotent(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder, clock: FakeClock
) -> None:
    chat.fail_after = 4
    await engine.publisher.publish_due(NOW)
    chat.fail_after = None
    clock.set(at_utc(2026, 9, 25, 9, 0, 30))  # before the backoff allows a scheduled retry
    reply = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "Posted the thread for Thu 24 Sep (10 papers)" in reply.text
    await check_complete(store, feed, chat)
    again = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "already posted" in again.text
    await engine.publisher.publish_due(at_utc(2026, 9, 25, 9, 5))
    await check_complete(store, feed, chat)


async def test_post_now_before_the_post_time_posts_today_and_the_schedule_skips_it(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder, clock: FakeClock
) -> None:
    clock.set(at_utc(2026, 9, 25, 7, 0))
    reply = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "Posted" in reply.text
    await engine.publisher.publish_due(NOW)
    await check_complete(store, feed, chat)


async def test_post_now_takes_back_a_missed_day(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder, clock: FakeClock
) -> None:
    await engine.publisher.publish_due(at_utc(2026, 9, 25, 16, 0))
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.MISSED
    clock.set(at_utc(2026, 9, 25, 16, 5))
    reply = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "Posted" in reply.text
    await check_complete(store, feed, chat)


async def test_shutdown_pauses_between_messages_and_the_next_start_resumes(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    original = chat.post_in_thread

    async def stop_after_three(thread, message):  # type: ignore[no-untyped-def]
        ref = await original(thread, message)
        if len(chat.items()) == 3:
            engine.stopping.set()  # SIGTERM arrived while paper 3 was being posted
        return ref

    chat.post_in_thread = stop_after_three  # type: ignore[method-assign]
    outcome = await engine.publisher.deliver(feed, DAY)
    assert "paused for shutdown" in outcome
    assert ranks(chat) == [1, 2, 3]
    engine.stopping.clear()  # the next start
    chat.post_in_thread = original  # type: ignore[method-assign]
    await another_process(engine).publish_due(at_utc(2026, 9, 25, 9, 1))
    await check_complete(store, feed, chat)


async def test_transient_fault_on_the_header_leaves_nothing_behind(
    engine: Services, store: Repositories, feed: Feed, chat: Recorder
) -> None:
    chat.channel_faults["general"] = DeliveryError("Slack answered 503")
    outcome = await engine.publisher.publish_due(NOW)
    assert "will be retried" in outcome[0]
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.CLAIMED
    assert row.root_message_id is None and row.plan is not None
    del chat.channel_faults["general"]
    await engine.publisher.publish_due(at_utc(2026, 9, 25, 9, 1))
    await check_complete(store, feed, chat)

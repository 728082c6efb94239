"""Empty days (skip or note), a fresh install fetching its first day, sources that are down."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import DeliveryStatus, EmptyDay, SourceBatch
from storage.store import Repositories
from tests.conftest import CHANNEL, StaticSource, alice
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

DAY, CDAY = date(2026, 9, 25), date(2026, 9, 24)
NOW = at_utc(2026, 9, 25, 9, 0)


async def status_text(engine: Services) -> str:
    return (
        await engine.dispatcher.handle_text(alice(admin=True), "/papers channel status", CHANNEL)
    ).text


async def test_fresh_install_fetches_the_day_before_posting(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    source.batches[CDAY] = paper_batch(CDAY, 12)
    await add_feed(store, since=NOW)
    clock.set(NOW)
    await engine.publisher.publish_due(NOW)
    assert CDAY in source.calls
    assert len(chat.threads()) == 1 and len(chat.items()) == 10


async def test_many_feeds_share_one_fetch_per_run(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    source.batches[CDAY] = paper_batch(CDAY, 3)
    for name in ("a", "b", "c", "d", "e", "f"):
        await add_feed(store, channel=name, since=NOW)
    await engine.publisher.publish_due(NOW)
    assert source.calls == [CDAY]
    assert all(len(chat.items(name)) == 3 for name in "abcdef")


@pytest.mark.parametrize("empty_day", [EmptyDay.NOTE, EmptyDay.SKIP])
async def test_an_empty_day_follows_the_feed_setting(
    engine: Services,
    store: Repositories,
    clock: FakeClock,
    chat: Recorder,
    source: StaticSource,
    empty_day: EmptyDay,
) -> None:
    source.batches[CDAY] = SourceBatch(source="hf")  # a Sunday on HF: nothing featured
    feed = await add_feed(store, empty_day=empty_day, since=NOW)
    await engine.publisher.publish_due(NOW)
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None
    if empty_day is EmptyDay.NOTE:
        assert chat.notes() == [
            "Daily Papers · Thu 24 Sep: No new papers today — see you tomorrow."
        ]
        assert row.status is DeliveryStatus.DONE
    else:
        assert chat.log == []
        assert row.status is DeliveryStatus.SKIPPED
        assert "Last thread: Fri 25 Sep, papers of Thu 24 Sep — skipped (no papers)" in (
            await status_text(engine)
        )
    assert chat.threads() == []
    # Papers arriving later that day do not produce a second post.
    await store.papers.upsert(paper_batch(CDAY))
    await engine.publisher.publish_due(NOW + timedelta(hours=1))
    assert chat.threads() == [] and len(chat.notes()) == (1 if empty_day is EmptyDay.NOTE else 0)


async def test_a_topic_with_no_match_is_an_empty_day(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    await store.papers.upsert(paper_batch(CDAY))
    await engine.dispatcher.handle_text(
        alice(admin=True), "/papers channel setup 09:00 UTC 5 quantum", CHANNEL
    )
    clock.set(NOW)
    await engine.publisher.publish_due(at_utc(2026, 9, 25, 9, 0))
    assert len(chat.notes()) == 1 and chat.threads() == []
    assert source.calls == []  # the day was in the store: no fetch


@pytest.mark.parametrize("empty_day", [EmptyDay.NOTE, EmptyDay.SKIP])
async def test_a_source_down_until_the_grace_window_ends(
    engine: Services,
    store: Repositories,
    clock: FakeClock,
    chat: Recorder,
    source: StaticSource,
    caplog: pytest.LogCaptureFixture,
    empty_day: EmptyDay,
) -> None:
    source.fail = "Hugging Face answered 503 for daily papers of 2026-09-24."
    feed = await add_feed(store, empty_day=empty_day, since=NOW)
    assert feed.id is not None
    when = NOW
    while when < at_utc(2026, 9, 25, 15, 0):  # the publish job, every minute, 09:00–14:59
        clock.set(when)
        await engine.publisher.publish_due(when)
        when += timedelta(minutes=1)
    assert chat.log == []
    # Retried with backoff (1, 2, 4, 8, 16, 30, 30 … minutes), not 360 times.
    assert 10 <= len(source.calls) <= 20
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.CLAIMED
    # Nothing runs between two tries: the status says what is wrong, not "in progress".
    assert "— not posted yet: Hugging Face could not be reached: Hugging Face answered 503" in (
        await status_text(engine)
    )

    caplog.set_level(logging.ERROR, logger="bot.delivery")
    clock.set(when)
    await engine.publisher.publish_due(when)  # 15:00: the window is over
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "Hugging Face" in errors[0].getMessage()
    if empty_day is EmptyDay.NOTE:
        assert chat.notes() == [
            "Daily Papers · Thu 24 Sep: No papers today: Hugging Face could not be reached."
        ]
        assert row.status is DeliveryStatus.DONE
    else:
        assert chat.log == []
        assert row.status is DeliveryStatus.SKIPPED
        assert "skipped (no papers): Hugging Face could not be reached" in await status_text(engine)
    await engine.publisher.publish_due(when + timedelta(minutes=1))
    assert len(chat.notes()) == (1 if empty_day is EmptyDay.NOTE else 0)


async def test_a_source_back_within_the_window_posts_the_thread(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    source.fail = "timed out"
    source.batches[CDAY] = paper_batch(CDAY)
    await add_feed(store, since=NOW)
    await engine.publisher.publish_due(NOW)
    assert chat.log == []
    source.fail = None
    await engine.publisher.publish_due(NOW + timedelta(seconds=30))  # backoff: not yet
    assert chat.log == []
    await engine.publisher.publish_due(NOW + timedelta(minutes=1))
    assert len(chat.threads()) == 1 and len(chat.items()) == 10


async def test_a_source_down_and_the_bot_back_long_after_the_window_is_missed(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    source.fail = "connection refused"
    feed = await add_feed(store, since=NOW)
    await engine.publisher.publish_due(NOW)  # tried once, then the bot went down
    await engine.publisher.publish_due(at_utc(2026, 9, 25, 18, 0))
    assert chat.log == []
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.MISSED
    assert row.note == (
        "not posted between 09:00 and 15:00 (UTC): Hugging Face could not be reached: "
        "connection refused"
    )


async def test_post_now_with_the_sources_down_says_so_and_posts_nothing(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    source.fail = "503"
    await add_feed(store, since=NOW)
    clock.set(at_utc(2026, 9, 25, 8, 0))
    reply = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "Hugging Face could not be reached, so nothing was posted" in reply.text
    assert chat.log == []
    source.fail = None
    source.batches[CDAY] = paper_batch(CDAY)
    await engine.publisher.publish_due(NOW)
    assert len(chat.threads()) == 1

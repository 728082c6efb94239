"""Platform faults while posting: transient ones retried with backoff, permanent ones turn
the feed off with the reason in /papers channel status; one bad feed never blocks others."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import bot.outbound
from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import DeliveryStatus
from bot.ports import DeliveryError
from storage.store import Repositories
from tests.conftest import CHANNEL, alice
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

DAY, CDAY = date(2026, 9, 25), date(2026, 9, 24)
NOW = at_utc(2026, 9, 25, 9, 0)


@pytest.fixture(autouse=True)
async def papers(store: Repositories, clock: FakeClock) -> None:
    clock.set(NOW)
    await store.papers.upsert(paper_batch(CDAY))


async def status_text(engine: Services) -> str:
    return (
        await engine.dispatcher.handle_text(alice(admin=True), "/papers channel status", CHANNEL)
    ).text


async def test_a_permanent_error_turns_the_feed_off_with_the_reason(
    engine: Services, store: Repositories, chat: Recorder
) -> None:
    feed = await add_feed(store, since=NOW)
    reason = "The bot lost permission to post in #general (Missing Access)."
    chat.fail_after, chat.fault = 3, DeliveryError(reason, permanent=True)
    outcomes = await engine.publisher.publish_due(NOW)
    assert outcomes == [
        f"feed 1 2026-09-25: Posting failed and the daily thread was turned off: {reason}"
    ]
    assert feed.id is not None
    stored = await store.feeds.get_by_id(feed.id)
    assert stored is not None and not stored.enabled and stored.disabled_reason == reason
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.FAILED
    status = await status_text(engine)
    assert f"Daily thread: off ({reason})" in status
    assert f"Last thread: Fri 25 Sep, papers of Thu 24 Sep — failed: {reason}" in status
    assert "Next post" not in status
    # Nothing more is attempted for a disabled feed.
    chat.fail_after = chat.fault = None
    assert await engine.publisher.publish_due(NOW + timedelta(minutes=5)) == []
    # Set up again (permission fixed): post-now finishes the same thread.
    await engine.dispatcher.handle_text(
        alice(admin=True), "/papers channel setup 09:00 UTC 10", CHANNEL
    )
    reply = await engine.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    assert "Posted" in reply.text
    assert len(chat.threads()) == 1 and len(chat.items()) == 10


async def test_transient_errors_are_retried_with_backoff(
    engine: Services, store: Repositories, chat: Recorder
) -> None:
    feed = await add_feed(store, since=NOW)
    chat.channel_faults["general"] = DeliveryError("Slack answered 503 (service unavailable)")
    tried: list[datetime] = []
    original = chat.open_thread

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append(engine.clock.now())
        return await original(*args, **kwargs)

    chat.open_thread = counting  # type: ignore[method-assign]
    when = NOW
    while when <= NOW + timedelta(minutes=40):
        engine.clock.set(when)  # type: ignore[attr-defined]
        await engine.publisher.publish_due(when)
        when += timedelta(minutes=1)
    minutes = [int((t - NOW).total_seconds() // 60) for t in tried]
    assert minutes == [0, 1, 3, 7, 15, 31]  # 1, 2, 4, 8, 16 minutes apart
    assert "— not posted yet: posting failed: Slack answered 503" in await status_text(engine)
    del chat.channel_faults["general"]
    await engine.publisher.publish_due(NOW + timedelta(minutes=61))
    assert len(chat.threads()) == 1 and len(chat.items()) == 10
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.DONE


async def test_transient_errors_all_through_the_window_end_as_missed(
    engine: Services, store: Repositories, chat: Recorder
) -> None:
    feed = await add_feed(store, since=NOW)
    chat.channel_faults["general"] = DeliveryError("Discord answered 502")
    await engine.publisher.publish_due(NOW)
    await engine.publisher.publish_due(NOW + timedelta(hours=6))
    assert feed.id is not None
    row = await store.deliveries.get(feed.id, DAY)
    assert row is not None and row.status is DeliveryStatus.MISSED
    assert (
        row.note == "not posted between 09:00 and 15:00 (UTC): posting failed: Discord answered 502"
    )


async def test_a_started_thread_is_finished_even_after_the_window(
    engine: Services, store: Repositories, chat: Recorder
) -> None:
    await add_feed(store, since=NOW)
    chat.fail_after = 5
    await engine.publisher.publish_due(NOW)
    chat.fail_after = None
    await engine.publisher.publish_due(NOW + timedelta(hours=7))
    assert len(chat.threads()) == 1 and len(chat.items()) == 10


async def test_one_bad_feed_never_blocks_the_others(
    engine: Services, store: Repositories, chat: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.outbound, "DEADLINE", 0.05)
    await add_feed(store, channel="hung", since=NOW)  # a call that never returns
    await add_feed(store, channel="gone", since=NOW)  # deleted channel
    await add_feed(store, channel="flaky", since=NOW)  # 5xx
    await add_feed(store, channel="buggy", since=NOW)  # a bug in an adapter
    for name in ("a", "b", "c"):
        await add_feed(store, channel=name, since=NOW)
    chat.hang.add("hung")
    chat.channel_faults["gone"] = DeliveryError("Unknown Channel", permanent=True)
    chat.channel_faults["flaky"] = DeliveryError("500 Internal Server Error")
    chat.channel_faults["buggy"] = KeyError("blocks")
    outcomes = await engine.publisher.publish_due(NOW)
    assert all(len(chat.items(name)) == 10 for name in "abc")
    assert any("opening the thread timed out" in o for o in outcomes)
    assert [f.channel.channel for f in await store.feeds.enabled()] == [
        "hung",
        "flaky",
        "buggy",
        "a",
        "b",
        "c",
    ]

"""Discussions through the real engine, store and a recording adapter."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import Feed, UserRef
from bot.ports import DeliveryError
from bot.present.feeds import standings_line
from storage.store import Repositories
from tests.conftest import CHANNEL, RecordingAdapter, alice, bob, fixture_ids


async def test_concurrent_clicks_open_exactly_one_thread(filled: Services) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    pid = fixture_ids()[0]
    users = [UserRef("console", "ws1", f"u{i}", f"User {i}") for i in range(6)]
    replies = await asyncio.gather(
        *(filled.dispatcher.handle_action(u, f"discuss:{pid}", CHANNEL) for u in users)
    )
    threads = [m for kind, _, m in adapter.posts if kind == "thread"]
    assert (
        len(threads) == 1
        and threads[0].thread_title == "Learned Step Schedules for Fast Diffusion Sampling"
    )
    assert sum("Opened a discussion" in r.text for r in replies) == 1
    assert all(
        "already has a discussion" in r.text or "being opened" in r.text
        for r in replies
        if "Opened" not in r.text
    )
    seed = adapter.thread_items()[0]
    assert "Discussion opened by User" in seed.text and "arXiv: https://arxiv.org/abs/" in seed.text
    later = await filled.dispatcher.handle_text(bob(), f"/papers discuss {pid}", CHANNEL)
    assert "already has a discussion" in later.text


async def test_replies_raise_counts_on_cards_and_in_top_discussed(filled: Services) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    pid = fixture_ids()[1]
    await filled.dispatcher.handle_action(alice(), f"discuss:{pid}", CHANNEL)
    thread = next(mid for kind, mid, _ in adapter.posts if kind == "thread")
    for n, user in enumerate(["u1", "u2", "u1"]):
        assert await filled.dispatcher.record_reply(
            "console", "ws1", message_id=f"r{n}", user_id=user, thread_id=f"t{thread}"
        )
    # The same event twice (a gateway replay) counts once; an unrelated thread not at all.
    assert not await filled.dispatcher.record_reply(
        "console", "ws1", message_id="r0", user_id="u1", thread_id=f"t{thread}"
    )
    assert not await filled.dispatcher.record_reply(
        "console", "ws1", message_id="x", user_id="u1", thread_id="elsewhere"
    )
    card = await filled.dispatcher.handle_text(alice(), f"/papers paper {pid}")
    assert "💬 3 replies · 2 people" in card.text or "💬 3 replies · 2 people" in str(card.blocks)
    top = await filled.dispatcher.handle_text(alice(), "/papers top week discussed")
    assert top.text.splitlines()[1].startswith("1. @everyone Look Here")
    assert "💬 3 replies · 2 people" in top.text


async def test_a_channel_the_bot_lost_gives_a_clear_message(filled: Services) -> None:
    adapter = RecordingAdapter(
        fail_after=0,
        fault=DeliveryError("I no longer have access to this channel.", permanent=True),
    )
    filled.attach(adapter)
    pid = fixture_ids()[0]
    reply = await filled.dispatcher.handle_action(alice(), f"discuss:{pid}", CHANNEL)
    assert (
        reply.is_error and "couldn't open a discussion here: I no longer have access" in reply.text
    )
    adapter.fail_after = None
    retry = await filled.dispatcher.handle_action(alice(), f"discuss:{pid}", CHANNEL)
    assert "Opened a discussion" in retry.text


async def test_replies_to_daily_thread_messages_count(
    filled: Services, store: Repositories
) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    await filled.dispatcher.handle_text(
        alice(admin=True), "/papers channel setup 09:00 UTC 3", CHANNEL
    )
    await filled.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    first_item = next(mid for kind, mid, _ in adapter.posts if kind.startswith("in:"))
    assert await filled.dispatcher.record_reply(
        "console", "ws1", message_id="r1", user_id="bob", reply_to=first_item
    )
    activity = await store.discussions.activity("console", "ws1", fixture_ids())
    assert sum(r for r, _ in activity.values()) == 1


async def test_standings_edit_hourly_and_stop_after_the_day(
    filled: Services, store: Repositories
) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    clock = filled.clock
    assert isinstance(clock, FakeClock)  # the conftest's
    clock.set(datetime(2026, 9, 25, 9, 30, tzinfo=UTC))
    await store.feeds.upsert(Feed(channel=CHANNEL, post_time=time(9, 0), timezone="UTC", top_n=3))
    await filled.dispatcher.handle_text(alice(admin=True), "/papers post-now", CHANNEL)
    ids = fixture_ids()
    assert await filled.discussions.refresh_standings(clock.now()) == 0  # nothing to stand on
    await filled.dispatcher.handle_action(bob(), f"upvote:{ids[2]}")
    clock.set(datetime(2026, 9, 25, 10, 31, tzinfo=UTC))
    assert await filled.discussions.refresh_standings(clock.now()) == 1
    edit = [m for kind, _, m in adapter.posts if kind == "edit"][-1]
    line = standings_line(edit)
    assert line and line.startswith("Live standings: 1. Small Encoders") and "▲1" in line
    clock.set(datetime(2026, 9, 25, 10, 50, tzinfo=UTC))
    assert await filled.discussions.refresh_standings(clock.now()) == 0  # within the hour
    clock.set(datetime(2026, 9, 25, 11, 40, tzinfo=UTC))
    assert await filled.discussions.refresh_standings(clock.now()) == 1
    clock.set(datetime(2026, 9, 26, 0, 30, tzinfo=UTC))  # the next local day: no more edits
    assert await filled.discussions.refresh_standings(clock.now()) == 0
    assert date(2026, 9, 25)  # the thread's own day has ended


async def test_console_prints_a_thread_marker(filled: Services) -> None:
    import io

    from adapters.console.adapter import ConsoleAdapter, run_console

    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    await run_console(
        filled.dispatcher, adapter, io.StringIO(f"/papers discuss {fixture_ids()[0]}\n")
    )
    text = out.getvalue()
    assert "🧵 thread “Learned Step Schedules for Fast Diffusion Sampling”" in text
    assert "Discussion opened by" in text and "Opened a discussion of" in text

"""Subscription DMs: one per user per day at dm_time, each paper at most once, retries,
closed DMs pause the user's subscriptions (and the engine tells them next time)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.messages import Message
from bot.models import UserRef
from bot.ports import DeliveryError, PostedRef
from storage.store import Repositories
from tests.conftest import StaticSource, alice, bob
from tests.delivery.conftest import Recorder, at_utc
from tests.delivery.dm_days import featured

TODAY = date(2026, 9, 25)


async def subscribe(engine: Services, user: UserRef, topic: str) -> None:
    reply = await engine.dispatcher.handle_text(user, f"/papers subscribe {topic}")
    assert "Subscribed" in reply.text, reply.text


def dms_to(chat: Recorder, user_id: str) -> list[Message]:
    return [m for u, m in chat.dms if u.user_id == user_id]


@pytest.fixture
async def day_papers(store: Repositories, clock: FakeClock) -> None:
    clock.set(at_utc(2026, 9, 25, 7, 0))
    await store.papers.upsert(
        featured(TODAY, "Fast Diffusion Sampling", "Graph Networks for Molecules")
    )


async def test_one_dm_per_user_per_day_and_each_paper_once(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, day_papers: None
) -> None:
    await subscribe(engine, alice(), "diffusion")
    await subscribe(engine, alice(), "sampling")  # same paper, two topics: listed once
    notify = engine.notifier.notify
    assert await notify(at_utc(2026, 9, 25, 8, 59)) == 0  # before dm_time (09:00 UTC)
    assert await notify(at_utc(2026, 9, 25, 9, 0)) == 1
    [dm] = dms_to(chat, "alice")
    assert dm.text.splitlines() == [
        "1 new paper for your topics · Fri 25 Sep",
        "- Fast Diffusion Sampling",
    ]
    # Later the same day: more runs, a new matching paper: still one DM today.
    await store.papers.upsert(featured(TODAY, "Diffusion Transformers at Scale", start=10))
    assert await notify(at_utc(2026, 9, 25, 9, 30)) == 0
    assert await notify(at_utc(2026, 9, 25, 21, 0)) == 0
    # Tomorrow: only what she has not had yet.
    assert await notify(at_utc(2026, 9, 26, 9, 0)) == 1
    assert dms_to(chat, "alice")[1].text.splitlines()[1:] == ["- Diffusion Transformers at Scale"]
    assert await notify(at_utc(2026, 9, 27, 9, 0)) == 0  # nothing new: no DM at all


@pytest.mark.settings(timezone="America/New_York")  # DMs at 09:00 New York = 13:00 UTC
async def test_dm_time_is_in_the_configured_zone(
    engine: Services, clock: FakeClock, chat: Recorder, day_papers: None
) -> None:
    await subscribe(engine, alice(), "diffusion")
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 12, 59)) == 0
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 13, 0)) == 1


async def test_a_failed_dm_is_retried_next_run(
    engine: Services, clock: FakeClock, chat: Recorder, day_papers: None
) -> None:
    await subscribe(engine, alice(), "diffusion")
    original = chat.send_dm
    failures = [DeliveryError("Slack answered 429")]

    async def flaky(user: UserRef, message: Message) -> PostedRef:
        if failures:
            raise failures.pop()
        return await original(user, message)

    chat.send_dm = flaky  # type: ignore[method-assign]
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 0)) == 0
    assert chat.dms == []
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 15)) == 1
    assert len(dms_to(chat, "alice")) == 1


async def test_a_failed_record_after_a_sent_dm_is_retried_without_a_second_dm(
    engine: Services, store: Repositories, chat: Recorder, day_papers: None
) -> None:
    await subscribe(engine, alice(), "diffusion")
    notifications = store.notifications
    original = notifications.record_dm
    failures = [sqlite3.OperationalError("database is locked")]

    async def fails_once(user: UserRef, day: date, pairs: Sequence[tuple[int, str]]) -> None:
        if failures:
            raise failures.pop()
        await original(user, day, pairs)

    engine.notifier.notifications.record_dm = fails_once  # type: ignore[method-assign]
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 0)) == 1  # sent; record failed
    assert failures == []
    assert await notifications.dm_users_on(TODAY) == set()
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 15)) == 0  # record retried only
    assert len(dms_to(chat, "alice")) == 1
    assert await notifications.dm_users_on(TODAY) == {("console", "ws1", "alice")}
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 21, 0)) == 0
    assert len(dms_to(chat, "alice")) == 1


async def test_closed_dms_pause_that_user_only(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, day_papers: None
) -> None:
    await subscribe(engine, alice(), "diffusion")
    await subscribe(engine, bob(), "graph")
    chat.closed_dms.add("bob")
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 0)) == 1
    assert len(dms_to(chat, "alice")) == 1 and dms_to(chat, "bob") == []
    subs = await store.subscriptions.list_for(bob())
    assert subs and all(s.paused for s in subs)
    assert {s.user.user_id for s in await store.subscriptions.all_active()} == {"alice"}
    # Bob's next command carries the notice, once.
    reply = await engine.dispatcher.handle_text(bob(), "/papers help")
    assert reply.text.startswith("I couldn't send you your daily topic digest")
    again = await engine.dispatcher.handle_text(bob(), "/papers help")
    assert "direct messages are closed" not in again.text
    # He opens his DMs and subscribes again: his topics resume.
    chat.closed_dms.clear()
    await subscribe(engine, bob(), "molecules")
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 10, 0)) == 1
    assert dms_to(chat, "bob")[0].text.splitlines()[1:] == ["- Graph Networks for Molecules"]


async def test_overlapping_runs_send_one_dm(
    engine: Services, chat: Recorder, day_papers: None
) -> None:
    """The notify job and a fetch job finishing at the same time."""
    await subscribe(engine, alice(), "diffusion")
    when = at_utc(2026, 9, 25, 9, 0)
    sent = await asyncio.gather(*(engine.notifier.notify(when) for _ in range(3)))
    assert sum(sent) == 1 and len(chat.dms) == 1


async def test_a_fetch_job_notifies_after_storing(
    engine: Services, clock: FakeClock, chat: Recorder, source: StaticSource
) -> None:
    clock.set(at_utc(2026, 9, 25, 9, 30))
    await subscribe(engine, alice(), "diffusion")
    source.batches[TODAY] = featured(TODAY, "Consistency Diffusion")
    await engine.jobs.fetch_hf()
    assert source.calls == [TODAY, TODAY - timedelta(days=1)]
    assert len(dms_to(chat, "alice")) == 1


async def test_each_persons_dm_is_ordered_by_their_own_taste(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    """Issue 14: a person's DM follows that person's votes first, then the team's."""
    earlier = TODAY - timedelta(days=3)
    clock.set(at_utc(2026, 9, 22, 7, 0))
    await store.papers.upsert(
        featured(
            earlier,
            "Graph neural networks for molecules",
            "Message passing on molecular graphs",
            "Vision transformers for images",
            "Image segmentation with convolutional vision models",
        )
    )
    graph_ids = [f"{earlier:%y%m}.{earlier.day:02d}{i:03d}" for i in (1, 2)]
    vision_ids = [f"{earlier:%y%m}.{earlier.day:02d}{i:03d}" for i in (3, 4)]
    for user, liked, disliked in ((alice(), graph_ids, vision_ids), (bob(), vision_ids, graph_ids)):
        for arxiv_id in liked:
            reply = await engine.dispatcher.handle_text(user, f"/papers upvote {arxiv_id}")
            assert "Upvoted" in reply.text, reply.text
        for arxiv_id in disliked:
            reply = await engine.dispatcher.handle_text(user, f"/papers downvote {arxiv_id}")
            assert not reply.is_error, reply.text
        await subscribe(engine, user, "learning")

    clock.set(at_utc(2026, 9, 25, 7, 0))
    await store.papers.upsert(
        featured(
            TODAY,
            "Vision models learning image features",
            "Graph learning for molecular property prediction",
        )
    )
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 0)) == 2
    [to_alice] = dms_to(chat, "alice")
    [to_bob] = dms_to(chat, "bob")
    assert to_alice.text.splitlines()[1:] == [
        "- Graph learning for molecular property prediction",
        "- Vision models learning image features",
    ]
    assert to_bob.text.splitlines()[1:] == [
        "- Vision models learning image features",
        "- Graph learning for molecular property prediction",
    ]


async def test_a_failing_dm_is_retried_with_a_growing_pause_not_every_minute(
    engine: Services, clock: FakeClock, chat: Recorder, day_papers: None
) -> None:
    """The notify job runs every minute: a person whose DM keeps failing (Slack rate-limits
    the bot, Discord answers 500) is tried again after 1, 2, 4, 8, then every 15 minutes, and
    others' DMs go out meanwhile."""
    await subscribe(engine, alice(), "diffusion")
    original = chat.send_dm
    tries: list[datetime] = []
    broken = True

    async def failing(user: UserRef, message: Message) -> PostedRef:
        if user.user_id == "alice":
            tries.append(clock.now())
            if broken:
                raise DeliveryError("Slack is rate-limiting the bot; the DM will be retried.")
        return await original(user, message)

    chat.send_dm = failing  # type: ignore[method-assign]
    start = at_utc(2026, 9, 25, 9, 0)
    for minute in range(31):
        clock.set(start + timedelta(minutes=minute))
        await engine.notifier.notify(clock.now())
        if minute == 5:
            await subscribe(engine, bob(), "diffusion")
    assert [int((t - start).total_seconds() // 60) for t in tries] == [0, 1, 3, 7, 15, 30]
    assert len(dms_to(chat, "bob")) == 1
    broken = False
    clock.set(start + timedelta(minutes=44))
    assert await engine.notifier.notify(clock.now()) == 0  # 15 minutes after the last try
    clock.set(start + timedelta(minutes=45))
    assert await engine.notifier.notify(clock.now()) == 1
    assert len(dms_to(chat, "alice")) == 1

"""The weekly recap: posted once at the feed's time on its weekday, with the week's votes and
discussions; claims shared by two runs, resumed after a crash, caught up within the grace
window and marked missed beyond it; the empty week; changing the day; channel off."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import DeliveryStatus, EmptyDay, Feed, UserRef
from bot.ports import PostedRef
from bot.present.recap import EMPTY_WEEK
from storage.store import Repositories
from tests.conftest import CHANNEL, alice
from tests.delivery.conftest import Recorder, add_feed, another_process, at_utc, paper_batch

FRIDAY = 4
RECAP_DAY = date(2026, 9, 25)  # a Friday; the week is Fri 18 Sep 09:00 – Fri 25 Sep 09:00
NOW = at_utc(2026, 9, 25, 9, 0)
IN_WEEK = at_utc(2026, 9, 22, 15, 0)
WEEK_DAY = date(2026, 9, 21)  # the HF day of the week's papers
A, B, C, D = (f"2609.21{i:03d}" for i in range(1, 5))  # paper_ids(WEEK_DAY)


class Killed(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs."""


def person(name: str, workspace: str = "ws1") -> UserRef:
    return UserRef("console", workspace, name, name.title())


@dataclass
class Linking(Recorder):
    """A recorder whose platform gives permalinks, as Discord and Slack do."""

    async def permalink(self, ref: PostedRef) -> str | None:
        return f"https://chat.example/{ref.channel.channel}/{ref.thread_id}"


@pytest.fixture
def chat(engine: Services) -> Linking:
    adapter = Linking()
    engine.attach(adapter)
    return adapter


@pytest.fixture
async def feed(store: Repositories, clock: FakeClock) -> Feed:
    clock.set(NOW)
    await store.papers.upsert(paper_batch(WEEK_DAY, 6))
    await store.papers.upsert(paper_batch(date(2026, 9, 24), 3))  # the day's thread
    return await add_feed(store, top=3, weekly_day=FRIDAY)


async def a_week(store: Repositories) -> None:
    """Three people up-vote A, one B; C is discussed in this channel's thread, D in a
    daily thread only. Out of the week: a vote the Friday before 09:00, a down-vote, another
    workspace's votes."""
    votes = store.votes
    for name in ("alice", "bob", "carol"):
        await votes.toggle(person(name), A, IN_WEEK)
    await votes.toggle(person("alice"), B, IN_WEEK + timedelta(days=1))
    await votes.toggle(person("dave"), B, at_utc(2026, 9, 18, 8, 59))  # the week before
    await votes.toggle(person("erin"), C, IN_WEEK, value=-1)
    await votes.toggle(person("zed", "ws2"), D, IN_WEEK)
    talks = store.discussions
    assert await talks.claim(CHANNEL, C, "alice", IN_WEEK) is None
    await talks.opened(CHANNEL, C, "root-c", "thread-c")
    for n, who in enumerate(("alice", "bob", "bob")):
        await talks.add_reply("console", "ws1", f"r{n}", C, who, IN_WEEK)
    await talks.add_reply("console", "ws1", "r9", D, "carol", IN_WEEK)


def recaps(chat: Recorder) -> list[str]:
    return [text for text in chat.notes() if text.startswith("Weekly recap")]


async def row(store: Repositories, feed: Feed, day: date = RECAP_DAY) -> DeliveryStatus | None:
    assert feed.id is not None
    found = await store.recaps.get(feed.id, day)
    return found.status if found else None


async def test_the_recap_posts_once_with_the_weeks_votes_and_discussions(
    engine: Services, store: Repositories, feed: Feed, chat: Linking
) -> None:
    await a_week(store)
    outcomes = await engine.publisher.publish_due(NOW)
    assert "feed 1 2026-09-25 weekly: Posted the weekly recap for the week to Fri 25 Sep." in (
        outcomes
    )
    (text,) = recaps(chat)
    assert text.splitlines() == [
        "Weekly recap · Fri 18 Sep – Fri 25 Sep",
        "3 people voted (4 up-votes).",
        "Most upvoted here:",
        "1. Paper 1 of 2026-09-21 (▲ 3 votes this week)",
        "2. Paper 2 of 2026-09-21 (▲ 1 vote this week)",
        "Most discussed:",
        "1. Paper 3 of 2026-09-21 (💬 3 replies · 2 people this week · "
        "discussion: https://chat.example/general/thread-c)",
        "2. Paper 4 of 2026-09-21 (💬 1 reply · 1 person this week)",
    ]
    assert len(chat.threads()) == 1  # the day's thread went out too, beside the recap
    assert await row(store, feed) is DeliveryStatus.DONE
    assert await engine.publisher.publish_due(NOW + timedelta(minutes=1)) == []
    assert await another_process(engine).publish_due(NOW + timedelta(hours=2)) == []
    assert len(recaps(chat)) == 1


async def test_two_processes_and_a_double_trigger_post_one_recap(
    engine: Services, store: Repositories, feed: Feed, chat: Linking
) -> None:
    await a_week(store)
    a, b = another_process(engine), another_process(engine)
    await asyncio.gather(
        a.publish_due(NOW),
        b.publish_due(NOW),
        engine.publisher.publish_due(NOW),
        engine.publisher.post_now(feed, what="weekly"),
    )
    assert len(recaps(chat)) == 1 and len(chat.threads()) == 1
    assert await row(store, feed) is DeliveryStatus.DONE


async def test_a_crash_before_the_post_is_taken_over_after_the_lease_and_posts_once(
    engine: Services,
    store: Repositories,
    feed: Feed,
    chat: Linking,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await a_week(store)
    assert feed.id is not None
    dead = another_process(engine)
    assert dead.weekly is not None

    async def no_cleanup(*args: object, **kwargs: object) -> None:
        return None

    chat.fail_after, chat.fault = 0, Killed()  # type: ignore[assignment]
    monkeypatch.setattr(store.recaps, "release", no_cleanup)  # a killed process runs nothing
    with pytest.raises(Killed):
        await dead.deliver(feed, RECAP_DAY, track=dead.weekly)
    monkeypatch.undo()
    chat.fail_after, chat.fault = None, None
    assert recaps(chat) == [] and await row(store, feed) is DeliveryStatus.CLAIMED

    other = another_process(engine)
    assert other.weekly is not None
    busy = await other.deliver(feed, RECAP_DAY, track=other.weekly)
    assert busy == "That day's weekly recap is being posted right now."
    clock.advance(seconds=engine.settings.delivery_lease_seconds + 2)  # the lease runs out
    await other.publish_due(clock.now())
    assert len(recaps(chat)) == 1 and await row(store, feed) is DeliveryStatus.DONE


async def test_a_crash_after_the_post_finishes_without_posting_again(
    engine: Services,
    store: Repositories,
    feed: Feed,
    chat: Linking,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await a_week(store)
    dead = another_process(engine)
    assert dead.weekly is not None
    finish = store.recaps.finish

    async def killed_before_the_finish(*args: object, **kwargs: object) -> None:
        raise Killed

    async def no_cleanup(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(store.recaps, "finish", killed_before_the_finish)
    monkeypatch.setattr(store.recaps, "release", no_cleanup)
    with pytest.raises(Killed):
        await dead.deliver(feed, RECAP_DAY, track=dead.weekly)
    monkeypatch.undo()
    assert store.recaps.finish == finish
    assert len(recaps(chat)) == 1  # it went out, and its message was recorded

    clock.advance(seconds=engine.settings.delivery_lease_seconds + 2)
    outcomes = await another_process(engine).publish_due(clock.now())
    assert "feed 1 2026-09-25 weekly: This week's recap is already posted here." in outcomes
    assert len(recaps(chat)) == 1 and await row(store, feed) is DeliveryStatus.DONE


async def test_downtime_is_caught_up_within_the_grace_window(
    engine: Services, store: Repositories, feed: Feed, chat: Linking
) -> None:
    await a_week(store)
    await engine.publisher.publish_due(NOW + timedelta(hours=5, minutes=59))
    (text,) = recaps(chat)
    assert "3 people voted" in text  # the week still ends at 09:00, not when it went out


async def test_beyond_the_grace_window_the_recap_is_marked_missed_and_logged(
    engine: Services,
    store: Repositories,
    feed: Feed,
    chat: Linking,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await a_week(store)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.publisher"):
        outcomes = await engine.publisher.publish_due(NOW + timedelta(hours=7))
    assert any("weekly: missed (not posted: the bot was not running between" in o for o in outcomes)
    assert recaps(chat) == [] and await row(store, feed) is DeliveryStatus.MISSED
    assert any("missed 2026-09-25" in r.getMessage() for r in caplog.records)
    text = (await engine.dispatcher.handle_text(alice(), "/papers channel status", CHANNEL)).text
    assert "Last recap: Fri 25 Sep — missed: not posted: the bot was not running" in text
    assert "Next recap: Fri 2 Oct 09:00 (UTC)" in text


@pytest.mark.parametrize("empty_day", [EmptyDay.NOTE, EmptyDay.SKIP])
async def test_a_week_without_votes(
    engine: Services, store: Repositories, clock: FakeClock, chat: Linking, empty_day: EmptyDay
) -> None:
    clock.set(NOW)
    feed = await add_feed(store, weekly_day=FRIDAY, empty_day=empty_day)
    await store.papers.upsert(paper_batch(WEEK_DAY, 2))
    await store.votes.toggle(person("dave"), "2609.21001", at_utc(2026, 9, 1))  # long ago
    outcomes = await engine.publisher.publish_due(NOW)
    assert feed.id is not None
    found = await store.recaps.get(feed.id, RECAP_DAY)
    assert found is not None and found.note == EMPTY_WEEK
    if empty_day is EmptyDay.NOTE:
        assert recaps(chat) == [
            "Weekly recap · Fri 18 Sep – Fri 25 Sep: No votes or discussion this week. "
            "Upvote papers with ▲ (or discuss them) and they show up here next week."
        ]
        assert found.status is DeliveryStatus.DONE
        assert "weekly: No votes or discussion that week; posted a short note." in outcomes[-1]
    else:
        assert recaps(chat) == [] and found.status is DeliveryStatus.SKIPPED
        assert "nothing was posted (this feed skips empty days)" in outcomes[-1]
    status = (await engine.dispatcher.handle_text(alice(), "/papers channel status", CHANNEL)).text
    assert (
        "Last recap: Fri 25 Sep — "
        + (
            "no votes, a short note was posted"
            if empty_day is EmptyDay.NOTE
            else "skipped (no votes)"
        )
        in status
    )


async def command(engine: Services, line: str, admin: bool = True) -> str:
    return (await engine.dispatcher.handle_text(alice(admin=admin), line, CHANNEL)).text


async def test_the_weekly_command_changes_the_day_and_channel_off_stops_recaps(
    engine: Services, store: Repositories, clock: FakeClock, chat: Linking
) -> None:
    clock.set(at_utc(2026, 9, 21, 12, 0))  # a Monday
    assert await command(engine, "/papers channel weekly fri") == (
        "The weekly recap posts at the daily thread's time: set up a daily thread here "
        "first with /papers channel setup."
    )
    assert "Daily thread set up." in await command(engine, "/papers channel setup 09:00 UTC 3")
    answer = await command(engine, "/papers channel weekly fri")
    assert answer.splitlines()[:2] == [
        "Weekly recap set: Fridays at 09:00 (UTC), the week's most upvoted and most "
        "discussed papers here.",
        "Next recap: Fri 25 Sep 09:00 (UTC)",
    ]
    assert "Only admins" in await command(engine, "/papers channel weekly mon", admin=False)
    assert "The day must be one of mon, tue," in await command(
        engine, "/papers channel weekly fryday"
    )
    await command(engine, "/papers channel weekly wed")
    # A new setup replaces the thread's options but keeps the recap day.
    await command(engine, "/papers channel setup 10:00 UTC 5")
    status = await command(engine, "/papers channel status")
    assert "Weekly recap: Wednesdays at 10:00" in status
    assert "Next recap: Wed 23 Sep 10:00 (UTC)" in status
    await engine.publisher.publish_due(at_utc(2026, 9, 23, 10, 0))
    assert len(recaps(chat)) == 1  # the note of an empty week, on Wednesday

    assert "Stopped this channel's daily thread and its weekly recap." in await command(
        engine, "/papers channel off"
    )
    posted = len(chat.log)
    await engine.publisher.publish_due(at_utc(2026, 9, 30, 10, 0))
    assert len(chat.log) == posted  # neither the thread nor the recap
    assert "Weekly recap: Wednesdays" in await command(engine, "/papers channel status")
    # setup starts both again (its answer says so); the recap is turned off on its own
    assert "Weekly recap: Wednesdays" in await command(engine, "/papers channel setup 10:00 UTC")
    assert await command(engine, "/papers channel weekly off") == (
        "No weekly recap in this channel; the daily thread goes on."
    )
    assert "Weekly recap: off" in await command(engine, "/papers channel status")
    await engine.publisher.publish_due(at_utc(2026, 10, 7, 10, 0))
    assert len(recaps(chat)) == 1


async def test_post_now_weekly_posts_the_week_up_to_now_once(
    engine: Services, store: Repositories, feed: Feed, chat: Linking, clock: FakeClock
) -> None:
    await a_week(store)
    clock.set(at_utc(2026, 9, 25, 8, 0))  # before the recap's time on its day
    await store.votes.toggle(person("frank"), B, clock.now() - timedelta(hours=1))  # counts
    reply = await command(engine, "/papers post-now weekly")
    assert reply == "Posted the weekly recap for the week to Fri 25 Sep."
    (text,) = recaps(chat)
    assert "4 people voted (5 up-votes)." in text
    assert "already posted" in await command(engine, "/papers post-now weekly")
    await engine.publisher.publish_due(NOW)  # the day's thread only: the recap is done
    assert len(recaps(chat)) == 1 and len(chat.threads()) == 1
    assert await command(engine, "/papers post-now") == "That day's thread is already posted here."


async def test_post_now_weekly_needs_a_recap_day(
    engine: Services, store: Repositories, clock: FakeClock, chat: Linking
) -> None:
    clock.set(NOW)
    await add_feed(store)
    assert await command(engine, "/papers post-now weekly") == (
        "This channel has no weekly recap; an admin can start one with /papers channel weekly fri."
    )


async def test_the_recap_follows_the_feeds_zone_across_a_dst_change(
    engine: Services, store: Repositories, clock: FakeClock, chat: Linking
) -> None:
    """Berlin leaves summer time on Sun 25 Oct 2026: the recap of that Sunday goes out at
    09:00 local (08:00 UTC, no longer 07:00), and its week ends there too."""
    clock.set(at_utc(2026, 10, 25, 7, 0))
    await add_feed(store, tz="Europe/Berlin", weekly_day=6)
    await store.papers.upsert(paper_batch(WEEK_DAY, 2))
    await store.votes.toggle(person("ann"), A, at_utc(2026, 10, 18, 6, 59))  # the week before
    await store.votes.toggle(person("bea"), A, at_utc(2026, 10, 25, 7, 30))  # 08:30 CET: in
    assert not [o for o in await engine.publisher.publish_due(clock.now()) if "weekly" in o]
    assert recaps(chat) == []
    outcomes = await engine.publisher.publish_due(at_utc(2026, 10, 25, 8, 0))
    assert any("2026-10-25 weekly: Posted the weekly recap" in o for o in outcomes)
    (text,) = recaps(chat)
    assert text.startswith("Weekly recap · Sun 18 Oct – Sun 25 Oct\n1 person voted (1 up-vote).")


async def test_after_a_post_now_mid_week_the_next_recap_starts_where_it_ended(
    engine: Services, store: Repositories, feed: Feed, chat: Linking, clock: FakeClock
) -> None:
    """Every vote is in exactly one recap: the Friday recap after Wednesday's post-now covers
    Wednesday's post to Friday, not the seven days (which would count Monday's votes twice)."""
    await a_week(store)  # votes on Fri 18 Sep 08:59, Tue 22 Sep, and Wed 23 Sep 15:00
    clock.set(at_utc(2026, 9, 23, 12, 0))
    assert await command(engine, "/papers post-now weekly") == (
        "Posted the weekly recap for the week to Wed 23 Sep."
    )
    assert "4 people voted (4 up-votes)." in recaps(chat)[0]
    clock.set(NOW)
    await engine.publisher.publish_due(NOW)
    friday = recaps(chat)[1].splitlines()
    assert friday[:2] == ["Weekly recap · Wed 23 Sep – Fri 25 Sep", "1 person voted (1 up-vote)."]

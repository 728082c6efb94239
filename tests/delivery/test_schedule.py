"""When a feed posts: local time in its own zone (DST-correct), catch-up, missed days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.delivery.schedule import content_day, post_instant
from bot.models import ChannelRef, DeliveryStatus, Feed
from storage.store import Repositories
from tests.conftest import CHANNEL, alice
from tests.delivery.conftest import Recorder, add_feed, at_utc, paper_batch

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def feed_at(tz: str, hhmm: str) -> Feed:
    hh, mm = hhmm.split(":")
    return Feed(channel=CHANNEL, post_time=time(int(hh), int(mm)), timezone=tz)


async def publish(engine: Services, clock: FakeClock, when: datetime) -> list[str]:
    clock.set(when)
    return await engine.publisher.publish_due(when)


@pytest.mark.parametrize(
    ("tz", "local_day", "hhmm", "expected_utc"),
    [
        (BERLIN, date(2026, 3, 28), "09:00", at_utc(2026, 3, 28, 8)),  # CET
        (BERLIN, date(2026, 3, 29), "09:00", at_utc(2026, 3, 29, 7)),  # CEST from 02:00
        (BERLIN, date(2026, 10, 24), "09:00", at_utc(2026, 10, 24, 7)),
        (BERLIN, date(2026, 10, 25), "09:00", at_utc(2026, 10, 25, 8)),  # back to CET
        (NEW_YORK, date(2026, 3, 7), "09:00", at_utc(2026, 3, 7, 14)),  # EST
        (NEW_YORK, date(2026, 3, 8), "09:00", at_utc(2026, 3, 8, 13)),  # EDT
        (NEW_YORK, date(2026, 10, 31), "09:00", at_utc(2026, 10, 31, 13)),
        (NEW_YORK, date(2026, 11, 1), "09:00", at_utc(2026, 11, 1, 14)),
        # 02:30 does not exist on 29 March in Berlin: it posts at 03:30 CEST.
        (BERLIN, date(2026, 3, 29), "02:30", at_utc(2026, 3, 29, 1, 30)),
        # 02:30 happens twice on 25 October: it posts once, at the first one (CEST).
        (BERLIN, date(2026, 10, 25), "02:30", at_utc(2026, 10, 25, 0, 30)),
    ],
)
def test_post_instant_follows_the_zone(
    tz: str, local_day: date, hhmm: str, expected_utc: datetime
) -> None:
    assert post_instant(feed_at(tz, hhmm), local_day) == expected_utc


@pytest.mark.parametrize(
    "tz",
    [
        "UTC",
        BERLIN,
        NEW_YORK,
        "America/Los_Angeles",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Pacific/Auckland",
    ],
)
@pytest.mark.parametrize("hhmm", ["00:30", "01:30", "09:00", "19:30", "20:00", "23:30"])
def test_content_days_are_consecutive_and_complete(tz: str, hhmm: str) -> None:
    """Every local day shows the next HF day: DST never repeats or skips one, and the HF day
    shown has always ended (UTC) when the post goes out."""
    feed = feed_at(tz, hhmm)
    day = date(2026, 1, 1)
    previous = content_day(feed, day)
    while day < date(2027, 1, 5):
        day += timedelta(days=1)
        shown = content_day(feed, day)
        assert shown - previous == timedelta(days=1), (tz, hhmm, day)
        ended = datetime.combine(shown + timedelta(days=1), time(0), tzinfo=UTC)
        assert post_instant(feed, day) >= ended, (tz, hhmm, day)
        assert post_instant(feed, day) - ended < timedelta(days=1, hours=1)
        previous = shown


def test_new_york_evening_feed_across_spring_forward() -> None:
    """19:30 New York is 00:30 UTC in winter, 23:30 UTC in summer: a naive "UTC day
    before the post" would show 7 March on both the 7th and the 8th."""
    feed = feed_at(NEW_YORK, "19:30")
    shown = [content_day(feed, date(2026, 3, d)) for d in (6, 7, 8, 9)]
    assert shown == [date(2026, 3, d) for d in (5, 6, 7, 8)]


@pytest.mark.parametrize(
    ("tz", "local_day", "expected_utc"),
    [
        (BERLIN, date(2026, 3, 29), at_utc(2026, 3, 29, 7)),
        (BERLIN, date(2026, 10, 25), at_utc(2026, 10, 25, 8)),
        (NEW_YORK, date(2026, 3, 8), at_utc(2026, 3, 8, 13)),
        (NEW_YORK, date(2026, 11, 1), at_utc(2026, 11, 1, 14)),
    ],
)
async def test_posts_at_local_time_on_dst_days(
    engine: Services,
    store: Repositories,
    clock: FakeClock,
    chat: Recorder,
    tz: str,
    local_day: date,
    expected_utc: datetime,
) -> None:
    feed = await add_feed(store, tz=tz)
    cday = content_day(feed, local_day)
    await store.papers.upsert(paper_batch(cday))
    # The evening before, the post of the day before is done (so only local_day is due).
    assert feed.id is not None
    previous = local_day - timedelta(days=1)
    await store.deliveries.finish(feed.id, previous, DeliveryStatus.DONE, None)

    assert await publish(engine, clock, expected_utc - timedelta(minutes=1)) == []
    # One hour off either way (the other offset) would be wrong:
    assert chat.log == []
    outcomes = await publish(engine, clock, expected_utc)
    assert len(outcomes) == 1 and "Posted" in outcomes[0]
    assert len(chat.threads()) == 1 and len(chat.items()) == 10
    delivery = await store.deliveries.get(feed.id, local_day)
    assert delivery is not None and delivery.status is DeliveryStatus.DONE
    assert await publish(engine, clock, expected_utc + timedelta(minutes=1)) == []
    assert len(chat.threads()) == 1


async def test_two_feeds_in_different_zones_in_the_dst_gap_week(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    """Mon 26 Oct 2026: Berlin is back on CET (UTC+1), New York still on EDT (UTC-4)."""
    berlin = await add_feed(store, channel="berlin", tz=BERLIN)
    ny = await add_feed(store, channel="ny", tz=NEW_YORK)
    for feed in (berlin, ny):
        assert feed.id is not None
        await store.deliveries.finish(feed.id, date(2026, 10, 25), DeliveryStatus.DONE, None)
    await store.papers.upsert(paper_batch(date(2026, 10, 25)))

    await publish(engine, clock, at_utc(2026, 10, 26, 7, 59))
    assert chat.log == []
    await publish(engine, clock, at_utc(2026, 10, 26, 8, 0))  # 09:00 in Berlin
    assert len(chat.threads("berlin")) == 1 and chat.threads("ny") == []
    await publish(engine, clock, at_utc(2026, 10, 26, 12, 59))
    assert chat.threads("ny") == []
    await publish(engine, clock, at_utc(2026, 10, 26, 13, 0))  # 09:00 in New York
    assert len(chat.threads("ny")) == 1
    # Both show the same complete HF day, 25 October.
    assert all("Sun 25 Oct" in t for t in chat.threads("berlin") + chat.threads("ny"))


async def test_down_at_post_time_catches_up_when_back(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store, tz=BERLIN)  # 09:00 Berlin = 07:00 UTC on 25 Sep
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    assert feed.id is not None
    await store.deliveries.finish(feed.id, date(2026, 9, 24), DeliveryStatus.DONE, None)
    # The bot was down from 06:00 to 10:30 Berlin; its first run is at 10:30.
    outcomes = await publish(engine, clock, at_utc(2026, 9, 25, 8, 30))
    assert len(outcomes) == 1
    assert len(chat.threads()) == 1 and len(chat.items()) == 10
    assert "Thu 24 Sep" in chat.threads()[0]


async def test_down_all_day_marks_the_day_missed_and_never_posts_it_late(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store, tz=BERLIN)
    assert feed.id is not None
    for d in (23, 24, 25):
        await store.papers.upsert(paper_batch(date(2026, 9, d)))
    await store.deliveries.finish(feed.id, date(2026, 9, 24), DeliveryStatus.DONE, None)
    # Down all of Friday 25 Sep; back at 00:05 Berlin on Saturday.
    outcomes = await publish(engine, clock, datetime(2026, 9, 26, 0, 5, tzinfo=ZoneInfo(BERLIN)))
    assert chat.log == []
    assert len(outcomes) == 1 and "missed" in outcomes[0]
    missed = await store.deliveries.get(feed.id, date(2026, 9, 25))
    assert missed is not None and missed.status is DeliveryStatus.MISSED
    assert missed.note == (
        "not posted: the bot was not running between 09:00 and 15:00 (Europe/Berlin)"
    )
    status = await engine.dispatcher.handle_text(
        alice(admin=True), "/papers channel status", CHANNEL
    )
    assert (
        "Last thread: Fri 25 Sep, papers of Thu 24 Sep — missed: not posted: the bot was not "
        "running between 09:00 and 15:00 (Europe/Berlin)"
    ) in status.text
    # Saturday's own thread goes out at 09:00 as usual, and Friday's never does.
    await publish(engine, clock, datetime(2026, 9, 26, 9, 0, tzinfo=ZoneInfo(BERLIN)))
    assert len(chat.threads()) == 1 and "Fri 25 Sep" in chat.threads()[0]
    assert (await store.deliveries.get(feed.id, date(2026, 9, 25))).status is DeliveryStatus.MISSED  # type: ignore[union-attr]


async def test_grace_window_edges(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store)  # 09:00 UTC, grace 6 h
    assert feed.id is not None
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    await store.deliveries.finish(feed.id, date(2026, 9, 24), DeliveryStatus.DONE, None)
    await publish(engine, clock, at_utc(2026, 9, 25, 15, 0))
    assert chat.log == []
    row = await store.deliveries.get(feed.id, date(2026, 9, 25))
    assert row is not None and row.status is DeliveryStatus.MISSED


async def test_just_inside_the_grace_window_still_posts(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store)
    assert feed.id is not None
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    await store.deliveries.finish(feed.id, date(2026, 9, 24), DeliveryStatus.DONE, None)
    await publish(engine, clock, at_utc(2026, 9, 25, 14, 59))
    assert len(chat.threads()) == 1


async def test_a_feed_set_up_after_its_post_time(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    """Set up within the grace window: today's thread goes out at once. Set up later: no
    thread today, and no "missed" for days the feed did not exist."""
    await store.papers.upsert(paper_batch(date(2026, 9, 24)))
    await add_feed(store, channel="soon", since=at_utc(2026, 9, 25, 9, 30))
    await publish(engine, clock, at_utc(2026, 9, 25, 9, 31))
    assert len(chat.threads("soon")) == 1

    late = await add_feed(store, channel="late", since=at_utc(2026, 9, 25, 16, 0))
    await publish(engine, clock, at_utc(2026, 9, 25, 16, 1))
    assert chat.threads("late") == []
    assert late.id is not None
    assert await store.deliveries.last(late.id) is None  # neither today nor yesterday
    await store.papers.upsert(paper_batch(date(2026, 9, 25)))
    await publish(engine, clock, at_utc(2026, 9, 26, 9, 0))
    assert len(chat.threads("late")) == 1


async def test_weekdays_only(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    feed = await add_feed(store, weekdays=frozenset(range(5)))  # Mon–Fri
    assert feed.id is not None
    await store.papers.upsert(paper_batch(date(2026, 9, 25)))
    await publish(engine, clock, at_utc(2026, 9, 26, 9, 0))  # Saturday
    assert chat.log == []
    assert await store.deliveries.get(feed.id, date(2026, 9, 26)) is None


async def test_feeds_of_a_platform_without_adapter_are_left_alone(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    """Another process may serve Slack: this one neither posts nor marks it missed."""
    feed = await add_feed(store, platform="slack")
    await publish(engine, clock, at_utc(2026, 9, 26, 23, 0))
    assert feed.id is not None
    assert await store.deliveries.last(feed.id) is None


async def test_status_shows_next_post_in_the_feed_zone_and_last_outcome(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    clock.set(at_utc(2026, 10, 24, 17, 0))  # Saturday 19:00 CEST: past 09:00 + 6 h grace
    setup = await engine.dispatcher.handle_text(
        alice(admin=True), "/papers channel setup 09:00 Europe/Berlin 10", CHANNEL
    )
    assert "Next post: Sun 25 Oct 09:00 (Europe/Berlin), papers of Sat 24 Oct" in setup.text
    await store.papers.upsert(paper_batch(date(2026, 10, 24)))
    await publish(engine, clock, at_utc(2026, 10, 25, 8, 0))  # 09:00 CET, after the change
    status = await engine.dispatcher.handle_text(
        alice(admin=True), "/papers channel status", CHANNEL
    )
    assert "Daily thread: on" in status.text
    assert "Next post: Mon 26 Oct 09:00 (Europe/Berlin), papers of Sun 25 Oct" in status.text
    # The thread of Sun 25 Oct showed the papers of Sat 24 Oct, and the status says so.
    assert "Last thread: Sun 25 Oct, papers of Sat 24 Oct — posted" in status.text
    other = await engine.dispatcher.handle_text(
        alice(), "/papers channel status", ChannelRef("console", "ws1", "elsewhere")
    )
    assert "no daily thread" in other.text

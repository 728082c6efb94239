"""The schedule's pure functions (bot.delivery.schedule), driven by a fake clock across DST changes:
what the Publisher does (``step`` over ``lookback``) and what the channel status promises
(``next_post``) agree at every tick, and a thread finished early (post-now) moves the next
post to the following day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.delivery.schedule import Post, Step, lookback, next_post, post_on, step
from bot.models import DeliveryStatus, Feed
from tests.conftest import CHANNEL

GRACE = timedelta(hours=6)
TICK = timedelta(minutes=10)


@dataclass
class Run:
    """A publisher and a status reader sharing one fake clock and one set of rows."""

    feed: Feed
    clock: FakeClock
    statuses: dict[date, DeliveryStatus] = field(default_factory=dict)
    posted: list[tuple[Post, datetime]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Everything due before the clock starts was posted by an earlier run.
        for post in lookback(self.feed, self.clock.now(), GRACE):
            self.statuses[post.day] = DeliveryStatus.DONE

    def until(self, end: datetime) -> None:
        promised = next_post(self.feed, self.clock.now(), GRACE, self.statuses)
        while self.clock.now() < end:
            now = self.clock.now()
            outlook = next_post(self.feed, now, GRACE, self.statuses)
            for post in lookback(self.feed, now, GRACE):
                if step(post, now, GRACE, self.statuses.get(post.day)) is Step.POST:
                    # The status said so: due now, and until now "next" was this very post.
                    assert outlook == (post, True)
                    assert promised == (post, False)
                    self.statuses[post.day] = DeliveryStatus.DONE
                    self.posted.append((post, now))
            promised = next_post(self.feed, now, GRACE, self.statuses)
            assert promised is not None and not promised[1]  # nothing is left due
            assert promised[0].at > now
            self.clock.advance(minutes=TICK.total_seconds() / 60)


def feed(tz: str, hhmm: str) -> Feed:
    hh, mm = hhmm.split(":")
    return Feed(channel=CHANNEL, post_time=time(int(hh), int(mm)), timezone=tz)


@pytest.mark.parametrize(
    ("tz", "hhmm", "start", "local_times"),
    [
        # Berlin falls back on Sun 25 Oct 2026: 09:00 stays 09:00 (08:00 UTC after the change).
        ("Europe/Berlin", "09:00", datetime(2026, 10, 23, 12, tzinfo=UTC), ["09:00"] * 4),
        # 02:30 happens twice on 25 Oct: posted once, at the first one.
        ("Europe/Berlin", "02:30", datetime(2026, 10, 23, 12, tzinfo=UTC), ["02:30"] * 4),
        # New York springs forward on Sun 8 Mar 2026: 02:30 does not exist and posts at 03:30.
        (
            "America/New_York",
            "02:30",
            datetime(2026, 3, 6, 12, tzinfo=UTC),
            ["02:30", "03:30", "02:30", "02:30"],
        ),
        ("America/New_York", "19:30", datetime(2026, 3, 6, 12, tzinfo=UTC), ["19:30"] * 4),
    ],
)
def test_one_post_a_day_at_the_local_time_across_a_dst_change(
    tz: str, hhmm: str, start: datetime, local_times: list[str]
) -> None:
    run = Run(feed(tz, hhmm), FakeClock(start))
    run.until(start + timedelta(days=4))
    zone = ZoneInfo(tz)
    days = [post.day for post, _ in run.posted]
    assert days == [days[0] + timedelta(days=n) for n in range(4)]  # each local day once
    assert [at.astimezone(zone).strftime("%H:%M") for _, at in run.posted] == local_times
    assert all(at == post.at for post, at in run.posted)  # on the first tick, never late
    shown = [post.content_day for post, _ in run.posted]
    assert shown == [shown[0] + timedelta(days=n) for n in range(4)]  # no HF day twice or lost


def test_a_thread_posted_early_moves_the_next_post_to_tomorrow() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    run = Run(
        feed("Europe/Berlin", "09:00"), FakeClock(datetime(2026, 10, 25, 7, 0, tzinfo=berlin))
    )
    today = date(2026, 10, 25)
    assert next_post(run.feed, run.clock.now(), GRACE, run.statuses) == (
        post_on(run.feed, today),
        False,
    )
    run.statuses[today] = DeliveryStatus.DONE  # an admin's post-now at 07:00, before 09:00
    upcoming = next_post(run.feed, run.clock.now(), GRACE, run.statuses)
    assert upcoming is not None and not upcoming[1]
    assert upcoming[0].local_at(run.feed) == datetime(2026, 10, 26, 9, 0, tzinfo=berlin)
    run.until(datetime(2026, 10, 27, 0, 0, tzinfo=berlin))
    assert [post.day for post, _ in run.posted] == [date(2026, 10, 26)]  # not 25 Oct again


def test_past_the_grace_window_a_post_is_closed_and_never_due() -> None:
    f = feed("UTC", "09:00")
    post = post_on(f, date(2026, 9, 25))
    late = post.at + GRACE
    assert step(post, late - timedelta(seconds=1), GRACE, None) is Step.POST
    assert step(post, late, GRACE, None) is Step.CLOSE
    assert step(post, late, GRACE, DeliveryStatus.CLAIMED, started=True) is Step.POST
    assert step(post, late, GRACE, DeliveryStatus.MISSED) is Step.NOTHING
    upcoming = next_post(f, late, GRACE, {})
    assert upcoming == (post_on(f, date(2026, 9, 26)), False)
    resuming = next_post(f, late, GRACE, {post.day: DeliveryStatus.CLAIMED}, {post.day})
    assert resuming == (post, True)  # a started thread is always finished

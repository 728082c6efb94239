"""DMs at each person's own time in their own zone (/papers settings): across daylight-saving
changes, on their local date, at most once a local day, paused by ``dms off``, at most
``dm-size`` papers, and no paper read when nobody is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import pytest

from bot import notify
from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.dm_schedule import due_at, due_day, next_time
from bot.messages import Message
from bot.models import PersonChoices, PersonSettings, UserRef
from bot.query import ParsedQuery
from bot.scheduler import build_scheduler
from storage.store import Repositories
from tests.conftest import alice, bob
from tests.delivery.conftest import Recorder
from tests.delivery.dm_days import featured, utc
from tests.delivery.test_scheduler import fires

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


async def say(engine: Services, user: UserRef, line: str) -> str:
    return (await engine.dispatcher.handle_text(user, line)).text


async def follow(engine: Services, user: UserRef, settings: str, topic: str = "diffusion") -> None:
    assert "Saved" in await say(engine, user, f"/papers settings {settings}")
    assert "Subscribed" in await say(engine, user, f"/papers subscribe {topic}")


def dms_to(chat: Recorder, user_id: str) -> list[Message]:
    return [m for u, m in chat.dms if u.user_id == user_id]


async def runs(engine: Services, clock: FakeClock, chat: Recorder, *times: datetime) -> list[int]:
    """The notify job at each time (through Jobs, as the scheduler runs it): DMs sent."""
    out = []
    for when in times:
        before = len(chat.dms)
        clock.set(when)
        await engine.jobs.notify()
        out.append(len(chat.dms) - before)
    return out


@pytest.fixture
async def papers(store: Repositories) -> None:
    for day in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 28), date(2026, 3, 29)):
        await store.papers.upsert(featured(day, f"Diffusion on {day:%d %b}"))
    for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)):
        await store.papers.upsert(featured(day, f"Diffusion on {day:%d %b}"))


def test_due_times_across_daylight_saving_changes() -> None:
    ny = PersonSettings(dm_time=time(9, 0), timezone=NEW_YORK)
    assert due_at(date(2026, 3, 7), ny) == utc(2026, 3, 7, 14)  # EST, UTC−5
    assert due_at(date(2026, 3, 8), ny) == utc(2026, 3, 8, 13)  # EDT from 02:00 that day
    assert due_at(date(2026, 10, 31), ny) == utc(2026, 10, 31, 13)
    assert due_at(date(2026, 11, 1), ny) == utc(2026, 11, 1, 14)  # EST again
    gap = PersonSettings(dm_time=time(2, 30), timezone=NEW_YORK)  # 02:30 is skipped on 8 Mar
    assert due_at(date(2026, 3, 8), gap) == utc(2026, 3, 8, 7, 30)  # = 03:30 EDT
    twice = PersonSettings(dm_time=time(1, 30), timezone=NEW_YORK)  # 01:30 happens twice
    assert due_at(date(2026, 11, 1), twice) == utc(2026, 11, 1, 5, 30)  # the first one
    assert due_day(utc(2026, 11, 1, 6, 30), twice) == date(2026, 11, 1)  # the second: same day
    tokyo = PersonSettings(dm_time=time(9, 0), timezone="Asia/Tokyo")
    assert due_day(utc(2026, 9, 24, 23, 59), tokyo) is None
    assert due_day(utc(2026, 9, 25, 0, 0), tokyo) == date(2026, 9, 25)
    assert due_day(utc(2026, 9, 25, 0, 0), PersonSettings(time(9), "UTC", dms=False)) is None
    assert next_time(utc(2026, 11, 1, 14, 0), ny) == datetime(
        2026, 11, 2, 9, 0, tzinfo=next_time(utc(2026, 11, 1), ny).tzinfo
    )


async def test_new_york_fall_back_sends_at_nine_local_once(
    engine: Services, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), f"dm-time 09:00 timezone {NEW_YORK}")
    # 31 Oct, EDT: 09:00 is 13:00 UTC (the server's own 09:00 UTC is long gone: not used).
    assert await runs(engine, clock, chat, utc(2026, 10, 31, 12, 59), utc(2026, 10, 31, 13)) == [
        0,
        1,
    ]
    # 1 Nov, clocks went back: 13:00 UTC is 08:00 now; 09:00 is 14:00 UTC.
    assert await runs(
        engine,
        clock,
        chat,
        utc(2026, 11, 1, 13, 0),
        utc(2026, 11, 1, 13, 59),
        utc(2026, 11, 1, 14, 0),
        utc(2026, 11, 1, 14, 1),
        utc(2026, 11, 2, 4, 59),  # 23:59 on 1 Nov in New York: still that local day
    ) == [0, 0, 1, 0, 0]
    assert await runs(engine, clock, chat, utc(2026, 11, 2, 13, 59), utc(2026, 11, 2, 14)) == [0, 1]
    titles = [m.text.splitlines()[0] for m in dms_to(chat, "alice")]
    assert titles == [
        "1 new paper for your topics · Sat 31 Oct",
        "1 new paper for your topics · Sun 1 Nov",
        "1 new paper for your topics · Mon 2 Nov",
    ]


async def test_a_time_skipped_by_spring_forward_still_sends_once(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), f"dm-time 02:30 timezone {NEW_YORK}")
    # 8 Mar 2026: 02:00 EST jumps to 03:00 EDT; 02:30 is taken as 03:30 EDT (07:30 UTC).
    assert await runs(
        engine, clock, chat, utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 29), utc(2026, 3, 8, 7, 30)
    ) == [0, 0, 1]
    assert await runs(engine, clock, chat, utc(2026, 3, 8, 12), utc(2026, 3, 9, 3, 59)) == [0, 0]
    assert await store.notifications.dm_users_on(date(2026, 3, 8)) == {("console", "ws1", "alice")}


async def test_a_time_repeated_by_fall_back_sends_once(
    engine: Services, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), f"dm-time 01:30 timezone {NEW_YORK}")
    # 1 Nov 2026: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC) an hour later.
    assert await runs(
        engine,
        clock,
        chat,
        utc(2026, 11, 1, 5, 29),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 6, 30),
    ) == [0, 1, 0]


async def test_berlin_spring_forward_and_two_zones_in_one_run(
    engine: Services, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), f"dm-time 08:00 timezone {BERLIN}")
    await follow(engine, bob(), "dm-time 08:00")  # the server's zone: UTC
    # 28 Mar: Berlin is on CET (UTC+1): 08:00 is 07:00 UTC; Bob's is 08:00 UTC.
    assert await runs(
        engine, clock, chat, utc(2026, 3, 28, 6, 59), utc(2026, 3, 28, 7), utc(2026, 3, 28, 8)
    ) == [0, 1, 1]
    # 29 Mar: Berlin is on CEST (UTC+2): 08:00 is 06:00 UTC; Bob's 08:00 UTC comes later.
    assert await runs(
        engine, clock, chat, utc(2026, 3, 29, 5, 59), utc(2026, 3, 29, 6), utc(2026, 3, 29, 8)
    ) == [0, 1, 1]
    assert [u.user_id for u, _ in chat.dms] == ["alice", "bob", "alice", "bob"]
    assert len(dms_to(chat, "alice")) == 2 and len(dms_to(chat, "bob")) == 2


async def test_a_person_in_tokyo_gets_the_dm_of_their_own_date(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), "timezone Asia/Tokyo")  # the server's 09:00, in Tokyo
    # 09:00 on 1 Nov in Tokyo is 00:00 UTC on 1 Nov; the DM belongs to Tokyo's date.
    assert await runs(engine, clock, chat, utc(2026, 10, 31, 23, 59), utc(2026, 11, 1, 0)) == [0, 1]
    assert await store.notifications.dm_users_on(date(2026, 11, 1)) == {("console", "ws1", "alice")}
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9), utc(2026, 11, 1, 14, 59)) == [0, 0]


async def test_dms_off_pauses_without_losing_topics_and_on_resumes(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), "dms off")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9), utc(2026, 11, 1, 23)) == [0, 0]
    assert [s.query for s in await store.subscriptions.list_for(alice())] == ["diffusion"]
    assert "Saved" in await say(engine, alice(), "/papers settings dms on")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 23, 1)) == [1]


async def test_dm_size_limits_the_papers_in_a_dm(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    day = date(2026, 11, 1)
    await store.papers.upsert(featured(day, *(f"Diffusion paper {i}" for i in range(5))))
    await follow(engine, alice(), "dm-size 2")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9)) == [1]
    (dm,) = dms_to(chat, "alice")
    assert dm.text.splitlines()[0] == "5 new papers for your topics · Sun 1 Nov"
    assert sum(line.startswith("- ") for line in dm.text.splitlines()) == 2
    assert "…and 3 more" in dm.text


async def test_no_paper_is_read_when_nobody_is_due_and_only_due_topics_are_matched(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), f"dm-time 09:00 timezone {NEW_YORK}")
    await follow(engine, bob(), "dm-time 22:00", topic="diffusion on")
    reads: list[str] = []
    matched: list[list[int]] = []
    paper_repo = engine.notifier.papers
    featured_between, match_many = paper_repo.featured_between, paper_repo.match_many

    async def counting_featured(since: date, until: date) -> list[str]:
        reads.append("featured_between")
        return await featured_between(since, until)

    async def counting_match(
        queries: Sequence[tuple[int, ParsedQuery]], within: Sequence[str]
    ) -> dict[int, list[str]]:
        matched.append([sub_id for sub_id, _ in queries])
        return await match_many(queries, within)

    paper_repo.featured_between = counting_featured  # type: ignore[method-assign]
    paper_repo.match_many = counting_match  # type: ignore[method-assign]
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 13, 59)) == [0]  # nobody due yet
    assert reads == [] and matched == []
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 14)) == [1]  # Alice only
    (alice_sub,) = await store.subscriptions.list_for(alice())
    assert matched == [[alice_sub.id]]
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 15)) == [0]  # Alice done, Bob not due
    assert len(matched) == 1


async def test_the_notify_job_runs_at_the_start_of_every_minute(engine: Services) -> None:
    scheduler = build_scheduler(engine.jobs, engine.settings, engine.clock)
    scheduler.start(paused=True)
    try:
        trigger = scheduler.get_job("notify").trigger
        start = datetime(2026, 11, 1, 13, 58, 20, tzinfo=UTC)
        assert fires(trigger, start, 3) == [
            utc(2026, 11, 1, 13, 59),
            utc(2026, 11, 1, 14),
            utc(2026, 11, 1, 14, 1),
        ]
    finally:
        scheduler.shutdown(wait=False)


async def test_a_stored_zone_that_no_longer_exists_falls_back_to_the_servers(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), "dm-time 10:00")
    await store.person_choices.change(alice(), PersonChoices(timezone="Gone/Away"))
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9, 59), utc(2026, 11, 1, 10)) == [0, 1]


async def test_a_due_person_without_matches_is_checked_again_only_when_something_changed(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    await follow(engine, alice(), "dm-time 09:00", topic="proteins")  # nothing matches
    matched: list[int] = []
    match_many = engine.notifier.papers.match_many

    async def counting(
        queries: Sequence[tuple[int, ParsedQuery]], within: Sequence[str]
    ) -> dict[int, list[str]]:
        matched.append(len(queries))
        return await match_many(queries, within)

    engine.notifier.papers.match_many = counting  # type: ignore[method-assign]
    minutes = [utc(2026, 11, 1, 9, m) for m in range(5)]
    assert await runs(engine, clock, chat, *minutes) == [0] * 5
    assert matched == [1]  # checked once, not every minute
    await say(engine, alice(), "/papers subscribe graphs")  # a new topic: checked again, once
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9, 10), utc(2026, 11, 1, 9, 11)) == [
        0,
        0,
    ]
    assert matched == [1, 2]
    await store.papers.upsert(featured(date(2026, 11, 1), "Diffusion", "Proteins folded"))
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9, 30)) == [1]  # new papers
    assert matched == [1, 2, 2]


async def test_many_people_due_at_once_read_all_topics_in_one_go(
    engine: Services,
    store: Repositories,
    clock: FakeClock,
    chat: Recorder,
    papers: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notify, "FEW_USERS", 1)
    await follow(engine, alice(), "dm-size 1")
    await follow(engine, bob(), "dms on", topic="diffusion on")
    await say(engine, UserRef("console", "ws1", "carol"), "/papers subscribe proteins")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 9)) == [2]
    assert sorted(u.user_id for u, _ in chat.dms) == ["alice", "bob"]


async def test_a_zone_change_after_the_days_dm_sends_no_second_one_that_day(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder, papers: None
) -> None:
    """Tokyo's DM went out at 09:00 there (00:00 UTC); moving to New York, where it is still
    the evening before, does not make that evening's DM due: at most one DM a local day
    counts the DM already sent in it, whatever zone it was sent for."""
    await follow(engine, alice(), "timezone Asia/Tokyo")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 0)) == [1]
    await store.papers.upsert(featured(date(2026, 11, 1), "Diffusion late", "Diffusion later"))
    assert "Saved" in await say(engine, alice(), f"/papers settings timezone {NEW_YORK}")
    # 00:30 UTC is 20:30 on 31 Oct in New York, past its 09:00: the Tokyo DM was sent then.
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 0, 30)) == [0]
    assert "Saved" in await say(engine, alice(), "/papers settings timezone Asia/Tokyo")
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 0, 31)) == [0]
    assert "Saved" in await say(engine, alice(), f"/papers settings timezone {NEW_YORK}")
    # The DM recorded for Tokyo's 1 Nov also stands for New York's 1 Nov (records are per
    # local date); the new papers go out on New York's 2 Nov, 09:00 there (14:00 UTC).
    assert await runs(engine, clock, chat, utc(2026, 11, 1, 14), utc(2026, 11, 2, 14)) == [0, 1]
    assert "Diffusion later" in dms_to(chat, "alice")[-1].text

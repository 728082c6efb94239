"""Per-person DM settings in a real SQLite file: only what was chosen is stored, NULL follows
the server default, one row per (platform, workspace, user), kept across a reopen."""

from __future__ import annotations

from datetime import time

from bot.clock import FakeClock
from bot.config import Settings
from bot.models import PersonChoices, PersonSettings, Subscriber, Subscription, UserRef
from storage.db import Database
from storage.store import Repositories

ALICE = UserRef("slack", "T1", "U1")
SERVER = PersonSettings(dm_time=time(9, 0), timezone="UTC")


async def test_nothing_chosen_is_the_server_default(store: Repositories) -> None:
    assert await store.person_choices.get(ALICE) == PersonChoices()
    assert (await store.person_choices.get(ALICE)).over(SERVER) == SERVER
    assert await store.person_choices.subscribers() == []


async def test_changes_merge_and_keep_the_rest(store: Repositories) -> None:
    repo = store.person_choices
    first = await repo.change(ALICE, PersonChoices(timezone="Asia/Tokyo"))
    assert first == PersonChoices(timezone="Asia/Tokyo")
    second = await repo.change(ALICE, PersonChoices(dm_time=time(8, 30), dms=False, dm_size=3))
    assert second == PersonChoices(time(8, 30), "Asia/Tokyo", False, 3)
    assert await repo.get(ALICE) == second
    assert await repo.change(ALICE, PersonChoices(dms=True)) == PersonChoices(
        time(8, 30), "Asia/Tokyo", True, 3
    )


async def test_an_unchosen_value_follows_a_new_server_default(store: Repositories) -> None:
    await store.person_choices.change(ALICE, PersonChoices(timezone="Europe/Berlin"))
    chosen = await store.person_choices.get(ALICE)
    later = PersonSettings(dm_time=time(7, 15), timezone="America/New_York", dm_size=5)
    assert chosen.over(later) == PersonSettings(time(7, 15), "Europe/Berlin", True, 5)


async def test_keyed_by_platform_workspace_and_user(store: Repositories) -> None:
    repo = store.person_choices
    await repo.change(ALICE, PersonChoices(dm_size=4))
    other_team = UserRef("slack", "T2", "U1")
    discord_dm = UserRef("discord", "dm:U1", "U1")
    await repo.change(other_team, PersonChoices(dm_size=7))
    assert (await repo.get(ALICE)).dm_size == 4
    assert (await repo.get(discord_dm)).dm_size is None
    assert (await repo.get(other_team)).dm_size == 7


async def test_subscribers_are_the_people_with_active_topics_and_their_choices(
    store: Repositories,
) -> None:
    repo, subs = store.person_choices, store.subscriptions
    bob = UserRef("slack", "T1", "U2")
    await repo.change(ALICE, PersonChoices(timezone="Asia/Tokyo"))
    await repo.change(UserRef("slack", "T1", "U9"), PersonChoices(dm_size=3))  # no topics
    a1 = await subs.add(Subscription(ALICE, "diffusion"), max_per_user=5)
    a2 = await subs.add(Subscription(ALICE, "agents"), max_per_user=5)
    b1 = await subs.add(Subscription(bob, "graphs"), max_per_user=5)
    assert b1.id is not None  # stored subscriptions have ids
    found = {s.user.user_id: s for s in await repo.subscribers()}
    assert set(found) == {"U1", "U2"}
    assert found["U1"].choices == PersonChoices(timezone="Asia/Tokyo")
    assert found["U1"].topics == (a2.id, 2)
    assert found["U2"] == Subscriber(UserRef("slack", "T1", "U2"), PersonChoices(), (b1.id, 1))
    await subs.remove(ALICE, f"#{a2.id}")
    assert {s.user.user_id: s.topics for s in await repo.subscribers()}["U1"] == (a1.id, 1)
    await subs.pause_user(bob, "DMs closed")  # paused topics are not active
    assert [s.user.user_id for s in await repo.subscribers()] == ["U1"]


async def test_kept_in_the_file_across_a_reopen(
    store: Repositories, settings: Settings, clock: FakeClock
) -> None:
    await store.person_choices.change(ALICE, PersonChoices(time(23, 59), "Asia/Kolkata"))
    db = await Database.open(settings.database)
    try:
        again = Repositories(db, clock)
        assert await again.person_choices.get(ALICE) == PersonChoices(time(23, 59), "Asia/Kolkata")
        rows = await db.fetchall("SELECT dm_time, timezone, dms, dm_size FROM person_settings")
        assert [tuple(r) for r in rows] == [("23:59", "Asia/Kolkata", None, None)]
    finally:
        await db.close()

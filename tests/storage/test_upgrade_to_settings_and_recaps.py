"""A database at migration 0007 with rows in it (a bot of the release before issue 15) opens
with today's code: 0008 and 0009 apply, nothing stored is lost, and the new features work on
the old rows (a subscriber with no settings gets the server's, an old feed has no recap)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, time
from pathlib import Path

from bot.clock import FakeClock
from bot.models import DeliveryStatus, PersonChoices, UserRef
from storage.db import Database, _split_sql, migrations
from storage.store import Repositories

STAMP = "2026-09-20T08:00:00Z"


def database_at_0007(path: Path) -> None:
    conn = sqlite3.connect(path)
    for number, _name, sql in migrations()[:7]:
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO feeds (platform, workspace, channel, post_time, timezone, top_n, "
        "created_at, updated_at) VALUES ('slack', 'T1', 'C1', '09:00', 'Europe/Berlin', 5, ?, ?)",
        (STAMP, STAMP),
    )
    conn.execute(
        "INSERT INTO subscriptions (platform, workspace, user_id, query, created_at) "
        "VALUES ('slack', 'T1', 'U1', 'diffusion', ?)",
        (STAMP,),
    )
    conn.execute(
        "INSERT INTO dm_digests (platform, workspace, user_id, day, sent_at) "
        "VALUES ('slack', 'T1', 'U1', '2026-09-20', ?)",
        (STAMP,),
    )
    conn.commit()
    conn.close()


async def test_a_0007_database_with_rows_upgrades(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.db"
    database_at_0007(path)
    db = await Database.open(path)
    try:
        assert await db.schema_version() == len(migrations())
        store = Repositories(db, clock)
        (feed,) = await store.feeds.all()
        assert feed.weekly_day is None and feed.post_time == time(9, 0)
        (person,) = await store.person_choices.subscribers()
        assert person.user == UserRef("slack", "T1", "U1") and person.choices == PersonChoices()
        assert await store.notifications.dm_users_on(date(2026, 9, 20)) == {("slack", "T1", "U1")}
        changed = await store.person_choices.change(person.user, PersonChoices(dm_size=3))
        assert changed.dm_size == 3
        weekly = await store.feeds.upsert(replace(feed, weekly_day=4))
        assert weekly.weekly_day == 4 and weekly.id == feed.id
        assert feed.id is not None
        claim = await store.recaps.claim(feed.id, date(2026, 9, 25), "me", 60)
        assert claim is not None and claim.status is DeliveryStatus.CLAIMED
    finally:
        await db.close()

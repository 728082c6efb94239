"""Votes with a value (+1 up, -1 down), the taste inputs' version, stored tastes (migration 0004)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.models import FeaturedOn, Paper, SourceBatch, UserRef
from storage.db import Database, _split_sql, migrations
from storage.store import Repositories

DAY = date(2026, 9, 24)
ALICE = UserRef("slack", "T1", "alice")
BOB = UserRef("slack", "T1", "bob")
CAROL = UserRef("slack", "T1", "carol")
ELSEWHERE = UserRef("discord", "G1", "alice")
P1, P2, P3 = "2609.00001", "2609.00002", "2609.00003"


def paper(arxiv_id: str, title: str = "", upvotes: int = 0) -> Paper:
    return Paper(
        arxiv_id,
        title or f"Paper {arxiv_id}",
        f"An abstract of {arxiv_id} about gaussian splatting.",
        hf_upvotes=upvotes,
    )


async def seed(store: Repositories, day: date = DAY, ids: tuple[str, ...] = (P1, P2, P3)) -> None:
    await store.papers.upsert(
        SourceBatch(
            tuple(paper(i) for i in ids),
            tuple(FeaturedOn(day, i, "hf", r) for r, i in enumerate(ids, 1)),
            source="hf",
        )
    )


async def test_toggle_up_down_and_back(store: Repositories) -> None:
    await seed(store)
    votes = store.votes
    assert await votes.toggle(ALICE, P1) == (True, 1)
    assert await votes.vote_of(ALICE, P1) == 1 and await votes.has_voted(ALICE, P1)
    assert await votes.toggle(ALICE, P1) == (False, 0)  # the same again withdraws it
    assert await votes.vote_of(ALICE, P1) == 0
    assert await votes.toggle(ALICE, P1, value=-1) == (True, 0)  # down: no up-vote counted
    assert await votes.vote_of(ALICE, P1) == -1 and not await votes.has_voted(ALICE, P1)
    assert await votes.toggle(ALICE, P1, value=1) == (True, 1)  # up replaces down
    assert await votes.vote_of(ALICE, P1) == 1
    assert await votes.toggle(ALICE, P1, value=-1) == (True, 0)  # down replaces up
    assert await votes.toggle(ALICE, P1, value=-1) == (False, 0)  # down again withdraws
    rows = await store.db.fetchall("SELECT count(*) FROM votes")
    assert rows[0][0] == 0


async def test_one_vote_per_person_and_paper(store: Repositories) -> None:
    await seed(store)
    await store.votes.toggle(ALICE, P1, value=-1)
    await store.votes.toggle(ALICE, P1, value=1)
    rows = await store.db.fetchall("SELECT user_id, value FROM votes")
    assert [tuple(r) for r in rows] == [("alice", 1)]


async def test_a_vote_is_plus_or_minus_one_and_a_bad_value_changes_nothing(
    store: Repositories,
) -> None:
    await seed(store)
    await store.votes.toggle(ALICE, P1)
    for bad in (0, 2, -2):
        with pytest.raises(ValueError):
            await store.votes.toggle(ALICE, P1, value=bad)
    assert await store.votes.vote_of(ALICE, P1) == 1
    with pytest.raises(sqlite3.IntegrityError):  # the column refuses it too
        async with store.db.transaction() as conn:
            await conn.execute("UPDATE votes SET value = 0")


async def test_counts_and_leaderboards_ignore_downvotes(store: Repositories) -> None:
    await seed(store)
    await store.papers.upsert(SourceBatch((paper("2609.00009"),)))  # never featured
    await store.votes.toggle(ALICE, P1)
    await store.votes.toggle(BOB, P1)
    await store.votes.toggle(CAROL, P1, value=-1)
    await store.votes.toggle(ALICE, P2, value=-1)
    await store.votes.toggle(BOB, P2, value=-1)
    await store.votes.toggle(ALICE, "2609.00009", value=-1)  # not a candidate: only down-voted
    assert await store.votes.counts("slack", "T1", [P1, P2, P3]) == {P1: 2}
    board = await store.votes.leaderboard("slack", "T1", DAY, date(2026, 12, 31), 10)
    assert [(p.arxiv_id, n) for p, n in board] == [(P1, 2), (P3, 0), (P2, 0)]
    # The exports' lists: the workspace's voted papers, and one person's.
    assert [(p.arxiv_id, n) for p, n in await store.votes.voted_papers("slack", "T1", 10)] == [
        (P1, 2)
    ]
    assert [p.arxiv_id for p in await store.votes.voted_by(ALICE, 10)] == [P1]
    assert await store.votes.voted_by(CAROL, 10) == []


async def test_labelled_votes_carry_the_papers_text(store: Repositories, clock: FakeClock) -> None:
    await seed(store)
    await store.votes.toggle(ALICE, P1)
    clock.advance(minutes=1)
    await store.votes.toggle(BOB, P2, value=-1)
    await store.votes.toggle(ELSEWHERE, P3)
    rows = await store.votes.labelled("slack", "T1")
    assert [(u, p.arxiv_id, v) for u, p, v in rows] == [("alice", P1, 1), ("bob", P2, -1)]
    assert "gaussian splatting" in rows[0][1].abstract
    assert [p.arxiv_id for _, p, _ in await store.votes.labelled("slack", "T1", "bob")] == [P2]


async def test_participation_is_one_row_per_person_and_paper(store: Repositories) -> None:
    await seed(store)
    at = datetime(2026, 9, 24, 12, tzinfo=UTC)
    d = store.discussions
    assert await d.add_reply("slack", "T1", "m1", P1, "alice", at)
    assert await d.add_reply("slack", "T1", "m2", P1, "alice", at)
    assert await d.add_reply("slack", "T1", "m3", P1, "bob", at)
    assert await d.add_reply("slack", "T1", "m4", P2, "alice", at)
    assert await d.add_reply("discord", "G1", "m5", P3, "alice", at)
    rows = await d.participation("slack", "T1")
    assert sorted((u, p.arxiv_id) for u, p in rows) == [("alice", P1), ("alice", P2), ("bob", P1)]
    assert [p.arxiv_id for _, p in await d.participation("slack", "T1", "bob")] == [P1]


async def test_votes_and_first_replies_mark_the_tastes_stale(store: Repositories) -> None:
    await seed(store)
    version = store.tastes.inputs_version
    at = datetime(2026, 9, 24, 12, tzinfo=UTC)
    assert await version("slack", "T1") == 0
    await store.votes.toggle(ALICE, P1)
    assert await version("slack", "T1") == 1
    await store.votes.toggle(ALICE, P1)  # withdrawn: changed too
    await store.votes.toggle(ALICE, P1, value=-1)
    assert await version("slack", "T1") == 3
    await store.discussions.add_reply("slack", "T1", "m1", P1, "alice", at)
    assert await version("slack", "T1") == 4
    await store.discussions.add_reply("slack", "T1", "m2", P1, "alice", at)  # same pair
    await store.discussions.add_reply("slack", "T1", "m1", P1, "alice", at)  # same message
    assert await version("slack", "T1") == 4
    assert await version("discord", "G1") == 0  # per workspace


async def test_a_stored_taste_survives_a_restart(
    settings: Settings, store: Repositories, clock: FakeClock
) -> None:
    tastes = store.tastes
    assert await tastes.get("slack", "T1") is None
    assert await tastes.put("slack", "T1", "", 3, b"model-v3")
    assert await tastes.put("slack", "T1", "alice", 3, b"alice-v3")
    assert not await tastes.put("slack", "T1", "", 2, b"model-v2")  # an older race loses
    assert await tastes.put("slack", "T1", "", 4, b"model-v4")
    again = await Database.open(settings.database)
    try:
        reopened = Repositories(again, clock)
        got = await reopened.tastes.get("slack", "T1")
        assert got is not None and (got.version, got.model) == (4, b"model-v4")
        assert got.trained_at == clock.now()
        person = await reopened.tastes.get("slack", "T1", "alice")
        assert person is not None and person.model == b"alice-v3"
        await reopened.tastes.forget("slack", "T1", "alice")
        assert await reopened.tastes.get("slack", "T1", "alice") is None
    finally:
        await again.close()


async def test_background_is_the_newest_featured_papers(store: Repositories) -> None:
    await seed(store, date(2026, 9, 20), ("2609.00010", "2609.00011"))
    await seed(store, DAY, (P1, P2))
    await seed(store, date(2026, 9, 25), (P2,))  # featured on two days: once
    got = [p.arxiv_id for p in await store.tastes.background(3)]
    assert got == [P2, P1, "2609.00010"]
    assert [p.arxiv_id for p in await store.tastes.background(10)][-1] == "2609.00011"


async def test_migration_keeps_old_votes_as_upvotes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, _name, sql in migrations()[:3]:
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO papers (arxiv_id, title, first_seen_at, updated_at) "
        "VALUES ('2609.00001', 'Old', 'x', 'x')"
    )
    conn.execute(
        "INSERT INTO votes (platform, workspace, user_id, arxiv_id, created_at) "
        "VALUES ('slack', 'T1', 'alice', '2609.00001', '2026-09-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        assert await db.schema_version() == len(migrations()) >= 4
        store = Repositories(db, FakeClock(datetime(2026, 9, 24, tzinfo=UTC)))
        assert await store.votes.vote_of(ALICE, P1) == 1
        assert await store.votes.counts("slack", "T1", [P1]) == {P1: 1}
        assert await store.votes.toggle(ALICE, P1, value=-1) == (True, 0)
    finally:
        await db.close()

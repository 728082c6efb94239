"""A direct message is the person's own workspace (issue 18, item 13): two people's DM votes
and /papers top do not mix, and rows written in the old shared "dm" workspace move to their
author's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.discord import DiscordAdapter
from bot.clock import FakeClock
from bot.models import Paper, SourceBatch, Subscription, UserRef
from storage.db import Database, migrations
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import ALICE, BOB, command
from tests.adapters.discord.fake_discord import FakeDiscord, Request

PAPER = "2609.10001"


def final(replies: list[Request]) -> dict[str, Any]:
    body = replies[-1].body
    return dict(body.get("data", body)) if replies[-1].path.endswith("/callback") else dict(body)


async def in_dm(fake: FakeDiscord, caller: dict[str, Any], *args: Any) -> str:
    """The answer to a command in ``caller``'s DM: its text and its embeds, as JSON."""
    dm_channel = 900 + int(caller["id"]) % 100  # each person's own DM channel
    log = await command(fake, *args, caller=caller, in_guild=False, channel_id=dm_channel)
    body = final(await log.wait())
    return str(body["content"]) + json.dumps(body.get("embeds") or [], ensure_ascii=False)


async def test_two_peoples_dm_votes_do_not_mix(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    alice = await in_dm(fake, ALICE, ("upvote",), {"id": PAPER})
    assert alice.startswith("▲ Upvoted") and "(1 vote here)" in alice
    bob = await in_dm(fake, BOB, ("upvote",), {"id": PAPER})
    assert bob.startswith("▲ Upvoted") and "(1 vote here)" in bob, bob
    top = await in_dm(fake, BOB, ("top",), {"period": "week"})
    assert "1 vote here" in top and "2 votes" not in top, top
    for person in (p.ALICE_ID, p.BOB_ID):
        assert await store.votes.counts("discord", f"dm:{person}", [PAPER]) == {PAPER: 1}
    assert await store.votes.counts("discord", "dm", [PAPER]) == {}
    # Bob takes his vote back in his DMs: Alice's stays.
    await in_dm(fake, BOB, ("upvote",), {"id": PAPER})
    assert await store.votes.counts("discord", f"dm:{p.ALICE_ID}", [PAPER]) == {PAPER: 1}


async def test_a_dm_topic_is_listed_in_that_persons_dms(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    subscribed = await in_dm(fake, ALICE, ("subscribe",), {"topic": "diffusion"})
    assert subscribed.startswith("Subscribed to diffusion")
    assert "diffusion" in await in_dm(fake, ALICE, ("subscriptions",))
    assert "no subscriptions" in await in_dm(fake, BOB, ("subscriptions",))


async def test_rows_of_the_shared_dm_workspace_move_to_their_author(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "old.db"
    db = await Database.open(path)
    store = Repositories(db, clock)
    await store.papers.upsert(SourceBatch((Paper(PAPER, "A paper", "x"),)))
    old = [UserRef("discord", "dm", uid, "someone") for uid in ("111", "222")]
    for user in old:
        await store.subscriptions.add(Subscription(user, "diffusion"), max_per_user=5)
        await db.conn.execute(
            "INSERT INTO votes (platform, workspace, user_id, arxiv_id, created_at) "
            "VALUES ('discord', 'dm', ?, ?, '2026-09-25T00:00:00Z')",
            (user.user_id, PAPER),
        )
    slack = UserRef("slack", "dm", "333", "not discord")  # other platforms are left alone
    await store.subscriptions.add(Subscription(slack, "diffusion"), max_per_user=5)
    # As the database was before migration 0006.
    before = next(n for n, name, _ in migrations() if "dm_per_person" in name) - 1
    await db.conn.execute(f"PRAGMA user_version = {before}")
    await db.close()

    db = await Database.open(path)
    store = Repositories(db, clock)
    try:
        for user in old:
            mine = UserRef("discord", f"dm:{user.user_id}", user.user_id, "someone")
            assert [s.query for s in await store.subscriptions.list_for(mine)] == ["diffusion"]
            assert await store.votes.counts("discord", mine.workspace, [PAPER]) == {PAPER: 1}
        assert await store.subscriptions.list_for(old[0]) == []
        assert len(await store.subscriptions.list_for(slack)) == 1
    finally:
        await db.close()

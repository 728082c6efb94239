"""``VoteRepo.week``: the weekly recap's numbers over real SQLite; the recaps tables are
claimed apart from the daily deliveries of the same (feed, day); a feed's recap day is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.models import ChannelRef, DeliveryStatus, Feed, UserRef
from storage.deliveries import SqliteDeliveryRepo
from storage.store import Repositories
from tests.delivery.conftest import paper_batch, paper_ids

START = datetime(2026, 9, 18, 9, tzinfo=UTC)
END = START + timedelta(days=7)
HERE = ChannelRef("console", "ws1", "general")
THERE = ChannelRef("console", "ws1", "random")


def who(name: str, workspace: str = "ws1") -> UserRef:
    return UserRef("console", workspace, name)


async def test_the_week_counts_up_votes_and_replies_in_the_window_only(
    store: Repositories,
) -> None:
    await store.papers.upsert(paper_batch(date(2026, 9, 17), 5))
    a, b, c, d, e = paper_ids(date(2026, 9, 17), 5)
    await store.votes.toggle(who("ann"), a, START)  # the first second counts
    await store.votes.toggle(who("bea"), a, END - timedelta(seconds=1))
    await store.votes.toggle(who("ann"), b, START + timedelta(days=1))
    await store.votes.toggle(who("cat"), b, END)  # the next week's
    await store.votes.toggle(who("dan"), c, START + timedelta(days=2), value=-1)  # a down-vote
    await store.votes.toggle(who("eve", "ws2"), c, START + timedelta(days=2))  # elsewhere
    # e: discussed here and in another channel (this channel's thread is the one linked);
    # d: one person's ten replies count as three, and its thread is in another channel.
    for channel, paper_id in ((THERE, e), (HERE, e), (THERE, d)):
        assert await store.discussions.claim(channel, paper_id, "ann", START) is None
        await store.discussions.opened(channel, paper_id, f"root-{channel.channel}", "t")
    for n in range(10):
        await store.discussions.add_reply("console", "ws1", f"d{n}", d, "ann", START)
    for n, name in enumerate(("ann", "bea", "cat", "dan")):
        await store.discussions.add_reply("console", "ws1", f"e{n}", e, name, START)
    tally = await store.votes.week(HERE, START, END)
    assert (tally.voters, tally.votes) == (2, 3)
    assert [(p.arxiv_id, n) for p, n in tally.upvoted] == [(a, 2), (b, 1)]
    assert [(x.paper.arxiv_id, x.replies, x.people) for x in tally.discussed] == [
        (e, 4, 4),
        (d, 3, 1),
    ]
    where = [x.where for x in tally.discussed]
    assert where[0] is not None and where[0].channel == HERE
    assert where[0].root_message_id == "root-general" and where[0].arxiv_id == e
    assert where[1] is not None and where[1].channel == THERE
    assert not tally.empty
    assert (await store.votes.week(HERE, END, END + timedelta(days=7))).voters == 1
    assert (await store.votes.week(HERE, END + timedelta(days=7), END + timedelta(days=14))).empty


async def test_recaps_are_claimed_apart_from_the_days_thread(store: Repositories) -> None:
    feed = await store.feeds.upsert(Feed(HERE, time(9), "UTC", weekly_day=4))
    assert feed.id is not None and feed.weekly_day == 4
    day = date(2026, 9, 25)
    assert await store.deliveries.claim(feed.id, day, "one") is not None
    assert await store.recaps.claim(feed.id, day, "two") is not None  # its own row
    assert await store.recaps.claim(feed.id, day, "three") is None  # held by "two"
    await store.recaps.finish(feed.id, day, DeliveryStatus.DONE, None)
    found = await store.deliveries.get(feed.id, day)
    assert found is not None and found.status is DeliveryStatus.CLAIMED
    # the recap day goes with the feed: a later upsert of the same feed writes what it is given
    again = await store.feeds.upsert(replace(feed, top_n=3))
    assert again.weekly_day == 4
    off = await store.feeds.upsert(replace(feed, weekly_day=None))
    assert off.weekly_day is None


def test_only_the_known_tables(store: Repositories) -> None:
    with pytest.raises(ValueError, match="not a deliveries table"):
        SqliteDeliveryRepo(store.db, store.clock, table="papers")

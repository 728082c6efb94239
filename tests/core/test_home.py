"""A person's own page (the App Home) in the core: the presenter, the handler on a real SQLite
store through the dispatcher, and the Remove action (only the owner's topic goes)."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.actions import decode
from bot.bootstrap import Services
from bot.messages import (
    INTERNAL_ERROR,
    Actions,
    ChannelLine,
    Context,
    Header,
    Home,
    PaperCard,
    Text,
)
from bot.models import ChannelRef, Feed, PersonSettings, ScoredPaper, Subscription, UserRef
from bot.present.home import HOME_FEEDS, HOME_TOPICS, NO_FEEDS, NO_TOPICS, home_page
from storage.store import Repositories
from tests.conftest import CHANNEL, alice, bob, make_batch

CHANNEL_DAY = date(2026, 9, 25)
SETTINGS = PersonSettings(dm_time=time(7, 30), timezone="Europe/Berlin", dms=False, dm_size=5)


def lines(page: Home) -> list[str]:
    return [b.text for b in page.blocks if isinstance(b, Text | Context | Header)]


def subs(n: int) -> list[Subscription]:
    return [Subscription(alice(), f"topic {i}", id=i + 1) for i in range(n)]


def page(**given: object) -> Home:
    values: dict[str, object] = {
        "subs": [],
        "max_subs": 25,
        "settings": SETTINGS,
        "day": None,
        "top": [],
        "feeds": [],
    }
    values.update(given)
    return home_page(**values)  # type: ignore[arg-type]


def test_each_topic_is_a_line_and_its_remove_button() -> None:
    home = page(subs=subs(2))
    rows = [
        (b.text, after)
        for b, after in zip(home.blocks, home.blocks[1:], strict=False)
        if isinstance(b, Text) and isinstance(after, Actions)
    ]
    assert [text for text, _ in rows] == ["topic 0  #1", "topic 1  #2"]
    for n, (_, actions) in enumerate(rows, 1):
        assert isinstance(actions, Actions)
        (button,) = actions.buttons
        call = decode(button.action)
        assert call is not None and call.name == "unsubscribe"
        assert call.get("subscription_id") == str(n)
        assert button.command == f"/papers unsubscribe #{n}" and button.label == "Remove"
    assert "Your topics (2/25)" in lines(home)


def test_no_topics_no_feeds_no_papers_each_say_what_to_do() -> None:
    said = lines(page())
    assert NO_TOPICS in said and "/papers subscribe" in NO_TOPICS
    assert NO_FEEDS in said
    assert "No papers are stored yet; they arrive with the next fetch." in said


def test_long_lists_show_their_first_part_and_how_many_more() -> None:
    feeds = [
        Feed(ChannelRef("slack", "T1", f"C{i:03d}"), time(9), "UTC") for i in range(HOME_FEEDS + 3)
    ]
    home = page(subs=subs(HOME_TOPICS + 20), feeds=feeds)
    removes = [b for b in home.blocks if isinstance(b, Actions)]
    assert len(removes) == HOME_TOPICS
    said = lines(home)
    assert "…and 20 more; /papers subscriptions lists them all." in said
    assert sum(isinstance(b, ChannelLine) for b in home.blocks) == HOME_FEEDS
    assert any(s.startswith("…and 3 more;") for s in said)


def test_settings_and_feeds_read_plainly() -> None:
    feed = Feed(CHANNEL, time(8, 15), "Asia/Tokyo", top_n=4, topic="diffusion", weekly_day=4)
    off = Feed(
        ChannelRef("console", "ws1", "random"),
        time(9),
        "UTC",
        enabled=False,
        disabled_reason="channel deleted",
    )
    home = page(feeds=[feed, off])
    text = "\n".join(lines(home))
    assert "Daily DM: paused (your topics are kept)" in text
    assert "Time: 07:30 Europe/Berlin" in text and "At most 5 papers a DM" in text
    assert [b for b in home.blocks if isinstance(b, ChannelLine)] == [
        ChannelLine(
            "general",
            "08:15 Asia/Tokyo · top 4 · topic: diffusion · weekly recap on Fridays · on",
        ),
        ChannelLine("random", "09:00 UTC · top 10 · all papers · off (channel deleted)"),
    ]


def test_top_five_are_cards_with_only_the_vote_buttons() -> None:
    batch = make_batch(CHANNEL_DAY, 7)
    top = [ScoredPaper(p, 1.0 - i / 10, "why", votes=i) for i, p in enumerate(batch.papers)]
    home = page(day=CHANNEL_DAY, top=top)
    cards = [b for b in home.blocks if isinstance(b, PaperCard)]
    assert [c.rank for c in cards] == [1, 2, 3, 4, 5]
    assert [c.arxiv_id for c in cards] == [p.arxiv_id for p in batch.papers[:5]]
    for card in cards:
        assert [b.action.split(":")[0] for b in card.buttons] == ["upvote", "downvote"]


async def test_the_handler_shows_the_callers_own_topics_and_their_workspaces_feeds(
    engine: Services, store: Repositories
) -> None:
    d = engine.dispatcher
    await d.handle_text(alice(), "/papers subscribe diffusion sampling")
    await d.handle_text(bob(), "/papers subscribe protein folding")
    await store.feeds.upsert(Feed(CHANNEL, time(9), "UTC", top_n=3))
    await store.feeds.upsert(Feed(ChannelRef("console", "ws2", "elsewhere"), time(9), "UTC"))
    await store.feeds.upsert(Feed(ChannelRef("slack", "ws1", "C1"), time(9), "UTC"))
    home = await d.home(alice())
    said = "\n".join(lines(home))
    assert "diffusion sampling  #1" in said and "protein folding" not in said
    feeds = [b for b in home.blocks if isinstance(b, ChannelLine)]
    assert [f.channel for f in feeds] == ["general"]


async def test_the_top_five_is_ranked_as_papers_today_ranks_it(
    engine: Services, store: Repositories
) -> None:
    await store.papers.upsert(make_batch(engine.clock.now().date(), 9))
    await engine.dispatcher.handle_text(alice(), "/papers upvote 2609.20007")
    today = await engine.dispatcher.handle_text(alice(), "/papers today 5")
    home = await engine.dispatcher.home(alice())
    cards = [b for b in home.blocks if isinstance(b, PaperCard)]
    assert [f"{c.rank}. {c.title}" for c in cards] == today.text.splitlines()[1:6]
    assert any(isinstance(b, Header) and b.text.startswith("Today's top five") for b in home.blocks)


@pytest.mark.settings(dm_time="07:30", timezone="Europe/Berlin")
async def test_settings_come_from_the_person_settings_dependency(engine: Services) -> None:
    said = "\n".join(lines(await engine.dispatcher.home(alice())))
    assert "Time: 07:30 Europe/Berlin" in said and "Daily DM: on" in said


async def test_remove_takes_only_the_callers_own_topic(
    engine: Services, store: Repositories
) -> None:
    d = engine.dispatcher
    await d.handle_text(alice(), "/papers subscribe diffusion sampling")
    (sub,) = await store.subscriptions.list_for(alice())
    refused = await d.handle_action(bob(), f"unsubscribe:{sub.id}")
    assert refused.is_error and "not one of yours" in refused.text
    assert await store.subscriptions.list_for(alice()) == [sub]
    done = await d.handle_action(alice(), f"unsubscribe:{sub.id}")
    assert not done.is_error and done.text == f"Unsubscribed from diffusion sampling (#{sub.id})."
    assert await store.subscriptions.list_for(alice()) == []
    again = await d.handle_action(alice(), f"unsubscribe:{sub.id}")
    assert again.is_error  # a second click (an old view) changes nothing


async def test_a_failing_page_is_the_one_failure_sentence(
    engine: Services, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_: UserRef) -> list[Subscription]:
        raise RuntimeError("boom")

    monkeypatch.setattr(store.subscriptions, "list_for", broken)
    home = await engine.dispatcher.home(alice())
    assert home.text == INTERNAL_ERROR and lines(home) == [INTERNAL_ERROR]

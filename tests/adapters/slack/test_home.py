"""The App Home tab through the real slack-bolt/slack_sdk against the fake Slack, on each
transport: app_home_opened -> views.publish with the person's topics, settings, today's top
five and the channel feeds; Remove (and the votes) in the view -> the store changes and the
view is published again."""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from typing import Any

from adapters.slack.home import HOME_BLOCKS, home_tab_user, render_home
from bot.messages import Actions, Button, ChannelLine, Home, Text
from bot.models import ChannelRef, Feed, Subscription, UserRef
from tests.adapters.slack.conftest import (
    ADMIN,
    ALICE,
    GENERAL,
    Slack,
    home_buttons,
    home_opened_payload,
)
from tests.adapters.slack.fake_slack import TEAM, Failure
from tests.conftest import make_batch

BOB = "U0BOB"


def texts(view: dict[str, Any]) -> str:
    """Every text of a view, one a line (mrkdwn as Slack gets it: escaped)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(view["blocks"])
    return "\n".join(found)


def slack_user(user: str) -> UserRef:
    return UserRef("slack", TEAM, user)


async def topics_of(slack: Slack, user: str) -> list[str]:
    return [s.query for s in await slack.services.store.subscriptions.list_for(slack_user(user))]


async def today(slack: Slack) -> None:
    """Eight papers featured today (the services' clock), and a daily thread in #general."""
    day = slack.services.clock.now().date()
    await slack.services.store.papers.upsert(make_batch(day, 8))
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 09:00 Europe/Berlin 3 diffusion", user=ADMIN)


async def test_opening_home_publishes_topics_settings_top_five_and_feeds(slack: Slack) -> None:
    await today(slack)
    await slack.command("subscribe diffusion sampling")
    await slack.command('subscribe "gaussian splatting" -survey')
    other = ChannelRef("slack", "T0OTHER", "C0OTHER")  # another workspace's feed: not shown
    await slack.services.store.feeds.upsert(Feed(other, time(8), "UTC"))
    view = await slack.open_home()
    assert view["type"] == "home" and len(view["blocks"]) <= HOME_BLOCKS
    shown = texts(view)
    for topic in await topics_of(slack, ALICE):
        assert topic.replace('"', "") in shown.replace('"', "")
    removes = home_buttons(view["blocks"], "ph_unsubscribe")
    assert [e["text"]["text"] for _, e in removes] == ["Remove", "Remove"]
    assert all(b["type"] == "section" for b, _ in removes)  # each beside its topic
    # Settings: the person_settings dependency (the server's values on main).
    assert "Daily DM: on" in shown and "Time: 09:00 UTC" in shown
    # Today's top five, ranked as /papers today 5 ranks them.
    ranked = await slack.command("today 5")
    assert "Today's top five" in shown
    expected = [line.split(". ", 1)[1] for line in ranked["text"].splitlines()[1:6]]
    cards = [t for t in shown.splitlines() if t.startswith("*") and "|" in t]
    assert [c.split("|", 1)[1].split(">", 1)[0] for c in cards[:5]] == expected
    assert len(home_buttons(view["blocks"], "ph_upvote")) == 5
    assert not home_buttons(view["blocks"], "ph_discuss")  # no channel in a Home tab
    # The workspace's feeds: a channel mention, time and zone, topic, on/off.
    assert f"<#{GENERAL}> · 09:00 Europe/Berlin · top 3 · topic: diffusion · on" in shown
    assert "C0OTHER" not in shown


async def test_remove_removes_the_topic_and_publishes_the_view_again(slack: Slack) -> None:
    await slack.command("subscribe diffusion sampling")
    await slack.command("subscribe protein folding")
    view = await slack.open_home()
    assert len(home_buttons(view["blocks"], "ph_unsubscribe")) == 2
    after = await slack.click_home(view, "ph_unsubscribe", nth=0)
    assert await topics_of(slack, ALICE) == ["protein folding"]
    shown = texts(after)
    assert "Unsubscribed from diffusion sampling" in shown  # the answer, on top
    assert "protein folding" in shown
    assert "diffusion sampling  #" not in shown
    assert len(home_buttons(after["blocks"], "ph_unsubscribe")) == 1


async def test_another_persons_click_cannot_remove_a_topic(slack: Slack) -> None:
    await slack.command("subscribe diffusion sampling")
    view = await slack.open_home()
    # Bob sends the click of Alice's Remove button (its value is her subscription's id).
    bobs = await slack.click_home(view, "ph_unsubscribe", user=BOB)
    assert await topics_of(slack, ALICE) == ["diffusion sampling"]
    assert "not one of yours" in texts(bobs)
    assert len(slack.home_views(ALICE)) == 1  # Alice's view was not touched


async def test_a_person_with_no_topics_is_told_how_to_add_one(slack: Slack) -> None:
    view = await slack.open_home(BOB)
    shown = texts(view)
    assert "Your topics (0/25)" in shown
    assert "/papers subscribe" in shown
    assert not home_buttons(view["blocks"], "ph_unsubscribe")
    assert "No channel here has a daily thread yet" in shown


async def test_sixty_topics_stay_within_block_kits_limits(slack: Slack) -> None:
    await today(slack)
    repo = slack.services.store.subscriptions
    for i in range(60):
        await repo.add(Subscription(slack_user(ALICE), f"topic {i:02d}"), max_per_user=100)
    view = await slack.open_home()  # the fake refuses a view over Block Kit's limits
    assert len(view["blocks"]) <= HOME_BLOCKS
    assert len(home_buttons(view["blocks"], "ph_unsubscribe")) == 40
    shown = texts(view)
    assert "topic 39" in shown and "topic 40" not in shown
    assert "…and 20 more; /papers subscriptions lists them all." in shown
    assert "Today's top five" in shown and f"<#{GENERAL}>" in shown  # nothing else cut


async def test_user_text_cannot_ping_anyone(slack: Slack) -> None:
    repo = slack.services.store.subscriptions
    await repo.add(Subscription(slack_user(ALICE), "<!channel> @here <@U0BOB>"), max_per_user=25)
    shown = texts(await slack.open_home())
    assert "&lt;!channel&gt; @here &lt;@U0BOB&gt;" in shown
    assert "<!channel>" not in shown and "<@U0BOB>" not in shown


async def test_upvote_in_the_home_tab_counts_and_republishes(slack: Slack) -> None:
    await today(slack)
    view = await slack.open_home()
    after = await slack.click_home(view, "ph_upvote", nth=0)
    assert "▲ Upvoted" in texts(after)
    labels = [e["text"]["text"] for _, e in home_buttons(after["blocks"], "ph_upvote")]
    assert "▲ Upvote · 1" in labels


class Watch(logging.Handler):
    """Every log record from here on; ``seen`` is set once one says ``needle``."""

    def __init__(self, needle: str) -> None:
        super().__init__(logging.DEBUG)
        self.needle = needle
        self.records: list[logging.LogRecord] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if self.needle in record.getMessage():
            self.seen.set()


async def test_a_refused_publish_is_logged_not_raised(slack: Slack) -> None:
    slack.fake.fail("views.publish", Failure(error="internal_error"))
    watch = Watch("views.publish for U0ALICE failed: internal_error")
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        await slack.event(home_opened_payload(ALICE))
        await asyncio.wait_for(watch.seen.wait(), 5.0)
    finally:
        root.removeHandler(watch)
    assert not [r for r in watch.records if r.exc_info], "a traceback was logged"
    assert not slack.home_views(ALICE)
    assert (await slack.open_home())["type"] == "home"  # the next opening works


def test_only_the_home_tab_is_published() -> None:
    assert home_tab_user({"type": "app_home_opened", "user": ALICE, "tab": "home"}) == ALICE
    assert home_tab_user({"type": "app_home_opened", "user": ALICE, "tab": "messages"}) is None
    assert home_tab_user({"type": "app_home_opened", "user": ALICE, "tab": "about"}) is None
    assert home_tab_user({"type": "app_home_opened", "tab": "home"}) is None


def test_render_caps_any_page_at_a_hundred_blocks() -> None:
    rows: list[Text | Actions | ChannelLine] = []
    for i in range(150):
        rows += [Text(f"line {i}"), Actions((Button("Remove " * 20, f"unsubscribe:{i}"),))]
    rows += [ChannelLine("C0FEED", "x" * 400) for _ in range(30)]
    view = render_home(Home(text="big", blocks=tuple(rows))).to_dict()  # validates: ≤ 100
    assert len(view["blocks"]) == HOME_BLOCKS
    assert view["blocks"][-1]["type"] == "context"
    assert view["blocks"][-1]["elements"][0]["text"].startswith("…and ")
    ids = [b["accessory"]["action_id"] for b in view["blocks"] if b.get("accessory")]
    assert len(ids) == len(set(ids)) == HOME_BLOCKS - 1
    assert all(len(b["accessory"]["text"]["text"]) <= 75 for b in view["blocks"][:-1])

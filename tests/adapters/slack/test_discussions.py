"""Discussions through each transport: the Discuss button and /papers discuss (one thread per
channel and paper, also under concurrent clicks), permalinks, reply events raising the counts,
bots not counted, a lost channel, and the daily header's live standings."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.slack.listeners import thread_reply
from adapters.slack.render import escape
from bot.clock import FakeClock
from bot.models import ChannelRef
from tests.adapters.slack.conftest import (
    ADMIN,
    ALICE,
    GENERAL,
    Slack,
    button_labels,
    find_buttons,
    message_event_payload,
)
from tests.adapters.slack.fake_slack import BOT_USER, TEAM, Failure
from tests.conftest import fixture_ids

CHANNEL = ChannelRef("slack", TEAM, GENERAL)
BOB, CAROL = "U0BOB", "U0CAROL"
_ts = itertools.count(1)


def new_ts() -> str:
    """A message ts the fake never hands out (its own start at 1790000000)."""
    return f"1800000000.{next(_ts):06d}"


def permalink(ts: str, channel: str = GENERAL) -> str:
    return f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"


async def daily_card(slack: Slack) -> dict[str, Any]:
    """The first card of today's daily thread, shaped like Slack's ``body["message"]`` for a
    click on a message inside a thread."""
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 09:00 UTC 3", user=ADMIN)
    await slack.command("post-now", user=ADMIN)
    header, card = slack.fake.of("chat.postMessage")[:2]
    assert "thread_ts" not in header.params and "thread_ts" in card.params
    return {
        "ts": "1790000000.000002",
        "thread_ts": card.params["thread_ts"],
        "text": card.params["text"],
        "blocks": card.params["blocks"],
    }


async def open_discussion(slack: Slack, arxiv_id: str, user: str = ALICE) -> str:
    """``/papers discuss``; the thread's ts."""
    answer = await slack.command(f"discuss {arxiv_id}", user=user)
    assert "Opened a discussion" in answer["text"], answer["text"]
    found = await slack.services.store.discussions.get(CHANNEL, arxiv_id)
    assert found is not None and found.thread_id is not None
    return found.thread_id


async def activity(slack: Slack, arxiv_id: str) -> tuple[int, int]:
    counts = await slack.services.store.discussions.activity("slack", TEAM, [arxiv_id])
    return counts.get(arxiv_id, (0, 0))


async def wait_activity(slack: Slack, arxiv_id: str, expected: tuple[int, int]) -> None:
    """Event listeners run after the ack: poll the store, with a deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while (now := await activity(slack, arxiv_id)) != expected:
        assert loop.time() < deadline, f"activity stayed {now}, expected {expected}"
        await asyncio.sleep(0.01)


def shown(answer: dict[str, Any]) -> str:
    """Everything a person sees in an answer: its text and every block's text."""
    parts = [answer.get("text", "")]
    for block in answer.get("blocks") or []:
        parts.append((block.get("text") or {}).get("text", ""))
        parts += [e.get("text", "") for e in block.get("elements", []) if e.get("type") != "button"]
    return "\n".join(str(p) for p in parts)


# -- Discuss ----------------------------------------------------------------------------------


async def test_concurrent_clicks_open_exactly_one_thread(slack: Slack) -> None:
    card = await daily_card(slack)
    assert button_labels(card["blocks"], "ph_discuss") == ["💬 Discuss"]
    arxiv_id = find_buttons(card["blocks"], "ph_discuss")[0][1]["value"]
    before = len(slack.fake.of("chat.postMessage"))
    users = [f"U0USER{i}" for i in range(6)]
    clicks = await asyncio.gather(
        *(slack.click(card["blocks"], "ph_discuss", message=card, user=u) for u in users)
    )
    answers = [answer for (answer,) in clicks]

    posts = slack.fake.of("chat.postMessage")[before:]
    roots = [c for c in posts if "thread_ts" not in c.params]
    seeds = [c for c in posts if "thread_ts" in c.params]
    assert len(roots) == 1 and len(seeds) == 1
    # Clicked inside the daily thread, yet the discussion is a new top-level message in the
    # channel: the paper's card (with Upvote, without Discuss), its thread the discussion.
    (root,) = roots
    assert root.params["channel"] == GENERAL
    assert button_labels(root.params["blocks"], "ph_upvote") and not find_buttons(
        root.params["blocks"], "ph_discuss"
    )
    found = await slack.services.store.discussions.get(CHANNEL, arxiv_id)
    assert found is not None and found.thread_id == found.root_message_id
    assert seeds[0].params["thread_ts"] == found.thread_id
    assert seeds[0].params["channel"] == GENERAL
    assert "Discussion opened by Real U0USER" in seeds[0].params["text"]

    assert all(
        a["response_type"] == "ephemeral" and a["replace_original"] is False for a in answers
    )
    opened = [a for a in answers if "Opened a discussion" in a["text"]]
    assert len(opened) == 1
    assert permalink(found.root_message_id or "") in opened[0]["text"]
    assert all(
        "already has a discussion" in a["text"] or "being opened" in a["text"]
        for a in answers
        if a is not opened[0]
    )


async def test_a_later_click_links_to_the_existing_thread(slack: Slack) -> None:
    card = await daily_card(slack)
    arxiv_id = find_buttons(card["blocks"], "ph_discuss")[0][1]["value"]
    (first,) = await slack.click(card["blocks"], "ph_discuss", message=card)
    assert "Opened a discussion" in first["text"]
    posts = len(slack.fake.of("chat.postMessage"))
    found = await slack.services.store.discussions.get(CHANNEL, arxiv_id)
    assert found is not None and found.root_message_id

    (second,) = await slack.click(card["blocks"], "ph_discuss", message=card, user=BOB)
    assert second["response_type"] == "ephemeral" and second["replace_original"] is False
    assert "already has a discussion" in second["text"]
    assert permalink(found.root_message_id) in second["text"]
    again = await slack.command(f"discuss {arxiv_id}", user=CAROL)
    assert permalink(found.root_message_id) in again["text"]
    assert len(slack.fake.of("chat.postMessage")) == posts  # no second thread
    asked = slack.fake.of("chat.getPermalink")[-1].params
    assert asked == {"channel": GENERAL, "message_ts": found.root_message_id}


async def test_without_a_permalink_the_answer_says_where_the_thread_is(slack: Slack) -> None:
    arxiv_id = fixture_ids()[0]
    await open_discussion(slack, arxiv_id)
    slack.fake.fail("chat.getPermalink", Failure(error="message_not_found"))
    answer = await slack.command(f"discuss {arxiv_id}", user=BOB)
    assert "already has a discussion: the thread on its card in this channel" in answer["text"]


async def test_discuss_from_a_direct_message_asks_for_a_channel(slack: Slack) -> None:
    answer = await slack.command("paper " + fixture_ids()[0])
    (reply,) = await slack.click(answer["blocks"], "ph_discuss", channel="D0ALICE")
    assert "Use Discuss in the channel" in reply["text"]
    typed = await slack.command("discuss " + fixture_ids()[0], channel="D0ALICE")
    assert "Use Discuss in the channel" in typed["text"]
    assert not slack.fake.of("chat.postMessage")


@pytest.mark.parametrize("code", ["not_in_channel", "channel_not_found"])
async def test_a_channel_the_bot_lost_gives_a_clear_sentence(slack: Slack, code: str) -> None:
    arxiv_id = fixture_ids()[0]
    slack.fake.fail("chat.postMessage", Failure(error=code))
    answer = await slack.command(f"discuss {arxiv_id}")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("I couldn't open a discussion here: ")
    assert "/invite @Paper Herald" in answer["text"]
    assert code not in answer["text"]  # a sentence, not Slack's error code
    # The failed attempt holds nothing: once the bot is back, Discuss works.
    assert "Opened a discussion" in (await slack.command(f"discuss {arxiv_id}"))["text"]


# -- reply events -----------------------------------------------------------------------------


async def test_human_replies_raise_the_counts_bots_and_edits_do_not(slack: Slack) -> None:
    arxiv_id = fixture_ids()[1]
    thread = await open_discussion(slack, arxiv_id)
    other_thread = await open_discussion(slack, fixture_ids()[2])
    bob_reply = message_event_payload(user=BOB, ts=new_ts(), thread_ts=thread)
    not_counted = [
        # our own reply (Bolt drops it: auth.test says UBOT / BFAKE is us)
        message_event_payload(user=BOT_USER, ts=new_ts(), thread_ts=thread, bot_id="BFAKE"),
        # another app's bot: as apps post today (a bot user), and the legacy bot_message
        message_event_payload(
            user="U0OTHERBOT",
            ts=new_ts(),
            thread_ts=thread,
            bot_id="B0OTHER",
            bot_profile={"id": "B0OTHER", "name": "otherbot"},
        ),
        message_event_payload(
            user=None, ts=new_ts(), thread_ts=thread, subtype="bot_message", bot_id="B0OTHER"
        ),
        # an edit and a deletion of a reply
        message_event_payload(
            user=None,
            ts=new_ts(),
            thread_ts=None,
            subtype="message_changed",
            message={"type": "message", "user": CAROL, "ts": new_ts(), "thread_ts": thread},
        ),
        message_event_payload(
            user=None,
            ts=new_ts(),
            thread_ts=None,
            subtype="message_deleted",
            previous_message={"type": "message", "user": CAROL, "thread_ts": thread},
        ),
        # a top-level message, and the thread's parent itself
        message_event_payload(user=CAROL, ts=new_ts(), thread_ts=None),
        message_event_payload(user=CAROL, ts=thread, thread_ts=thread),
        # someone joining the channel
        message_event_payload(user=CAROL, ts=new_ts(), thread_ts=thread, subtype="channel_join"),
        # a reply in some other thread
        message_event_payload(user=CAROL, ts=new_ts(), thread_ts="1790000000.999999"),
    ]
    for payload in not_counted:
        await slack.event(payload)
    await slack.event(bob_reply)
    await slack.event(bob_reply)  # Slack retries an event it thinks was not acked: counted once
    await slack.event(message_event_payload(user=CAROL, ts=new_ts(), thread_ts=thread))
    await slack.event(
        message_event_payload(user=BOB, ts=new_ts(), thread_ts=other_thread, channel=GENERAL)
    )
    await wait_activity(slack, arxiv_id, (2, 2))
    await wait_activity(slack, fixture_ids()[2], (1, 1))

    card = await slack.command(f"paper {arxiv_id}")
    assert "💬 2 replies · 2 people" in shown(card)
    top = await slack.command("top week discussed")
    paper = await slack.services.store.papers.get(arxiv_id)
    assert paper is not None
    first = top["text"].splitlines()[1]
    assert first == f"1. {escape(paper.title)} (💬 2 replies · 2 people)"
    assert not slack.fake.of("chat.postEphemeral")  # replies are counted silently


async def test_a_broadcast_reply_counts(slack: Slack) -> None:
    arxiv_id = fixture_ids()[0]
    thread = await open_discussion(slack, arxiv_id)
    await slack.event(
        message_event_payload(user=BOB, ts=new_ts(), thread_ts=thread, subtype="thread_broadcast")
    )
    await wait_activity(slack, arxiv_id, (1, 1))


BASE = {"team_id": TEAM}
REPLY = {"type": "message", "channel": GENERAL, "user": BOB, "ts": "2.0", "thread_ts": "1.0"}
SKIPPED = {
    "top level": {**REPLY, "thread_ts": None},
    "the parent": {**REPLY, "ts": "1.0"},
    "a bot": {**REPLY, "bot_id": "B1"},
    "a bot profile": {**REPLY, "bot_profile": {"id": "B1"}},
    "bot_message": {**REPLY, "subtype": "bot_message"},
    "ourselves": {**REPLY, "user": BOT_USER},
    "slackbot": {**REPLY, "user": "USLACKBOT"},
    "an edit": {**REPLY, "subtype": "message_changed"},
    "a deletion": {**REPLY, "subtype": "message_deleted"},
    "a join": {**REPLY, "subtype": "channel_join"},
    "hidden": {**REPLY, "hidden": True},
    "a direct message": {**REPLY, "channel_type": "im"},
    "a group DM": {**REPLY, "channel_type": "mpim"},
    "no user": {k: v for k, v in REPLY.items() if k != "user"},
    "not a message": {**REPLY, "type": "reaction_added"},
}


@pytest.mark.parametrize("event", SKIPPED.values(), ids=list(SKIPPED))
def test_what_is_not_a_reply(event: dict[str, Any]) -> None:
    assert thread_reply(BASE, event, BOT_USER) is None


@pytest.mark.parametrize("extra", [{}, {"subtype": "thread_broadcast"}, {"channel_type": "group"}])
def test_what_is_a_reply(extra: dict[str, Any]) -> None:
    reply = thread_reply(BASE, {**REPLY, **extra}, BOT_USER)
    assert reply is not None
    assert (reply.team, reply.channel, reply.ts, reply.thread_ts, reply.user) == (
        TEAM,
        GENERAL,
        "2.0",
        "1.0",
        BOB,
    )


# -- live standings ---------------------------------------------------------------------------


async def test_standings_edit_the_daily_header(slack: Slack, clock: FakeClock) -> None:
    clock.set(datetime(2026, 9, 25, 9, 30, tzinfo=UTC))
    await daily_card(slack)
    store = slack.services.store
    feed = await store.feeds.get(CHANNEL)
    assert feed is not None and feed.id is not None
    delivery = await store.deliveries.get(feed.id, date(2026, 9, 25))
    assert delivery is not None and delivery.root_message_id
    header_ts = delivery.root_message_id
    standings = slack.services.discussions.refresh_standings
    assert await standings(clock.now()) == 0  # no votes, no replies: nothing to stand on

    ids = fixture_ids()
    await slack.command(f"upvote {ids[2]}", user=BOB)
    clock.set(datetime(2026, 9, 25, 10, 31, tzinfo=UTC))
    assert await standings(clock.now()) == 1
    (update,) = [c for c in slack.fake.of("chat.update") if c.params["ts"] == header_ts]
    assert update.params["channel"] == GENERAL
    blocks = update.params["blocks"]
    assert blocks[0]["type"] == "header" and "Daily Papers" in blocks[0]["text"]["text"]
    (line,) = [
        e["text"]
        for b in blocks
        if b["type"] == "context"
        for e in b["elements"]
        if e["text"].startswith("Live standings:")
    ]
    assert line.startswith("Live standings: 1. Small Encoders") and "▲1" in line

    clock.set(datetime(2026, 9, 25, 10, 50, tzinfo=UTC))
    assert await standings(clock.now()) == 0  # at most once an hour
    assert len([c for c in slack.fake.of("chat.update") if c.params["ts"] == header_ts]) == 1


async def test_only_channel_members_can_make_the_bot_open_a_thread(slack: Slack) -> None:
    """Issue 18, item 9: someone outside the channel (a public channel can be viewed and its
    buttons clicked without joining) cannot make the bot open threads there."""
    card = await daily_card(slack)
    slack.fake.members[GENERAL] = [ADMIN, ALICE]
    arxiv_id = find_buttons(card["blocks"], "ph_discuss")[0][1]["value"]
    before = len(slack.fake.of("chat.postMessage"))

    answer = await slack.command(f"discuss {arxiv_id}", user=BOB)
    assert "can't post or start threads in this channel" in answer["text"]
    (clicked,) = await slack.click(card["blocks"], "ph_discuss", message=card, user=CAROL)
    assert "can't post or start threads in this channel" in shown(clicked)
    assert len(slack.fake.of("chat.postMessage")) == before
    assert await slack.services.store.discussions.get(CHANNEL, arxiv_id) is None

    await open_discussion(slack, arxiv_id, user=ALICE)  # a member may
    # One conversations.members call served all three checks (cached per channel).
    assert len(slack.fake.of("conversations.members")) == 1

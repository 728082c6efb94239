"""The adapter's outbound side against the fake: threads, DMs, errors, limits, 429s, pacing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from adapters.slack import SlackAdapter, build_slack_adapter
from bot.bootstrap import Services
from bot.messages import Message
from bot.models import ChannelRef, Paper, ScoredPaper, UserRef
from bot.ports import DeliveryError, DMClosedError, PostedRef
from bot.present.feeds import digest_header, digest_item
from bot.present.lists import ranked_list
from bot.present.papers import paper_message
from bot.present.replies import confirm
from tests.adapters.slack.conftest import GENERAL, slack_settings
from tests.adapters.slack.fake_slack import TEAM, Failure, FakeSlack

CHANNEL = ChannelRef("slack", TEAM, GENERAL)
USER = UserRef("slack", TEAM, "U0ALICE", "alice")


@pytest.fixture
async def adapter(tmp_path: Path, fake: FakeSlack, engine: Services) -> AsyncIterator[SlackAdapter]:
    built = build_slack_adapter(
        slack_settings(tmp_path, fake, "http"), engine.dispatcher, post_interval=0
    )
    yield built
    await built.close()


def card(title: str = "A paper", abstract: str = "Short.") -> Message:
    paper = Paper("2609.30001", title, abstract, authors=("Ada", "Bo"))
    return digest_item(ScoredPaper(paper, 1.0, "▲3 on HF"), 1)


async def test_daily_thread_header_then_replies(adapter: SlackAdapter, fake: FakeSlack) -> None:
    root = await adapter.open_thread(CHANNEL, digest_header(date(2026, 9, 24), 2), "t")
    assert root.thread_id == root.message_id
    first = await adapter.post_in_thread(root, card("One"))
    second = await adapter.post_in_thread(root, card("Two"))
    header, *replies = fake.of("chat.postMessage")
    assert "thread_ts" not in header.params
    assert [r.params["thread_ts"] for r in replies] == [root.message_id] * 2
    assert first.thread_id == second.thread_id == root.message_id
    assert first.message_id != second.message_id


async def test_resume_posts_into_the_existing_thread(
    adapter: SlackAdapter, fake: FakeSlack
) -> None:
    # After a crash the publisher only knows the stored ts: no new header, same thread.
    thread = PostedRef(CHANNEL, "1790000000.000042", "1790000000.000042")
    ref = await adapter.post_in_thread(thread, card())
    (call,) = fake.of("chat.postMessage")
    assert call.params["thread_ts"] == "1790000000.000042"
    assert ref.thread_id == "1790000000.000042"


async def test_send_edit_and_ephemeral(adapter: SlackAdapter, fake: FakeSlack) -> None:
    ref = await adapter.send(CHANNEL, confirm("Hello & <goodbye>", ephemeral=False))
    await adapter.edit(ref, confirm("Edited"))
    await adapter.reply_ephemeral(CHANNEL, USER, confirm("Just you"))
    assert fake.of("chat.postMessage")[0].params["text"] == "Hello &amp; &lt;goodbye&gt;"
    assert fake.of("chat.update")[0].params["ts"] == ref.message_id
    assert fake.of("chat.postEphemeral")[0].params["user"] == "U0ALICE"


async def test_dm_opens_a_conversation_first(adapter: SlackAdapter, fake: FakeSlack) -> None:
    ref = await adapter.send_dm(USER, confirm("3 new papers"))
    assert fake.of("conversations.open")[0].params["users"] == "U0ALICE"
    assert fake.of("chat.postMessage")[0].params["channel"] == "DU0ALICE"
    assert ref.channel == ChannelRef("slack", TEAM, "DU0ALICE")


@pytest.mark.parametrize("error", ["cannot_dm_bot", "user_not_found", "user_disabled"])
async def test_closed_dms(adapter: SlackAdapter, fake: FakeSlack, error: str) -> None:
    fake.dm_closed["U0ALICE"] = error
    with pytest.raises(DMClosedError):
        await adapter.send_dm(USER, confirm("hi"))
    assert not fake.of("chat.postMessage")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("not_in_channel", "/invite @Paper Herald"),
        ("channel_not_found", "deleted"),
        ("is_archived", "archived"),
        ("missing_scope", "chat:write"),
        ("account_inactive", "uninstalled"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
    ],
)
async def test_permanent_faults(
    adapter: SlackAdapter, fake: FakeSlack, error: str, words: str
) -> None:
    fake.fail("chat.postMessage", Failure(error=error, extra={"needed": "chat:write"}))
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(CHANNEL, confirm("x"))
    assert caught.value.permanent
    assert words in str(caught.value)
    assert not isinstance(caught.value, DMClosedError)


@pytest.mark.parametrize(
    "failure",
    [
        Failure(error="ratelimited"),  # no 429 status: nothing to retry on
        Failure(status=500, error="internal_error"),
        Failure(status=503, error="service_unavailable"),
    ],
)
async def test_transient_faults(adapter: SlackAdapter, fake: FakeSlack, failure: Failure) -> None:
    fake.fail("chat.postMessage", failure)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(CHANNEL, confirm("x"))
    assert not caught.value.permanent
    assert "retried" in str(caught.value)


@pytest.mark.slow
async def test_429_is_retried_after_retry_after(adapter: SlackAdapter, fake: FakeSlack) -> None:
    fake.fail(
        "chat.postMessage",
        Failure(status=429, error="ratelimited", headers={"Retry-After": "1"}),
    )
    ref = await adapter.send(CHANNEL, confirm("x"))
    first, second = fake.of("chat.postMessage")
    assert second.at - first.at >= 1.0
    assert ref.message_id


async def test_posts_to_one_channel_are_paced(
    tmp_path: Path, fake: FakeSlack, engine: Services
) -> None:
    paced = build_slack_adapter(
        slack_settings(tmp_path, fake, "http"), engine.dispatcher, post_interval=0.1
    )
    for _ in range(3):
        await paced.send(CHANNEL, confirm("x"))
    await paced.send(ChannelRef("slack", TEAM, "C0OTHER"), confirm("y"))
    a, b, c, other = fake.of("chat.postMessage")
    assert b.at - a.at >= 0.09 and c.at - b.at >= 0.09
    assert other.at - c.at < 0.09  # another channel does not wait


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ({"is_member": True}, None),
        ({"is_member": False}, "Invite me with /invite @Paper Herald first"),
        ({"is_member": True, "is_archived": True}, "archived"),
        (None, "invite me with /invite @Paper Herald"),
    ],
)
async def test_check_channel(
    adapter: SlackAdapter, fake: FakeSlack, info: dict[str, bool] | None, expected: str | None
) -> None:
    if info is not None:
        fake.channels[GENERAL] = info
    problem = await adapter.check_channel(CHANNEL)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


async def test_check_channel_in_a_dm(adapter: SlackAdapter, fake: FakeSlack) -> None:
    problem = await adapter.check_channel(ChannelRef("slack", TEAM, "D0123"))
    assert problem is not None and "not in a direct message" in problem
    assert not fake.calls


async def test_mentions_in_a_title_are_inert(adapter: SlackAdapter, fake: FakeSlack) -> None:
    await adapter.send(CHANNEL, card("<!channel> <!here> <@U123> & <https://evil|x> wins"))
    posted = json.dumps(fake.of("chat.postMessage")[0].params)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil|x>"):
        assert raw not in posted
    assert "&lt;!here&gt; &lt;@U123&gt; &amp;" in posted


async def test_a_6000_character_abstract_posts_within_limits(
    adapter: SlackAdapter, fake: FakeSlack
) -> None:
    words = " ".join(f"word{i}" for i in range(1200))[:6000]
    paper = Paper("2609.30002", "Long", words, authors=("Ada",))
    await adapter.send(CHANNEL, paper_message(paper, 0).public())
    blocks = fake.of("chat.postMessage")[0].params["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    assert words[-40:] in "".join(sections)  # split across sections, not cut
    assert not fake.violations


async def test_sixty_cards_are_cut_to_fifty_blocks(adapter: SlackAdapter, fake: FakeSlack) -> None:
    items = [
        ScoredPaper(Paper(f"2609.4{i:04d}", f"Paper {i}", "Abstract."), 1.0, "") for i in range(60)
    ]
    await adapter.send(CHANNEL, ranked_list("Top 60", items).public())
    blocks = fake.of("chat.postMessage")[0].params["blocks"]
    assert len(blocks) <= 50
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"].startswith("…and ")

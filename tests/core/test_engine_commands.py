"""Every /papers use case through the real engine and a real SQLite store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.messages import Actions, Message, PaperCard
from bot.models import ChannelRef, UserRef
from storage.store import Repositories
from tests.conftest import CHANNEL, HF_DAY, RecordingAdapter, alice, bob, fixture_ids, make_batch


def cards(message: Message) -> list[PaperCard]:
    return [b for b in message.blocks if isinstance(b, PaperCard)]


def buttons(message: Message) -> list[str]:
    out = [b.action for blk in message.blocks if isinstance(blk, Actions) for b in blk.buttons]
    out += [b.action for c in cards(message) for b in c.buttons]
    return out


async def test_help_lists_every_command(filled: Services) -> None:
    reply = await filled.dispatcher.handle_text(alice(), "/papers help")
    for name in (
        "today",
        "search",
        "paper",
        "top",
        "upvote",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "channel setup",
        "channel off",
        "channel status",
        "post-now",
    ):
        assert f"/papers {name}" in reply.text


async def test_unknown_command_and_bad_options_get_one_line(filled: Services) -> None:
    for line, expect in [
        ("/papers dance", "Unknown command"),
        ("/papers today 99", "from 1 to 25"),
        ("/papers top year", "one of day, week, month"),
        ("/papers upvote", "Usage: /papers upvote <id>"),
    ]:
        reply = await filled.dispatcher.handle_text(alice(), line)
        assert reply.is_error and expect in reply.text and "\n" not in reply.text


async def test_today_falls_back_to_the_latest_day(filled: Services) -> None:
    reply = await filled.dispatcher.handle_text(alice(), "/papers today 2")
    assert "No papers yet for Fri 25 Sep; here is Thu 24 Sep" in reply.text
    assert len(cards(reply)) == 2


async def test_search_pages_with_buttons_that_survive_a_restart(
    filled: Services, store: Repositories
) -> None:
    await store.papers.upsert(make_batch(HF_DAY, 12))
    reply = await filled.dispatcher.handle_text(alice(), "/papers search heraldic")
    assert reply.ephemeral and "Results 1–5 of 12" in reply.text
    nav = [a for a in buttons(reply) if a.startswith("search:")]
    fresh = build_services(
        filled.settings, store, [], filled.clock
    )  # "restart": new engine, same db
    page2 = await fresh.dispatcher.handle_action(alice(), nav[0])
    assert "Results 6–10 of 12" in page2.text


async def test_search_pagination_is_stable(filled: Services, store: Repositories) -> None:
    await store.papers.upsert(make_batch(HF_DAY, 23))
    seen: list[str] = []
    reply = await filled.dispatcher.handle_text(alice(), "/papers search heraldic")
    seen += [c.arxiv_id for c in cards(reply)]
    while True:
        nxt = [
            a
            for a in buttons(reply)
            if a.startswith("search:") and a.endswith(f":{len(seen) // 5 + 1}")
        ]
        if not nxt:
            break
        reply = await filled.dispatcher.handle_action(alice(), nxt[0])
        seen += [c.arxiv_id for c in cards(reply)]
    assert len(seen) == len(set(seen)) == 23


async def test_search_bad_input(filled: Services) -> None:
    assert (
        "needs a date"
        in (await filled.dispatcher.handle_text(alice(), "/papers search since:soon")).text
    )
    assert (
        "at least one word"
        in (await filled.dispatcher.handle_text(alice(), "/papers search ***")).text
    )
    reply = await filled.dispatcher.handle_text(alice(), "/papers search zzzqqqxxx")
    assert "No papers match" in reply.text


async def test_paper_accepts_ids_and_urls(filled: Services) -> None:
    pid = fixture_ids()[0]
    for ref in (
        pid,
        f"arXiv:{pid}v2",
        f"https://arxiv.org/pdf/{pid}v1",
        f"https://huggingface.co/papers/{pid}",
    ):
        reply = await filled.dispatcher.handle_text(alice(), f"/papers paper {ref}")
        assert cards(reply) and cards(reply)[0].abstract, ref
    assert (
        "not an arXiv id"
        in (await filled.dispatcher.handle_text(alice(), "/papers paper hello")).text
    )
    assert (
        "don't have 2501.99999"
        in (await filled.dispatcher.handle_text(alice(), "/papers paper 2501.99999")).text
    )


async def test_upvote_toggles_and_updates_the_button(filled: Services) -> None:
    pid = fixture_ids()[0]
    first = await filled.dispatcher.handle_action(alice(), f"upvote:{pid}")
    assert "1 vote here" in first.text
    assert first.button_updates[0].action == f"upvote:{pid}"
    assert first.button_updates[0].label.endswith("1")
    second = await filled.dispatcher.handle_text(bob(), f"/papers upvote {pid}")
    assert "2 votes here" in second.text
    undo = await filled.dispatcher.handle_text(alice(), f"/papers upvote {pid}")
    assert "Removed your vote" in undo.text and "1 vote here" in undo.text


async def test_concurrent_clicks_count_once_per_person(
    filled: Services, store: Repositories
) -> None:
    pid = fixture_ids()[1]
    users = [UserRef("console", "ws1", f"u{i}") for i in range(10)]
    await asyncio.gather(*(filled.dispatcher.handle_action(u, f"upvote:{pid}") for u in users))
    assert (await store.votes.counts("console", "ws1", [pid]))[pid] == 10


async def test_top_week_ranks_by_votes_and_hf(filled: Services) -> None:
    ids = fixture_ids()  # HF upvotes 87, 12, 5
    filled.dispatcher.limiter.limit = 100
    for i in range(8):
        await filled.dispatcher.handle_action(
            UserRef("console", "ws1", f"u{i}"), f"upvote:{ids[2]}"
        )
    reply = await filled.dispatcher.handle_text(alice(), "/papers top week")
    # 87 HF; 5 HF + 8 votes = 13; 12 HF
    assert [c.arxiv_id for c in cards(reply)][:3] == [ids[0], ids[2], ids[1]]
    assert "8 votes here" in (cards(reply)[1].reason or "")
    empty = await filled.dispatcher.handle_text(UserRef("console", "other", "x"), "/papers top day")
    assert "nothing yet" in empty.text


async def test_subscriptions_lifecycle(filled: Services) -> None:
    ok = await filled.dispatcher.handle_text(
        alice(), '/papers subscribe "gaussian splatting" -survey'
    )
    assert 'Subscribed to "gaussian splatting" -survey' in ok.text
    dup = await filled.dispatcher.handle_text(
        alice(), '/papers subscribe  "gaussian  splatting"   -survey'
    )
    assert "already follow" in dup.text
    assert (
        "needs a date"
        in (await filled.dispatcher.handle_text(alice(), "/papers subscribe since:x")).text
    )
    listed = await filled.dispatcher.handle_text(alice(), "/papers subscriptions")
    assert '"gaussian splatting" -survey' in listed.text and "(1/25)" in listed.text
    gone = await filled.dispatcher.handle_text(
        alice(), '/papers unsubscribe "gaussian splatting" -survey'
    )
    assert "Unsubscribed" in gone.text
    assert (
        "don't follow"
        in (await filled.dispatcher.handle_text(alice(), "/papers unsubscribe nope")).text
    )


async def test_unsubscribe_by_id_and_all(filled: Services) -> None:
    await filled.dispatcher.handle_text(alice(), "/papers subscribe diffusion")
    await filled.dispatcher.handle_text(alice(), "/papers subscribe retrieval")
    assert (
        "Unsubscribed"
        in (await filled.dispatcher.handle_text(alice(), "/papers unsubscribe #1")).text
    )
    assert "all 1" in (await filled.dispatcher.handle_text(alice(), "/papers unsubscribe all")).text


async def test_at_most_25_subscriptions(filled: Services) -> None:
    filled.dispatcher.limiter.limit = 1000
    for i in range(25):
        assert (
            "Subscribed"
            in (await filled.dispatcher.handle_text(alice(), f"/papers subscribe topic{i}")).text
        )
    reply = await filled.dispatcher.handle_text(alice(), "/papers subscribe one-too-many")
    assert reply.is_error and "25 topics" in reply.text


async def test_channel_commands_need_an_admin(filled: Services) -> None:
    for line in ("/papers channel setup", "/papers channel off", "/papers post-now"):
        reply = await filled.dispatcher.handle_text(alice(admin=False), line, CHANNEL)
        assert reply.is_error and "Only admins" in reply.text
    status = await filled.dispatcher.handle_text(
        alice(admin=False), "/papers channel status", CHANNEL
    )
    assert "no daily thread" in status.text


async def test_channel_setup_validates_and_reports_status(filled: Services) -> None:
    admin = alice(admin=True)
    for line, expect in [
        ("/papers channel setup 25:99", "not a time"),
        ("/papers channel setup 09:00 Mars/Olympus", "not an IANA time zone"),
        ("/papers channel setup 09:00 UTC 30", "from 1 to 25"),
        ("/papers channel setup 09:00 UTC 5 since:bad", "needs a date"),
    ]:
        reply = await filled.dispatcher.handle_text(admin, line, CHANNEL)
        assert reply.is_error and expect in reply.text
    ok = await filled.dispatcher.handle_text(
        admin, "/papers channel setup 09:00 Europe/Berlin 5 diffusion", CHANNEL
    )
    assert "Daily thread set up" in ok.text and "Europe/Berlin" in ok.text
    status = await filled.dispatcher.handle_text(bob(), "/papers channel status", CHANNEL)
    assert "top 5" in status.text and "Topic: diffusion" in status.text
    # 14:00 in Berlin: 09:00 passed within the grace window, so today's thread is due now;
    # with no scheduler running (the console's `chat`) only post-now posts it.
    assert "Next post: Fri 25 Sep 09:00 (Europe/Berlin), papers of Thu 24 Sep — due;" in status.text
    assert "no scheduler runs here, so /papers post-now posts it" in status.text
    filled.publisher.scheduled = True  # as under `paperherald run`
    status = await filled.dispatcher.handle_text(bob(), "/papers channel status", CHANNEL)
    assert "— due; it goes out within a minute" in status.text
    assert isinstance(filled.clock, FakeClock)  # the conftest's
    filled.clock.set(datetime(2026, 9, 25, 18, 0, tzinfo=UTC))  # 20:00 Berlin: past the grace
    status = await filled.dispatcher.handle_text(bob(), "/papers channel status", CHANNEL)
    assert "Next post: Sat 26 Sep 09:00" in status.text
    off = await filled.dispatcher.handle_text(admin, "/papers channel off", CHANNEL)
    assert "Stopped" in off.text
    assert (
        "off"
        in (await filled.dispatcher.handle_text(bob(), "/papers channel status", CHANNEL)).text
    )


async def test_setup_reports_missing_permissions(filled: Services) -> None:
    adapter = RecordingAdapter(channel_problem="I can't create threads in this channel.")
    filled.attach(adapter)
    reply = await filled.dispatcher.handle_text(alice(admin=True), "/papers channel setup", CHANNEL)
    assert reply.is_error and "create threads" in reply.text


async def test_post_now_posts_once(filled: Services) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    admin = alice(admin=True)
    await filled.dispatcher.handle_text(admin, "/papers channel setup 09:00 UTC 3", CHANNEL)
    first = await filled.dispatcher.handle_text(admin, "/papers post-now", CHANNEL)
    assert "Posted the thread for Thu 24 Sep (3 papers)" in first.text
    again = await filled.dispatcher.handle_text(admin, "/papers post-now", CHANNEL)
    assert "already posted" in again.text
    assert len(adapter.thread_items()) == 3


@pytest.mark.parametrize("platform", ["discord", "slack"])
async def test_rate_limit_says_slow_down(filled: Services, platform: str) -> None:
    """Discord and Slack users keep the per-person limit (the console has none)."""
    filled.dispatcher.limiter.limit = 3
    ann = UserRef(platform, "W1", "ann", "Ann")
    replies = [await filled.dispatcher.handle_text(ann, "/papers help") for _ in range(4)]
    assert "Slow down" in replies[-1].text
    clicks = [await filled.dispatcher.handle_action(ann, "abstract:2609.00001") for _ in range(2)]
    assert all("Slow down" in c.text for c in clicks)  # buttons count too
    ben = UserRef(platform, "W1", "ben", "Ben")
    assert "Slow down" not in (await filled.dispatcher.handle_text(ben, "/papers help")).text


async def test_closed_dm_notice_is_shown_once(filled: Services, store: Repositories) -> None:
    await store.subscriptions.pause_user(alice(), "Your DMs are closed.")
    reply = await filled.dispatcher.handle_text(alice(), "/papers help")
    assert reply.text.startswith("Your DMs are closed.")
    assert not (await filled.dispatcher.handle_text(alice(), "/papers help")).text.startswith(
        "Your DMs"
    )


async def test_an_unexpected_failure_is_one_sentence(filled: Services, store: Repositories) -> None:
    await store.db.close()  # the database goes away under the engine
    reply = await filled.dispatcher.handle_text(alice(), "/papers subscriptions")
    assert reply.is_error and "Something went wrong" in reply.text


def test_channel_ref_is_hashable() -> None:
    assert {ChannelRef("a", "b", "c"): 1}


async def test_setup_can_skip_empty_days_with_a_keyword_option(filled: Services) -> None:
    admin = alice(admin=True)
    reply = await filled.dispatcher.handle_text(
        admin, "/papers channel setup 09:00 UTC 5 empty=skip diffusion -survey", CHANNEL
    )
    assert "Empty days: no post" in reply.text and "Topic: diffusion -survey" in reply.text
    bad = await filled.dispatcher.handle_text(
        admin, "/papers channel setup 09:00 UTC 5 empty=maybe", CHANNEL
    )
    assert bad.is_error and "empty= setting must be one of note, skip" in bad.text

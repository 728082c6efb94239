"""The weekly recap through the real discord.py client against the fake: one channel
message (no thread), posted once, never pinging, linking the discussion thread; a 503 is
retried and a run killed after the post is finished by the next without posting again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from adapters.discord import DiscordAdapter
from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import ChannelRef, DeliveryStatus, Feed, UserRef
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import BOB, command
from tests.adapters.discord.fake_discord import FakeDiscord, Request
from tests.delivery.conftest import another_process

GUILD = str(p.GUILD_ID)
TEXT = ChannelRef("discord", GUILD, str(p.TEXT_CHANNEL_ID))
IN_WEEK = datetime.fromisoformat("2026-09-23T10:00:00+00:00")
RECAP_DAY = date(2026, 9, 25)  # the clock's Friday; the recap is due at 09:00 UTC
THREAD = "1300000000000000777"
FORUM_ID = p.FORUM_CHANNEL_ID


class Killed(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs."""


async def weekly_feed(fake: FakeDiscord, store: Repositories) -> Feed:
    """A daily thread and a Friday recap set up through slash commands; a week of votes on
    the title with @everyone in it, and a discussion thread with replies."""
    for path, options in (
        (("channel", "setup"), {"top": 2}),
        (("channel", "weekly"), {"day": "fri"}),
    ):
        await (await command(fake, path, options, caller=BOB, admin=True)).wait()
    for n, user in enumerate(("101", "102", "103")):
        voter = UserRef("discord", GUILD, user)
        await store.votes.toggle(voter, "2609.10002", IN_WEEK)
        if n == 0:
            await store.votes.toggle(voter, "2609.10001", IN_WEEK)
    assert await store.discussions.claim(TEXT, "2609.10003", "101", IN_WEEK) is None
    await store.discussions.opened(TEXT, "2609.10003", THREAD, THREAD)
    for n, user in enumerate(("101", "102")):
        await store.discussions.add_reply("discord", GUILD, f"77{n}", "2609.10003", user, IN_WEEK)
    feed = await store.feeds.get(TEXT)
    assert feed is not None and feed.weekly_day == 4
    return feed


def recaps(fake: FakeDiscord) -> list[Request]:
    return [
        r
        for r in fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")
        if r.status == 200 and str(r.body.get("content", "")).startswith("### Weekly recap")
    ]


async def test_the_recap_is_one_message_posted_once(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    filled: Services,
    store: Repositories,
    clock: FakeClock,
) -> None:
    await weekly_feed(fake, store)
    outcomes = await filled.publisher.publish_due(clock.now())
    assert any("weekly: Posted the weekly recap" in o for o in outcomes)
    (recap,) = recaps(fake)
    body = recap.body
    assert body["content"].startswith("### Weekly recap · Fri 18 Sep – Fri 25 Sep")
    assert "3 people voted (4 up-votes)." in body["content"]
    assert body["allowed_mentions"] == {"parse": []}
    titles = [e["title"] for e in body["embeds"]]
    assert titles[0].startswith("1. @everyone Look Here") and len(titles) == 3
    assert body["embeds"][0]["fields"][0]["value"] == "▲ 3 votes this week"
    link = f"https://discord.com/channels/{GUILD}/{THREAD}"
    assert body["embeds"][2]["fields"][0]["value"] == (
        f"💬 2 replies · 2 people this week · discussion: {link}"
    )
    assert "components" not in body or not body["components"]  # no buttons: a summary
    # one message in the channel, no thread of its own; the next runs post nothing more
    threads = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/\d+/threads")
    assert len(threads) == 1  # the daily thread's
    await filled.publisher.publish_due(clock.now() + timedelta(minutes=1))
    await another_process(filled).publish_due(clock.now() + timedelta(minutes=2))
    assert len(recaps(fake)) == 1


async def test_a_503_is_retried_and_a_killed_run_is_finished_without_a_second_post(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    filled: Services,
    store: Repositories,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = await weekly_feed(fake, store)
    assert feed.id is not None
    first = another_process(filled)
    assert first.weekly is not None
    fake.fail("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages", 503, p.error_body(0, "upstream"))
    outcome = await first.deliver(feed, RECAP_DAY, track=first.weekly)
    assert outcome.startswith("Posting failed for now and will be retried")
    assert recaps(fake) == []

    async def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    async def no_cleanup(*args: object, **kwargs: object) -> None:
        return None

    dead = another_process(filled)
    assert dead.weekly is not None
    monkeypatch.setattr(store.recaps, "finish", killed)  # dies right after the post
    monkeypatch.setattr(store.recaps, "release", no_cleanup)
    with pytest.raises(Killed):
        await dead.deliver(feed, RECAP_DAY, track=dead.weekly)
    monkeypatch.undo()
    assert len(recaps(fake)) == 1
    row = await store.recaps.get(feed.id, RECAP_DAY)
    assert row is not None and row.status is DeliveryStatus.CLAIMED and row.root_message_id

    restarted = another_process(filled)
    busy = await restarted.publish_due(clock.now())  # within the lease: the dead run's
    assert "feed 1 2026-09-25 weekly: That day's weekly recap is being posted right now." in busy
    clock.advance(seconds=filled.settings.delivery_lease_seconds + 2)
    done = await restarted.publish_due(clock.now())
    assert "feed 1 2026-09-25 weekly: This week's recap is already posted here." in done
    assert len(recaps(fake)) == 1
    row = await store.recaps.get(feed.id, RECAP_DAY)
    assert row is not None and row.status is DeliveryStatus.DONE


async def test_a_forum_channel_gets_its_recap_as_a_forum_post(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    filled: Services,
    store: Repositories,
    clock: FakeClock,
) -> None:
    """A forum takes no plain message (Discord answers 50008): the recap is a post of its own."""
    for path, options in (
        (("channel", "setup"), {"top": 2}),
        (("channel", "weekly"), {"day": "fri"}),
    ):
        log = await command(fake, path, options, caller=BOB, admin=True, channel_id=FORUM_ID)
        await log.wait()
    await store.votes.toggle(UserRef("discord", GUILD, "101"), "2609.10002", IN_WEEK)
    outcomes = await filled.publisher.publish_due(clock.now())
    assert any("weekly: Posted the weekly recap" in o for o in outcomes), outcomes
    posts = [
        r
        for r in fake.find("POST", rf"/channels/{FORUM_ID}/threads")
        if str(r.body["message"].get("content", "")).startswith("### Weekly recap")
    ]
    assert len(posts) == 1 and posts[0].status == 201
    assert posts[0].body["name"].startswith("Weekly recap")
    assert posts[0].body["message"]["allowed_mentions"] == {"parse": []}
    assert not fake.find("POST", rf"/channels/{FORUM_ID}/messages")
    await filled.publisher.publish_due(clock.now() + timedelta(minutes=1))
    assert len(fake.find("POST", rf"/channels/{FORUM_ID}/threads")) == 2  # daily + recap

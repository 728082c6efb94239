"""Discussions on Discord: Discuss opens one thread per (channel, paper), later clicks link to
it, human replies (and only those) raise the counts, lost access is one clear sentence, and
the daily header gets its hourly "Live standings" edit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.events import ReplyRecorder
from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import ChannelRef, Delivery, Feed, UserRef
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import ALICE, BOB, click, command
from tests.adapters.discord.fake_discord import FakeDiscord, InteractionLog, Request

JSON = dict[str, Any]
G = p.GUILD_ID
TEXT = ChannelRef("discord", str(G), str(p.TEXT_CHANNEL_ID))
FORUM = ChannelRef("discord", str(G), str(p.FORUM_CHANNEL_ID))
ADMIN = UserRef("discord", str(G), str(p.BOB_ID), "Bob", is_admin=True)
CAROL = p.user(1300000000000000204, "Carol")
OTHER_BOT = p.user(1300000000000000205, "Another Bot", bot=True)
PEOPLE = [p.user(1300000000000000210 + i, f"Reader {i}") for i in range(5)]


@dataclass
class Daily:
    delivery: Delivery
    cards: dict[str, JSON]  # arxiv id -> the card message inside the daily thread

    @property
    def thread_id(self) -> int:
        assert self.delivery.thread_id is not None
        return int(self.delivery.thread_id)


async def post_daily(
    fake: FakeDiscord, engine: Services, store: Repositories, channel: ChannelRef = TEXT
) -> Daily:
    feed = await store.feeds.upsert(
        Feed(channel=channel, post_time=time(9, 0), timezone="UTC", top_n=3)
    )
    assert feed.id is not None
    reply = await engine.dispatcher.handle_text(ADMIN, "/papers post-now", channel)
    assert not reply.is_error, reply.text
    delivery = await store.deliveries.last(feed.id)
    assert delivery is not None and delivery.plan and delivery.thread_id
    cards = {}
    for arxiv_id in delivery.plan:
        message_id = await store.deliveries.message_for(feed.id, delivery.day, arxiv_id)
        assert message_id is not None
        cards[arxiv_id] = fake.messages[int(message_id)]
    return Daily(delivery, cards)


@dataclass
class Spy:
    """Stands in for the engine's reply counter: forwards, and remembers every call."""

    inner: ReplyRecorder
    calls: list[tuple[str, bool]] = field(default_factory=list)  # (message id, counted)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def record_reply(
        self,
        platform: str,
        workspace: str,
        *,
        message_id: str,
        user_id: str,
        thread_id: str | None = None,
        reply_to: str | None = None,
    ) -> bool:
        counted = await self.inner.record_reply(
            platform,
            workspace,
            message_id=message_id,
            user_id=user_id,
            thread_id=thread_id,
            reply_to=reply_to,
        )
        self.calls.append((message_id, counted))
        self.changed.set()
        return counted

    async def wait(self, count: int, within: float = 5.0) -> list[tuple[str, bool]]:
        async def enough() -> None:
            while len(self.calls) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(enough(), within)
        return self.calls


def spy_on(adapter: DiscordAdapter) -> Spy:
    assert adapter.recorder is not None  # the real Services counts replies
    spy = Spy(adapter.recorder)
    adapter.recorder = spy
    return spy


async def answer(log: InteractionLog) -> Request:
    """The one message an interaction was answered with; checks it was private."""
    (reply,) = await log.wait()
    body = reply.body["data"] if reply.path.endswith("/callback") else reply.body
    assert body["flags"] & p.EPHEMERAL, body
    return reply


def text_of(reply: Request) -> str:
    body = reply.body["data"] if reply.path.endswith("/callback") else reply.body
    return str(body.get("content") or "")


def link(thread_id: int | str) -> str:
    return f"https://discord.com/channels/{G}/{thread_id}"


async def test_concurrent_clicks_open_exactly_one_thread_then_link_to_it(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    daily = await post_daily(fake, filled, store)
    pid = daily.delivery.plan[0] if daily.delivery.plan else ""
    paper = await store.papers.get(pid)
    assert paper is not None
    card = daily.cards[pid]
    channel_posts = len(fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages"))

    # Five people click the card's Discuss (inside the daily thread) at the same moment.
    logs = await asyncio.gather(
        *(click(fake, card, f"ph:discuss:{pid}", caller=who) for who in PEOPLE)
    )
    replies = [text_of(await answer(log)) for log in logs]

    roots = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")[channel_posts:]
    assert len(roots) == 1  # the discussion's card, in the parent channel, not the thread
    assert roots[0].body["embeds"][0]["title"].startswith(paper.title[:50])
    threads = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/\d+/threads")
    (thread,) = threads[1:]  # the first is the daily thread
    thread_id = int(thread.path.split("/")[4])
    assert thread.body["name"] == paper.title[:100]
    (seed,) = fake.find("POST", rf"/channels/{thread_id}/messages")
    assert "Discussion opened by Reader" in seed.body["content"]
    assert sum("Opened a discussion of" in r for r in replies) == 1
    assert all(
        "already has a discussion" in r or "being opened right now" in r
        for r in replies
        if "Opened a discussion" not in r
    )
    assert all(link(thread_id) in r for r in replies if "being opened" not in r)
    assert all(log.callbacks()[0] == 5 for log in logs)  # "thinking…" first, privately

    # Later: a click links to the thread, and so does /papers discuss in the daily thread.
    again = text_of(await answer(await click(fake, card, f"ph:discuss:{pid}", caller=BOB)))
    assert again == f"“{paper.title}” already has a discussion: {link(thread_id)}"
    cmd = await command(fake, ("discuss",), {"id": pid}, channel_id=daily.thread_id)
    assert link(thread_id) in text_of(await answer(cmd))
    assert len(fake.find("POST", r"/channels/\d+/messages/\d+/threads")) == 2
    # Discord announced the thread (THREAD_CREATE): the client has it cached.
    cached = adapter.client.get_channel(thread_id)
    assert cached is not None and getattr(cached, "parent_id", None) == p.TEXT_CHANNEL_ID


async def test_replies_from_people_count_and_bots_do_not(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    spy = spy_on(adapter)
    daily = await post_daily(fake, filled, store)
    first, second = (daily.delivery.plan or ())[:2]
    log = await click(fake, daily.cards[first], f"ph:discuss:{first}", caller=ALICE)
    assert "Opened a discussion" in text_of(await answer(log))
    thread_id = int(fake.find("POST", r"/channels/\d+/messages/\d+/threads")[-1].path.split("/")[4])
    seed = fake.channel_messages(thread_id)[0]  # the bot's own seed; its echo was not counted

    # Not replies: this bot, another bot, a webhook, a pin notice, a channel message.
    ignored = [
        await fake.post_as(p.bot_user(), thread_id),
        await fake.post_as(OTHER_BOT, thread_id),
        await fake.post_as(CAROL, thread_id, webhook_id=p.APP_ID + 9),
        await fake.post_as(ALICE, thread_id, kind=6, reply_to=seed),  # "pinned a message"
        await fake.post_as(BOB, p.TEXT_CHANNEL_ID),
    ]
    # Replies: two people in the discussion, one answering a card in the daily thread, and
    # one event the gateway delivers twice.
    alice = await fake.post_as(ALICE, thread_id)
    bob = await fake.post_as(BOB, thread_id, reply_to=seed)
    carol = await fake.post_as(CAROL, daily.thread_id, reply_to=daily.cards[second])
    await fake.post_as(ALICE, thread_id, message_id=int(alice["id"]))
    calls = await spy.wait(4)  # handled concurrently: in any order
    assert sorted(calls) == sorted(
        [(alice["id"], True), (alice["id"], False), (bob["id"], True), (carol["id"], True)]
    )
    ids = {message_id for message_id, _ in calls}
    assert not ids & {m["id"] for m in ignored} and seed["id"] not in ids
    # The seed did come back as MESSAGE_CREATE (Discord echoes the bot's posts); it was dropped.
    assert int(seed["id"]) in {m.id for m in adapter.client.cached_messages}

    card = await command(fake, ("paper",), {"id": first})
    (embed,) = (await answer(card)).body["data"]["embeds"]
    assert "💬 2 replies · 2 people" in embed["fields"][0]["value"]
    top = await command(fake, ("top",), {"period": "week", "by": "discussed"})
    body = (await answer(top)).body["data"]
    assert body["content"].startswith("### Most discussed")
    titles = [e["title"] for e in body["embeds"]]
    reasons = [e["fields"][0]["value"] for e in body["embeds"]]
    assert len(titles) == 2 and titles[0].startswith("1. ")
    # The one reason line of every list: HF upvotes and stars first, the discussion after.
    assert reasons[0].endswith("💬 2 replies · 2 people")
    assert reasons[1].endswith("💬 1 reply · 1 person")


async def test_a_thread_missing_from_the_cache_still_counts(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    spy = spy_on(adapter)
    daily = await post_daily(fake, filled, store)
    pid = (daily.delivery.plan or ("",))[0]
    await answer(await click(fake, daily.cards[pid], f"ph:discuss:{pid}"))
    thread_id = int(fake.find("POST", r"/channels/\d+/messages/\d+/threads")[-1].path.split("/")[4])
    # After a restart an archived thread that comes back is not cached: a PartialMessageable.
    guild = adapter.client.get_guild(G)
    thread = guild.get_thread(thread_id) if guild else None
    assert guild is not None and thread is not None
    guild._remove_thread(thread)
    await fake.post_as(BOB, thread_id)
    assert await spy.wait(1) == [(spy.calls[0][0], True)]


async def test_discuss_in_a_forum_opens_a_new_post(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    spy = spy_on(adapter)
    daily = await post_daily(fake, filled, store, FORUM)
    pid = (daily.delivery.plan or ("",))[0]
    paper = await store.papers.get(pid)
    assert paper is not None
    reply = text_of(await answer(await click(fake, daily.cards[pid], f"ph:discuss:{pid}")))
    _daily, discussion = fake.find("POST", rf"/channels/{p.FORUM_CHANNEL_ID}/threads")
    assert discussion.body["name"] == paper.title[:100]
    assert discussion.body["message"]["embeds"][0]["title"].startswith(paper.title[:50])
    opened = await store.discussions.get(FORUM, pid)  # the discussion belongs to the forum
    assert opened is not None and opened.thread_id is not None
    thread_id = int(opened.thread_id)
    assert fake.channels[thread_id]["parent_id"] == str(p.FORUM_CHANNEL_ID)
    assert reply == f"Opened a discussion of “{paper.title}”: {link(thread_id)}"
    (seed,) = fake.find("POST", rf"/channels/{thread_id}/messages")
    assert "Discussion opened by Alice" in seed.body["content"]
    await fake.post_as(BOB, thread_id)
    assert [counted for _, counted in await spy.wait(1)] == [True]


async def test_a_channel_the_bot_lost_gives_one_clear_sentence(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    daily = await post_daily(fake, filled, store)
    pid = (daily.delivery.plan or ("",))[0]
    fake.fail(
        "POST",
        rf"/channels/{p.TEXT_CHANNEL_ID}/messages",
        403,
        p.error_body(50001, "Missing Access"),
    )
    failed = text_of(await answer(await click(fake, daily.cards[pid], f"ph:discuss:{pid}")))
    assert failed.startswith(
        "I couldn't open a discussion here: Paper Herald has no access to this channel any "
        "more (Discord refused a new thread in channel"
    )
    assert failed.endswith("Missing Access); give its role View Channels there.")
    assert len(fake.find("POST", r"/channels/\d+/messages/\d+/threads")) == 1  # the daily one
    # Access is back: the claim was released, so the next click opens it.
    retry = text_of(await answer(await click(fake, daily.cards[pid], f"ph:discuss:{pid}")))
    assert retry.startswith("Opened a discussion of")


@pytest.mark.parametrize("channel", [TEXT, FORUM], ids=["text", "forum"])
async def test_the_daily_header_gets_live_standings(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    filled: Services,
    store: Repositories,
    clock: FakeClock,
    channel: ChannelRef,
) -> None:
    clock.set(datetime(2026, 9, 25, 9, 30, tzinfo=UTC))
    daily = await post_daily(fake, filled, store, channel)
    root = daily.delivery.root_message_id
    voted = (daily.delivery.plan or ())[-1]
    await (await click(fake, daily.cards[voted], f"ph:upvote:{voted}")).wait(2)
    clock.set(datetime(2026, 9, 25, 10, 31, tzinfo=UTC))
    assert await filled.discussions.refresh_standings(clock.now()) == 1
    # Text channel: the header is in the channel; forum: the post's first message, in the post.
    where = p.TEXT_CHANNEL_ID if channel is TEXT else daily.thread_id
    (patch,) = fake.find("PATCH", rf"/channels/{where}/messages/{root}")
    assert patch.status == 200
    lines = patch.body["content"].splitlines()
    assert lines[0].startswith("### Daily Papers")
    assert lines[-1].startswith("-# Live standings: 1. ") and "▲1" in lines[-1]
    clock.set(datetime(2026, 9, 25, 10, 50, tzinfo=UTC))
    assert await filled.discussions.refresh_standings(clock.now()) == 0  # within the hour

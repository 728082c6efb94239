"""Pacing: 5 posts per 5 s in one channel, other channels unaffected; 48 requests/s in all."""

from __future__ import annotations

import asyncio

from adapters.discord import DiscordAdapter
from adapters.discord.outbound import GLOBAL_LIMIT
from adapters.discord.pacing import ChannelPacer, wait_all
from bot.messages import Message
from bot.models import ChannelRef
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import click, command
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_buttons import post_card

TEXT = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


async def test_the_sixth_post_in_five_seconds_waits() -> None:
    clock = Clock()
    pacer = ChannelPacer(5, 5.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await pacer.wait("thread")
        clock.now += 0.1
    assert clock.slept == []
    await pacer.wait("other")  # another channel has its own budget
    assert clock.slept == []
    await pacer.wait("thread")
    assert clock.slept == [4.5]  # until the first of the five is 5 s old
    for _ in range(4):
        await pacer.wait("thread")
    assert len(clock.slept) == 5 and clock.now <= 100 + 10.1


async def test_idle_channels_are_forgotten() -> None:
    clock = Clock()
    pacer = ChannelPacer(5, 5.0, clock=clock, sleep=clock.sleep)
    for i in range(1001):
        await pacer.wait(f"c{i}")
    clock.now += 10
    await pacer.wait("late")
    assert len(pacer._sent) == 1


async def test_a_post_held_by_the_bot_wide_budget_counts_in_its_channel_when_it_goes() -> None:
    clock = Clock()
    channel = ChannelPacer(5, 5.0, clock=clock, sleep=clock.sleep)
    everything = ChannelPacer(2, 1.0, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    for _ in range(6):
        await wait_all([(channel, "thread"), (everything, "")])
        sent.append(clock.now)
    # Two a second for the bot, and the sixth post 5 s after the first actually went.
    assert sent == [100.0, 100.0, 101.0, 101.0, 102.0, 105.0]


async def test_posts_in_many_channels_keep_under_the_bot_wide_limit(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    """Discord's 50 requests/s per bot: discord.py only waits after a global 429, so the
    adapter paces every request it makes (here a thread and 60 posts: 62 requests)."""
    clock = Clock()
    adapter.outbound.pacer = ChannelPacer(1000, 5.0, clock=clock, sleep=clock.sleep)
    adapter.outbound.everything = ChannelPacer(GLOBAL_LIMIT, 1.0, clock=clock, sleep=clock.sleep)
    header = Message(text="### Daily Papers")
    ref = await adapter.open_thread(TEXT, header, "Papers")
    for i in range(60):
        await adapter.post_in_thread(ref, Message(text=f"paper {i}"))
    assert len(fake.find("POST", r"/channels/\d+/messages")) == 61
    # No clock time passed while posting: the first 48 went at once, the 49th waited until
    # the first was a second old, and the rest fit in that second.
    assert GLOBAL_LIMIT <= 50 and clock.slept == [1.0] and clock.now == 101.0


async def test_interaction_answers_never_wait_for_the_bot_wide_budget(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    """Discord exempts interaction endpoints from the global limit, and an answer has 3 s:
    with the bot's 48 requests of this second spent (feeds posting), a command's answer and
    a click's edit of its message still go out at once, through none of the pacers."""
    posted = await post_card(adapter, store, "2609.10001")
    clock, held, paced = Clock(), asyncio.Event(), 0

    async def sleep(seconds: float) -> None:
        nonlocal paced
        paced += 1
        await held.wait()

    for name in ("pacer", "everything"):
        setattr(adapter.outbound, name, ChannelPacer(GLOBAL_LIMIT, 1.0, clock=clock, sleep=sleep))
    for _ in range(GLOBAL_LIMIT):
        await adapter.outbound.everything.wait("")  # the second's budget is spent
    try:
        log = await command(fake, ("paper",), {"id": "2609.10001"})
        (answer,) = await asyncio.wait_for(log.wait(), 10)
        assert "2609.10001" in str(answer.body)
        card = fake.messages[int(posted.message_id)]
        log = await click(fake, card, "ph:upvote:2609.10001")
        edit, _ = await asyncio.wait_for(log.wait(2), 10)
        assert edit.body["type"] == 7  # UPDATE_MESSAGE: the card, edited in place
        assert paced == 0
    finally:
        held.set()

"""What a click does around the engine's answer comes from the action's declaration in
``bot.actions``: a new action declared with a flag is treated so, with no adapter edit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from adapters.discord import DiscordAdapter
from bot import actions
from bot.actions import encode
from bot.bootstrap import Services
from bot.messages import INTERNAL_ERROR, Actions, Button, Message, Text, plain
from bot.models import ChannelRef, UserRef
from bot.ports import PostedRef
from tests.action_table import declare_action
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import click
from tests.adapters.discord.fake_discord import FakeDiscord

CHANNEL = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))


def page_one() -> Message:
    """A message with a ``flip:2`` button (declare the action first)."""
    return Message(
        "page 1", (Text("page 1"), Actions((Button("Flip ▶", encode("flip", 2), "next"),)))
    )


@dataclass
class Seen:
    """Stands in for the engine's handle_action: records each click, answers ``answer``."""

    answer: Message = field(default_factory=lambda: plain("page 2"))
    clicks: list[tuple[str, ChannelRef | None]] = field(default_factory=list)
    fail: bool = False

    async def __call__(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        self.clicks.append((action, channel))
        if self.fail:
            raise RuntimeError("boom")
        return self.answer


@pytest.fixture
def seen(filled: Services, monkeypatch: pytest.MonkeyPatch) -> Seen:
    stub = Seen()
    monkeypatch.setattr(filled.dispatcher, "handle_action", stub)
    return stub


async def flip(fake: FakeDiscord, posted: PostedRef) -> list[int]:
    """Click ``flip:2`` on ``posted``; the callback types Discord got, once answered."""
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:flip:2")
    await log.wait()
    return log.callbacks()


@pytest.mark.parametrize("replaces", [True, False])
async def test_replaces_edits_the_clicked_message(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    seen: Seen,
    monkeypatch: pytest.MonkeyPatch,
    replaces: bool,
) -> None:
    declare_action(monkeypatch, replaces=replaces)
    posted = await adapter.send(CHANNEL, page_one())
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:flip:2")
    (answer,) = await log.wait()
    # 7: UPDATE_MESSAGE (the same message, now page 2); 4: a new message.
    assert answer.body["type"] == (7 if replaces else 4)
    assert answer.body["data"]["content"] == "page 2"
    assert seen.clicks == [("flip:2", CHANNEL)]


@pytest.mark.parametrize("deferred", [True, False])
async def test_deferred_answers_thinking_first(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    seen: Seen,
    monkeypatch: pytest.MonkeyPatch,
    deferred: bool,
) -> None:
    declare_action(monkeypatch, deferred=deferred)
    callbacks = await flip(fake, await adapter.send(CHANNEL, page_one()))
    assert callbacks == ([5] if deferred else [4])  # 5: "thinking…", then a follow-up


@pytest.mark.parametrize("in_parent", [True, False])
async def test_in_parent_asks_in_the_channel_of_the_thread(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    seen: Seen,
    monkeypatch: pytest.MonkeyPatch,
    in_parent: bool,
) -> None:
    declare_action(monkeypatch, in_parent=in_parent)
    thread = await adapter.open_thread(CHANNEL, plain("header"), "Papers")
    await flip(fake, await adapter.post_in_thread(thread, page_one()))
    assert thread.thread_id is not None
    inside = ChannelRef("discord", str(p.GUILD_ID), thread.thread_id)
    assert seen.clicks == [("flip:2", CHANNEL if in_parent else inside)]


async def test_a_button_no_longer_declared_gets_one_sentence(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare_action(monkeypatch)
    posted = await adapter.send(CHANNEL, page_one())
    monkeypatch.delitem(actions.ACTIONS, "flip")  # e.g. a button of a removed feature
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:flip:2")
    (answer,) = await log.wait()
    assert answer.body["type"] == 4 and answer.body["data"]["flags"] & p.EPHEMERAL
    assert answer.body["data"]["content"] == (
        "That button is no longer supported; run the command again."
    )


async def test_a_failing_click_gets_the_one_failure_sentence(
    fake: FakeDiscord, adapter: DiscordAdapter, seen: Seen, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare_action(monkeypatch)
    seen.fail = True
    posted = await adapter.send(CHANNEL, page_one())
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:flip:2")
    (answer,) = await log.wait()
    assert answer.body["data"]["content"] == INTERNAL_ERROR
    assert answer.body["data"]["flags"] & p.EPHEMERAL

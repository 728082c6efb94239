"""Every interaction is acknowledged in time: a command or a click whose answer is not ready
after ``defer_after`` (1.5 s in production; a busy store, a slow search) is deferred (type 5
for a command, type 6 for a click), then answered by a follow-up or an edit of @original.
The store is slowed on purpose: every read and write waits for an event the test sets only
once the deferral has reached the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.interactions import DEFER_AFTER
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import click, command
from tests.adapters.discord.fake_discord import FakeDiscord, InteractionLog
from tests.adapters.discord.test_buttons import labels, post_card


class Gate:
    """Holds the store's reads and writes while closed."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()

    def close(self) -> None:
        self.open.clear()

    def release(self) -> None:
        self.open.set()


@pytest.fixture
def gate(store: Repositories, monkeypatch: pytest.MonkeyPatch) -> Gate:
    gate = Gate()
    db = store.db
    fetchall, fetchone, transaction = db.fetchall, db.fetchone, db.transaction

    async def held_fetchall(*args: Any, **kwargs: Any) -> Any:
        await gate.open.wait()
        return await fetchall(*args, **kwargs)

    async def held_fetchone(*args: Any, **kwargs: Any) -> Any:
        await gate.open.wait()
        return await fetchone(*args, **kwargs)

    @asynccontextmanager
    async def held_transaction() -> AsyncIterator[Any]:
        await gate.open.wait()
        async with transaction() as conn:
            yield conn

    monkeypatch.setattr(db, "fetchall", held_fetchall)
    monkeypatch.setattr(db, "fetchone", held_fetchone)
    monkeypatch.setattr(db, "transaction", held_transaction)
    return gate


async def until(log: InteractionLog, condition: Callable[[], bool], within: float = 5.0) -> None:
    async def check() -> None:
        while not condition():
            log.changed.clear()
            await log.changed.wait()

    await asyncio.wait_for(check(), within)


@pytest.fixture
def quick(adapter: DiscordAdapter) -> DiscordAdapter:
    assert adapter.interactions.defer_after == DEFER_AFTER == 1.5
    adapter.interactions.defer_after = 0.05  # the store is held: the timer always wins
    return adapter


async def test_a_command_held_by_the_store_is_deferred_then_answered(
    fake: FakeDiscord, quick: DiscordAdapter, gate: Gate
) -> None:
    gate.close()
    log = await command(fake, ("paper",), {"id": "2609.10001"})  # not declared slow
    await until(log, lambda: log.callbacks() == [5])
    assert log.messages() == []  # acknowledged, not answered yet
    gate.release()
    (answer,) = await log.wait()
    assert answer.path.startswith("/webhooks/")  # the follow-up after "thinking…"
    assert "2609.10001" in str(answer.body)


async def test_a_click_held_by_the_store_is_deferred_then_edits_the_message(
    fake: FakeDiscord, quick: DiscordAdapter, store: Repositories, gate: Gate
) -> None:
    posted = await post_card(quick, store, "2609.10001")
    before = fake.messages[int(posted.message_id)]
    gate.close()
    log = await click(fake, before, "ph:upvote:2609.10001")
    await until(log, lambda: log.callbacks() == [6])
    assert log.messages() == []
    gate.release()
    edit, text = await log.wait(2)
    assert edit.method == "PATCH" and edit.path.endswith("/messages/@original")
    after = fake.messages[int(posted.message_id)]
    assert labels(after) == {**labels(before), "ph:upvote:2609.10001": "▲ Upvote · 1"}
    assert text.body["flags"] & p.EPHEMERAL and text.body["content"].startswith("▲ Upvoted")


async def test_a_late_abstract_click_follows_up_privately(
    fake: FakeDiscord, quick: DiscordAdapter, store: Repositories, gate: Gate
) -> None:
    posted = await post_card(quick, store, "2609.10003")
    gate.close()
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:abstract:2609.10003")
    await until(log, lambda: log.callbacks() == [6])
    gate.release()
    (reply,) = await log.wait()
    assert reply.method == "POST" and reply.body["flags"] & p.EPHEMERAL
    assert fake.messages[int(posted.message_id)]["components"]  # the card is untouched

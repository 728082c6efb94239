"""Persistent buttons: Upvote relabels in place, Abstract answers privately, Next/Previous page
in place, and a button posted before a restart still works after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.discord import DiscordAdapter, build_discord_adapter
from bot.bootstrap import build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.models import ChannelRef, Paper, ScoredPaper, SourceBatch
from bot.ports import PostedRef
from bot.present.feeds import digest_header, digest_item
from storage.db import Database
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import BOB, buttons, click, command, custom_ids
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import HF_DAY

CHANNEL = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))


async def post_card(adapter: DiscordAdapter, store: Repositories, arxiv_id: str) -> PostedRef:
    paper = await store.papers.get(arxiv_id)
    assert paper is not None
    thread = await adapter.open_thread(CHANNEL, digest_header(HF_DAY, 1), "Papers")
    return await adapter.post_in_thread(
        thread, digest_item(ScoredPaper(paper, 1.0, "▲ 5 on HF"), 1)
    )


def labels(message: dict[str, Any]) -> dict[str, str]:
    return {b.get("custom_id") or b["url"]: b["label"] for b in buttons(message)}


async def test_upvote_relabels_the_clicked_message_and_answers_privately(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    posted = await post_card(adapter, store, "2609.10001")
    before = fake.messages[int(posted.message_id)]
    log = await click(fake, before, "ph:upvote:2609.10001")
    edit, text = await log.wait(2)
    assert edit.body["type"] == 7  # UPDATE_MESSAGE: the same message, edited in place
    after = {**before, "components": edit.body["data"]["components"]}
    assert labels(after) == {**labels(before), "ph:upvote:2609.10001": "▲ Upvote · 1"}
    assert "embeds" not in edit.body["data"]  # only the button changed
    assert text.path.startswith("/webhooks/") and text.body["flags"] & p.EPHEMERAL
    assert text.body["content"].startswith("▲ Upvoted")
    # Bob's vote makes it 2, in the message as the fake now stores it.
    log = await click(
        fake, fake.messages[int(posted.message_id)], "ph:upvote:2609.10001", caller=BOB
    )
    edit, _ = await log.wait(2)
    assert (
        labels({"components": edit.body["data"]["components"]})["ph:upvote:2609.10001"]
        == "▲ Upvote · 2"
    )


async def test_abstract_shows_the_full_card_ephemerally(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    posted = await post_card(adapter, store, "2609.10003")
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:abstract:2609.10003")
    (reply,) = await log.wait()
    data = reply.body["data"]
    assert reply.body["type"] == 4 and data["flags"] & p.EPHEMERAL
    paper = await store.papers.get("2609.10003")
    assert paper is not None and data["embeds"][0]["description"] == paper.abstract
    assert "ph:abstract:2609.10003" not in custom_ids(data)  # the full card has no Abstract button


async def test_next_and_previous_edit_the_results_in_place(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    extra = tuple(
        Paper(f"2609.2000{i}", f"Sparse Mixtures, Part {i}", "Sparse experts again.")
        for i in range(8)
    )
    await store.papers.upsert(SourceBatch(papers=extra, source="test"))
    log = await command(fake, ("search",), {"query": "sparse"})
    (first,) = await log.wait()
    results = fake.messages[max(fake.messages)]
    assert "Results 1–5 of" in results["content"]
    (next_id,) = [c for c in custom_ids(results) if c.startswith("ph:search:")]
    log = await click(fake, results, next_id)
    (page2,) = await log.wait()
    assert page2.body["type"] == 7
    assert "Results 6–" in page2.body["data"]["content"]
    (prev_id,) = [c for c in custom_ids(page2.body["data"]) if c.startswith("ph:search:")]
    assert prev_id.endswith(":1")
    log = await click(fake, fake.messages[int(results["id"])], prev_id)
    (page1,) = await log.wait()
    assert "Results 1–5 of" in page1.body["data"]["content"]
    assert first.body["flags"] & p.EPHEMERAL


async def test_an_old_button_works_after_a_restart(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    store: Repositories,
    settings: Settings,
) -> None:
    posted = await post_card(adapter, store, "2609.10002")
    old_message = fake.messages[int(posted.message_id)]
    await adapter.close()
    puts_before = len(fake.find("PUT", r"/applications/\d+/commands"))

    # A new process: new client, new engine, the same database file.
    db = await Database.open(settings.database)
    try:
        clock = FakeClock(datetime(2026, 9, 25, 12, tzinfo=UTC))
        engine = build_services(settings, Repositories(db, clock), [], clock)
        second = build_discord_adapter(settings, engine.dispatcher, kv=Repositories(db, clock).kv)
        engine.attach(second)
        await second.start()
        try:
            log = await click(fake, old_message, "ph:upvote:2609.10002")
            edit, text = await log.wait(2)
            assert edit.body["type"] == 7
            assert (
                labels({"components": edit.body["data"]["components"]})["ph:upvote:2609.10002"]
                == "▲ Upvote · 1"
            )
            assert "@everyone" in text.body["content"] and text.body["allowed_mentions"] == {
                "parse": []
            }
        finally:
            await second.close()
    finally:
        await db.close()
    # Same declarations, same target: the restart did not upload the commands again.
    assert len(fake.find("PUT", r"/applications/\d+/commands")) == puts_before == 1
    assert fake.connections == 2


async def test_a_button_from_an_unknown_message_shape_is_ignored_quietly(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    log = await click(
        fake, p.message(fake.next_id(), p.TEXT_CHANNEL_ID, {"content": "x"}), "other:1"
    )
    # Events are handled in order: once help is answered, the click has been seen (and dropped).
    await (await command(fake, ("help",))).wait()
    assert log.replies == []


async def test_not_for_me_replaces_the_upvote_and_relabels_its_count(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    posted = await post_card(adapter, store, "2609.10001")
    before = fake.messages[int(posted.message_id)]
    assert labels(before)["ph:downvote:2609.10001"] == "👎 Not for me"
    log = await click(fake, before, "ph:upvote:2609.10001")
    await log.wait(2)
    log = await click(fake, fake.messages[int(posted.message_id)], "ph:downvote:2609.10001")
    edit, text = await log.wait(2)
    assert edit.body["type"] == 7
    after = labels({"components": edit.body["data"]["components"]})
    assert after["ph:upvote:2609.10001"] == "▲ Upvote"  # the 👎 replaced the upvote
    assert after["ph:downvote:2609.10001"] == "👎 Not for me"  # no public count
    assert text.body["flags"] & p.EPHEMERAL and text.body["content"].startswith("👎")

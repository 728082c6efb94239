"""Every /papers command, autocomplete, admin checks and bad input, through INTERACTION_CREATE."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from bot.commands import COMMANDS, Command
from bot.models import ChannelRef
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import BOB, autocomplete, command, custom_ids
from tests.adapters.discord.fake_discord import FakeDiscord, Request

# Hand-picked values where they matter; any other declared command gets generated ones,
# so a command added to bot/commands.py is exercised here without editing this file.
EXAMPLES: dict[tuple[str, ...], dict[str, Any]] = {
    ("today",): {"n": 3},
    ("search",): {"query": "diffusion"},
    ("subscribe",): {"topic": '"step schedules" -survey'},
    ("unsubscribe",): {"topic": "all"},
    ("channel", "setup"): {"time": "08:30", "timezone": "Europe/Berlin", "top": 5},
}


def example(decl: Command) -> dict[str, Any]:
    if decl.path in EXAMPLES:
        return EXAMPLES[decl.path]
    values: dict[str, Any] = {}
    for option in decl.options:
        if option.choices:
            values[option.name] = option.choices[0]
        elif option.kind == "integer":
            values[option.name] = option.min_value or 1
        elif option.required:
            values[option.name] = "2609.10001" if option.autocomplete == "papers" else "diffusion"
    return values


def final(replies: list[Request]) -> dict[str, Any]:
    body = replies[-1].body
    return dict(body.get("data", body)) if replies[-1].path.endswith("/callback") else dict(body)


def test_hand_picked_examples_are_declared_commands() -> None:
    assert set(EXAMPLES) <= {c.path for c in COMMANDS}


@pytest.mark.parametrize("decl", COMMANDS, ids=lambda c: c.name)
async def test_every_command_answers(
    fake: FakeDiscord, adapter: DiscordAdapter, decl: Command
) -> None:
    log = await command(fake, decl.path, example(decl), caller=BOB, admin=True)
    replies = await log.wait()
    # Slow commands acknowledge first (type 5, ephemeral as declared) and follow up.
    if decl.slow:
        assert log.callbacks()[0] == 5
        assert log.replies[0].body["data"]["flags"] & p.EPHEMERAL
        assert replies[-1].path.startswith("/webhooks/")
    else:
        assert log.callbacks() == [4]
    body = final(replies)
    assert body["allowed_mentions"] == {"parse": []}
    assert body.get("content") or body.get("embeds")
    if decl.ephemeral:
        assert int(body.get("flags") or 0) & p.EPHEMERAL


async def test_search_renders_cards_and_buttons(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    log = await command(fake, ("search",), {"query": "diffusion"})
    body = final(await log.wait())
    assert "Results 1–1 of 1" in body["content"]
    embed = body["embeds"][0]
    assert embed["title"].endswith("Learned Step Schedules for Fast Diffusion Sampling")
    assert embed["url"] == "https://huggingface.co/papers/2609.10001"
    assert embed["image"]["url"].endswith("2609.10001.png")
    ids = [
        b.get("custom_id") or b.get("url") for row in body["components"] for b in row["components"]
    ]
    assert "ph:upvote:2609.10001" in ids and "ph:abstract:2609.10001" in ids
    assert "https://arxiv.org/pdf/2609.10001" in ids


async def test_today_lists_ranked_cards(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    log = await command(fake, ("today",), {"n": 3})
    body = final(await log.wait())
    assert "Top 3 papers" in body["content"]
    assert [e["title"][:2] for e in body["embeds"]] == ["1.", "2.", "3."]
    assert custom_ids(body)[0] == "ph:upvote:" + body["embeds"][0]["footer"]["text"].split(" ")[0]


async def test_channel_setup_by_an_admin_creates_the_feed(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    log = await command(
        fake,
        ("channel", "setup"),
        {"time": "08:30", "timezone": "Europe/Berlin"},
        caller=BOB,
        admin=True,
    )
    body = final(await log.wait())
    assert "Daily thread set up" in body["content"]
    feed = await store.feeds.get(ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID)))
    assert (
        feed is not None and feed.timezone == "Europe/Berlin" and feed.created_by == str(p.BOB_ID)
    )


async def test_channel_setup_typed_options_read_zones_in_any_case(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    """The typed Discord options go through the same declaration and checks as text."""
    where = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))
    values = {"timezone": "europe/berlin", "top": 3, "topic": "diffusion"}
    log = await command(fake, ("channel", "setup"), values, caller=BOB, admin=True)
    assert "Time: 09:00 Europe/Berlin, top 3" in final(await log.wait())["content"]
    feed = await store.feeds.get(where)
    assert feed is not None and feed.timezone == "Europe/Berlin" and feed.topic == "diffusion"
    log = await command(fake, ("channel", "setup"), {"timezone": "EST"}, caller=BOB, admin=True)
    content = final(await log.wait())["content"]
    assert "EST is a fixed offset" in content and "ignores daylight saving" in content


async def test_channel_setup_without_manage_server_is_refused(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    log = await command(fake, ("channel", "setup"), {"time": "08:30"}, admin=False)
    body = final(await log.wait())
    assert log.callbacks() == [4]  # refused at once, not deferred
    assert "Manage Server" in body["content"] and body["flags"] & p.EPHEMERAL
    assert await store.feeds.all() == []


async def test_channel_setup_names_missing_permissions(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    log = await command(
        fake, ("channel", "setup"), {}, caller=BOB, admin=True, channel_id=p.LOCKED_CHANNEL_ID
    )
    body = final(await log.wait())
    assert "Create Public Threads and Send Messages in Threads" in body["content"]
    assert await store.feeds.all() == []


async def test_bad_input_gets_one_ephemeral_sentence(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    # Discord enforces the range too; the adapter does not rely on it.
    log = await command(fake, ("today",), {"n": 99})
    body = final(await log.wait())
    assert body["content"] == "Give a number of papers from 1 to 25 (you gave 99)."
    assert body["flags"] & p.EPHEMERAL
    log = await command(fake, ("paper",), {"id": "not an id"})
    body = final(await log.wait())
    assert "is not an arXiv id or URL" in body["content"] and body["flags"] & p.EPHEMERAL


async def test_post_now_opens_the_thread_through_the_channel(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await (await command(fake, ("channel", "setup"), {"top": 2}, caller=BOB, admin=True)).wait()
    log = await command(fake, ("post-now",), caller=BOB, admin=True)
    body = final(await log.wait())
    assert "Posted the thread" in body["content"]
    header = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")[0]
    assert header.body["content"].startswith("### Daily Papers")
    thread = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/\d+/threads")[0]
    thread_id = int(thread.path.split("/")[4])
    assert thread.body["name"].startswith("Papers · ") and len(thread.body["name"]) <= 100
    posts = fake.find("POST", rf"/channels/{thread_id}/messages")
    assert len(posts) == 2 and all(r.body["allowed_mentions"] == {"parse": []} for r in posts)


async def test_commands_in_a_dm(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    log = await command(
        fake, ("subscribe",), {"topic": "diffusion"}, in_guild=False, channel_id=555
    )
    body = final(await log.wait())
    assert body["content"].startswith("Subscribed to diffusion")
    log = await command(fake, ("channel", "status"), in_guild=False, channel_id=555)
    assert "no daily thread" in final(await log.wait())["content"]


async def test_autocomplete_own_topics_papers_and_timezones(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await (await command(fake, ("subscribe",), {"topic": "gaussian splatting"})).wait()
    log = await autocomplete(fake, ("unsubscribe",), "topic", "gauss")
    (reply,) = await log.wait()
    assert reply.body["type"] == 8
    assert [c["value"] for c in reply.body["data"]["choices"]] == ["all", "gaussian splatting"]

    log = await autocomplete(fake, ("paper",), "id", "2609.1000")
    choices = (await log.wait())[0].body["data"]["choices"]
    assert {c["value"] for c in choices} >= {"2609.10001", "2609.10002", "2609.10003"}
    assert all(len(c["name"]) <= 100 for c in choices)

    log = await autocomplete(fake, ("channel", "setup"), "timezone", "Europe/Ber")
    choices = (await log.wait())[0].body["data"]["choices"]
    assert choices == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]


async def test_upvote_command_counts_per_guild(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    body = final(await (await command(fake, ("upvote",), {"id": "2609.10001"})).wait())
    assert body["content"].startswith("▲ Upvoted") and "(1 vote here)" in body["content"]
    counts = await store.votes.counts("discord", str(p.GUILD_ID), ["2609.10001"])
    assert counts == {"2609.10001": 1}

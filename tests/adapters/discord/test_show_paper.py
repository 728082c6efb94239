"""The "Show paper" message command: the cards of a message's paper links, ephemeral."""

from __future__ import annotations

from itertools import count
from typing import Any

from adapters.discord import DiscordAdapter
from adapters.discord.slash import SHOW_PAPER
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import ALICE, BOB, channel_payload
from tests.adapters.discord.fake_discord import FakeDiscord, InteractionLog

_ids = count(1300000000000090000)


async def show_paper(fake: FakeDiscord, content: str) -> InteractionLog:
    target = p.message(next(_ids), p.TEXT_CHANNEL_ID, {"content": content})
    target["author"] = BOB
    payload = p.message_command_interaction(
        next(_ids), f"tok-{next(_ids)}", SHOW_PAPER, target, caller=ALICE, channel=channel_payload()
    )
    return await fake.interact(payload)


def answer(log: InteractionLog, replies: list[Any]) -> dict[str, Any]:
    body = replies[-1].body
    return dict(body.get("data", body))


async def test_the_message_command_is_uploaded_beside_papers(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    commands = adapter.client.tree.get_commands()
    assert {c.name for c in commands} == {"papers", SHOW_PAPER}


async def test_links_in_a_message_become_ephemeral_cards(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    log = await show_paper(
        fake,
        "have you seen https://huggingface.co/papers/2609.10001 ? "
        "also https://doi.org/10.48550/arXiv.2609.10001 and arxiv.org/abs/1501.99999",
    )
    replies = await log.wait()
    body = answer(log, replies)
    assert int(body.get("flags") or 0) & p.EPHEMERAL
    assert len(body["embeds"]) == 1  # one known paper, named twice; the unknown one has no card
    assert body["embeds"][0]["url"] == "https://huggingface.co/papers/2609.10001"
    assert body["allowed_mentions"] == {"parse": []}


async def test_a_message_without_known_papers_gets_one_sentence(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    for content, says in (
        ("no links here", "no arXiv"),
        ("https://arxiv.org/abs/1501.99999", "I don't have that paper yet"),
    ):
        log = await show_paper(fake, content)
        body = answer(log, await log.wait())
        assert int(body.get("flags") or 0) & p.EPHEMERAL
        assert says in body["content"] and not body.get("embeds")

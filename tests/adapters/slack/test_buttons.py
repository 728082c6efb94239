"""Every button through each transport: Upvote (public and ephemeral), Abstract, Next/Previous."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack.render import escape
from bot.models import FeaturedOn, Paper, SourceBatch
from tests.adapters.slack.conftest import ADMIN, GENERAL, Slack, button_labels, find_buttons
from tests.conftest import fixture_ids


async def daily_reply(slack: Slack) -> dict[str, Any]:
    """A card as posted in the daily thread, shaped like Slack's ``body["message"]``."""
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 09:00 UTC 3", user=ADMIN)
    await slack.command("post-now", user=ADMIN)
    reply = slack.fake.of("chat.postMessage")[1].params
    return {"ts": "1790000000.000002", "text": reply["text"], "blocks": reply["blocks"]}


async def add_papers(slack: Slack, n: int, word: str = "zebrafish") -> None:
    day = datetime(2026, 9, 20, tzinfo=UTC)
    papers = tuple(
        Paper(f"2609.2{i:04d}", f"{word.title()} study {i}", f"All about {word} number {i}.")
        for i in range(n)
    )
    featured = tuple(FeaturedOn(day.date(), p.arxiv_id, "hf", i) for i, p in enumerate(papers))
    await slack.services.store.papers.upsert(SourceBatch(papers, featured, "hf"))


async def test_upvote_on_a_public_card_updates_it_in_place(slack: Slack) -> None:
    message = await daily_reply(slack)
    assert button_labels(message["blocks"], "ph_upvote") == ["▲ Upvote"]
    (confirm,) = await slack.click(message["blocks"], "ph_upvote", message=message)
    assert confirm["response_type"] == "ephemeral"
    assert confirm["replace_original"] is False
    assert "Upvoted" in confirm["text"]
    (update,) = slack.fake.of("chat.update")
    assert update.params["channel"] == GENERAL
    assert update.params["ts"] == message["ts"]
    assert button_labels(update.params["blocks"], "ph_upvote") == ["▲ Upvote · 1"]
    # Everything else in the card is as it was.
    assert update.params["blocks"][0] == message["blocks"][0]


async def test_a_second_click_removes_the_vote(slack: Slack) -> None:
    message = await daily_reply(slack)
    await slack.click(message["blocks"], "ph_upvote", message=message)
    message["blocks"] = slack.fake.of("chat.update")[0].params["blocks"]
    (confirm,) = await slack.click(message["blocks"], "ph_upvote", message=message)
    assert "Removed your vote" in confirm["text"]
    assert button_labels(slack.fake.of("chat.update")[1].params["blocks"], "ph_upvote") == [
        "▲ Upvote"
    ]


async def test_upvote_in_an_ephemeral_list_replaces_that_list(slack: Slack) -> None:
    answer = await slack.command('search "step schedules"')
    assert answer["response_type"] == "ephemeral"
    replaced, confirm = await slack.click(answer["blocks"], "ph_upvote", expect=2)
    assert replaced["replace_original"] is True
    assert button_labels(replaced["blocks"], "ph_upvote")[0] == "▲ Upvote · 1"
    assert confirm["replace_original"] is False and "Upvoted" in confirm["text"]
    assert not slack.fake.of("chat.update")  # ephemeral messages cannot be chat.update'd


async def test_upvote_on_an_ephemeral_list_from_before_a_restart(slack: Slack) -> None:
    answer = await slack.command('search "step schedules"')
    for block in answer["blocks"]:
        block["block_id"] = "unknown-block"
    (confirm,) = await slack.click(answer["blocks"], "ph_upvote")
    assert "Upvoted" in confirm["text"]


async def test_abstract_answers_ephemerally(slack: Slack) -> None:
    message = await daily_reply(slack)
    (answer,) = await slack.click(message["blocks"], "ph_abstract", message=message)
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    arxiv_id = find_buttons(message["blocks"], "ph_abstract")[0][1]["value"]
    paper = await slack.services.store.papers.get(arxiv_id)
    assert paper is not None
    shown = " ".join(b.get("text", {}).get("text", "") for b in answer["blocks"])
    assert escape(paper.abstract[-60:]) in shown  # the full abstract, to its end
    assert not find_buttons(answer["blocks"], "ph_abstract")  # the full card has no Abstract


async def test_search_pages_replace_the_results(slack: Slack) -> None:
    await add_papers(slack, 7)
    first = await slack.command("search zebrafish")
    assert "Results 1–5 of 7" in first["text"]
    assert button_labels(first["blocks"], "ph_search") == ["Next ▶"]
    (second,) = await slack.click(first["blocks"], "ph_search")
    assert second["replace_original"] is True
    assert "Results 6–7 of 7" in second["text"]
    assert button_labels(second["blocks"], "ph_search") == ["◀ Previous"]
    (back,) = await slack.click(second["blocks"], "ph_search")
    assert "Results 1–5 of 7" in back["text"]


async def test_previous_and_next_have_distinct_action_ids(slack: Slack) -> None:
    await add_papers(slack, 12)
    first = await slack.command("search zebrafish")
    (middle,) = await slack.click(first["blocks"], "ph_search")
    ids = [e["action_id"] for _, e in find_buttons(middle["blocks"], "ph_search")]
    assert len(ids) == 2 and len(set(ids)) == 2
    (last,) = await slack.click(middle["blocks"], "ph_search", nth=1)
    assert "Results 11–12 of 12" in last["text"]


async def test_an_unknown_button_gets_a_friendly_sentence(slack: Slack) -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "b1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "ph_frobnicate",
                    "value": "x",
                    "text": {"type": "plain_text", "text": "?"},
                }
            ],
        }
    ]
    (answer,) = await slack.click(blocks, "ph_frobnicate")
    assert "no longer supported" in answer["text"]


@pytest.mark.parametrize("arxiv_id", fixture_ids()[:1])
async def test_upvote_button_value_is_the_arxiv_id(slack: Slack, arxiv_id: str) -> None:
    answer = await slack.command(f"paper {arxiv_id}")
    (_, button) = find_buttons(answer["blocks"], "ph_upvote")[0]
    assert button["action_id"] == "ph_upvote"
    assert button["value"] == arxiv_id


async def test_not_for_me_on_a_public_card_replaces_the_upvote(slack: Slack) -> None:
    message = await daily_reply(slack)
    assert button_labels(message["blocks"], "ph_downvote") == ["👎 Not for me"]
    await slack.click(message["blocks"], "ph_upvote", message=message)
    message["blocks"] = slack.fake.of("chat.update")[0].params["blocks"]
    (confirm,) = await slack.click(message["blocks"], "ph_downvote", message=message)
    assert confirm["response_type"] == "ephemeral" and confirm["text"].startswith("👎")
    update = slack.fake.of("chat.update")[-1]
    assert button_labels(update.params["blocks"], "ph_upvote") == ["▲ Upvote"]

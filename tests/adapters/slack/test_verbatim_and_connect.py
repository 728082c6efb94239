"""Issue 18, item 14: paper text goes out as ``verbatim`` mrkdwn (Slack then leaves "@here" or
"#general" in a title as plain text), and in a Slack Connect channel only members of the
installing team can be admins by their Slack role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.people import People
from adapters.slack.render import render_message
from bot.messages import Context, Message, Text
from bot.models import ChannelRef, FeaturedOn, Paper, ScoredPaper, SourceBatch
from bot.present.feeds import digest_item
from bot.present.papers import discussion_seed, paper_message
from tests.adapters.slack.conftest import ADMIN, GENERAL, Slack
from tests.adapters.slack.fake_slack import BOT_TOKEN, TEAM, Failure, FakeSlack

HOSTILE = "Beat @here and @channel, see #general or <!everyone> https://example.org/x."


def mrkdwn_objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if value.get("type") == "mrkdwn" else []
        return found + [o for v in value.values() for o in mrkdwn_objects(v)]
    if isinstance(value, list):
        return [o for v in value for o in mrkdwn_objects(v)]
    return []


def hostile_paper() -> Paper:
    return Paper(
        "2609.30001",
        HOSTILE,
        f"Abstract: {HOSTILE} " * 3,
        authors=("@here", "Ada"),
        categories=("cs.LG",),
        published_at=datetime(2026, 9, 24, tzinfo=UTC),
    )


MESSAGES = {
    "digest item": digest_item(ScoredPaper(hostile_paper(), 1.0, "@channel"), 1),
    "paper": paper_message(hostile_paper(), 3, (2, 1)),
    "discussion seed": discussion_seed(hostile_paper(), "@here"),
    "text and context": Message(HOSTILE, (Text(HOSTILE), Context(HOSTILE))),
    "too many blocks": Message("x", tuple(Text(f"{i} @here") for i in range(80))),
}


@pytest.mark.parametrize("message", MESSAGES.values(), ids=list(MESSAGES))
def test_every_mrkdwn_text_is_verbatim(message: Message) -> None:
    objects = mrkdwn_objects(render_message(message).blocks)
    assert objects and all(o.get("verbatim") is True for o in objects), objects


def test_bare_urls_are_still_links() -> None:
    """Verbatim text is not auto-linked, so the renderer links bare URLs itself (the
    discussion seed lists "arXiv: https://..."), and only those."""
    seed = render_message(discussion_seed(hostile_paper(), "Ann")).blocks
    texts = " ".join(o["text"] for o in mrkdwn_objects(seed))
    assert "<https://arxiv.org/abs/2609.30001>" in texts
    assert "<https://example.org/x>." in texts  # the full stop is not part of the URL
    assert "&lt;!everyone&gt;" in texts and "<!" not in texts


@pytest.mark.parametrize("slack", ["direct"], indirect=True)
async def test_posts_and_answers_reach_slack_verbatim(slack: Slack) -> None:
    await slack.adapter.send(ChannelRef("slack", TEAM, GENERAL), MESSAGES["digest item"])
    (post,) = slack.fake.of("chat.postMessage")
    posted = mrkdwn_objects(post.params["blocks"])
    assert posted and all(o["verbatim"] is True for o in posted)
    assert "@here" in posted[0]["text"] and "<!here>" not in posted[0]["text"]
    day = datetime(2026, 9, 24, tzinfo=UTC).date()
    batch = SourceBatch((hostile_paper(),), (FeaturedOn(day, "2609.30001", "hf", 1),), "hf")
    await slack.services.store.papers.upsert(batch)
    answer = await slack.command("paper 2609.30001")
    answered = mrkdwn_objects(answer["blocks"])
    assert answered and all(o["verbatim"] is True for o in answered)


# -- Slack Connect ---------------------------------------------------------------------------


async def test_an_admin_of_another_organisation_is_not_an_admin_here(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    # users.info of a Slack Connect member: their own organisation's role and team.
    slack.fake.users["U0EXTERNAL"] = {"is_admin": True, "is_owner": True, "team_id": "T0OTHER"}
    slack.fake.users["U0OWNER"] = {"is_owner": True}  # team_id: the installing team
    refused = await slack.command("channel setup 09:00 UTC 3", user="U0EXTERNAL")
    assert "Only admins" in refused["text"]
    assert not slack.fake.of("conversations.info")
    allowed = await slack.command("channel setup 09:00 UTC 3", user="U0OWNER")
    assert "Daily thread set up" in allowed["text"]


async def test_configured_admins_need_not_be_of_the_installing_team(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    slack.fake.users[ADMIN] = {"team_id": "T0OTHER"}  # listed in SLACK_ADMINS
    allowed = await slack.command("channel setup 09:00 UTC 3", user=ADMIN)
    assert "Daily thread set up" in allowed["text"]


async def test_without_auth_test_nobody_is_an_admin_by_role(fake: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    people = People(client, ttl=0)
    fake.users["U0OWNER"] = {"is_owner": True}
    fake.fail("auth.test", Failure(error="internal_error"))
    assert not (await people.caller(TEAM, "U0OWNER")).is_admin
    assert (await people.caller(TEAM, "U0OWNER")).is_admin  # asked again, and then kept
    assert (await people.caller(TEAM, "U0OWNER")).is_admin
    assert len(fake.of("auth.test")) == 2

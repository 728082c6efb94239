"""The weekly recap through real slack-bolt/slack_sdk against the fake Slack: one channel
message within Block Kit's limits, posted once, `<!channel>` inert, the discussion's
permalink from chat.getPermalink; a run killed after the post is finished without a repeat."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.models import ChannelRef, DeliveryStatus, UserRef
from tests.adapters.slack.conftest import ADMIN, GENERAL, Slack
from tests.adapters.slack.fake_slack import TEAM, Call
from tests.delivery.conftest import another_process

CHANNEL = ChannelRef("slack", TEAM, GENERAL)
IN_WEEK = datetime.fromisoformat("2026-09-23T10:00:00+00:00")
RECAP_DAY = date(2026, 9, 25)  # the clock's Friday; the recap is due at 09:00 UTC
ROOT = "1790000000.000777"


class Killed(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs."""


async def weekly_channel(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    assert (
        "Daily thread set up"
        in (await slack.command("channel setup 09:00 UTC 2", user=ADMIN))["text"]
    )
    answer = await slack.command("channel weekly fri", user=ADMIN)
    assert answer["text"].startswith("Weekly recap set: Fridays at 09:00 (UTC)")
    store = slack.services.store
    for n, user in enumerate(("U1", "U2", "U3")):
        await store.votes.toggle(UserRef("slack", TEAM, user), "2609.10002", IN_WEEK)
        if n == 0:
            await store.votes.toggle(UserRef("slack", TEAM, user), "2609.10001", IN_WEEK)
    assert await store.discussions.claim(CHANNEL, "2609.10003", "U1", IN_WEEK) is None
    await store.discussions.opened(CHANNEL, "2609.10003", ROOT, ROOT)
    for n, user in enumerate(("U1", "U2")):
        await store.discussions.add_reply("slack", TEAM, f"17900.{n}", "2609.10003", user, IN_WEEK)


def recaps(slack: Slack) -> list[Call]:
    return [
        c
        for c in slack.fake.of("chat.postMessage")
        if str(c.params.get("text", "")).startswith("Weekly recap")
    ]


async def test_the_recap_is_one_message_posted_once(slack: Slack) -> None:
    await weekly_channel(slack)
    services = slack.services
    now = services.clock.now()
    outcomes = await services.publisher.publish_due(now)
    assert any("weekly: Posted the weekly recap" in o for o in outcomes)
    (recap,) = recaps(slack)
    params = recap.params
    assert params["channel"] == GENERAL and "thread_ts" not in params
    assert params["blocks"][0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Weekly recap · Fri 18 Sep – Fri 25 Sep",
            "emoji": True,
        },
    }
    posted = json.dumps(params)
    assert "3 people voted (4 up-votes)." in posted
    assert "&lt;!channel&gt;" in posted and "<!channel>" not in posted
    link = f"https://fake.slack.com/archives/{GENERAL}/p{ROOT.replace('.', '')}"
    assert f"discussion: {link}" in posted
    (asked,) = slack.fake.of("chat.getPermalink")
    assert asked.params["message_ts"] == ROOT
    await services.publisher.publish_due(now + timedelta(minutes=1))
    await another_process(services).publish_due(now + timedelta(minutes=2))
    assert len(recaps(slack)) == 1


async def test_post_now_weekly_and_a_killed_run_resumed_without_a_second_post(
    slack: Slack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await weekly_channel(slack)
    services = slack.services
    store = services.store
    feed = await store.feeds.get(CHANNEL)
    assert feed is not None and feed.id is not None

    async def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    async def no_cleanup(*args: object, **kwargs: object) -> None:
        return None

    dead = another_process(services)
    assert dead.weekly is not None
    monkeypatch.setattr(store.recaps, "finish", killed)  # dies right after the post
    monkeypatch.setattr(store.recaps, "release", no_cleanup)
    with pytest.raises(Killed):
        await dead.deliver(feed, RECAP_DAY, track=dead.weekly)
    monkeypatch.undo()
    assert len(recaps(slack)) == 1

    answer = await slack.command("post-now weekly", user=ADMIN)  # within the dead run's lease
    assert answer["text"] == "That day's weekly recap is being posted right now."
    clock.advance(seconds=services.settings.delivery_lease_seconds + 2)
    answer = await slack.command("post-now weekly", user=ADMIN)
    assert answer["text"] == "This week's recap is already posted here."
    assert len(recaps(slack)) == 1
    row = await store.recaps.get(feed.id, RECAP_DAY)
    assert row is not None and row.status is DeliveryStatus.DONE

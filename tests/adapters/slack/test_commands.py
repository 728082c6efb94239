"""Every /papers subcommand through each transport (direct dispatch, signed HTTP, Socket Mode)."""

from __future__ import annotations

import json

import pytest

from tests.adapters.slack.conftest import ADMIN, ALICE, GENERAL, Slack, button_labels
from tests.conftest import fixture_ids


def texts(answer: dict[str, object]) -> str:
    return json.dumps(answer)


async def test_help_is_ephemeral_with_a_header(slack: Slack) -> None:
    answer = await slack.command("help")
    assert answer["response_type"] == "ephemeral"
    assert answer["blocks"][0]["type"] == "header"
    assert "/papers search" in texts(answer)
    assert answer["text"]  # the notification fallback


async def test_empty_text_is_help(slack: Slack) -> None:
    answer = await slack.command("")
    assert "/papers subscribe" in texts(answer)


async def test_today_lists_cards_with_upvote_buttons(slack: Slack) -> None:
    answer = await slack.command("today 3")
    assert answer["response_type"] == "ephemeral"
    assert button_labels(answer["blocks"], "ph_upvote")


async def test_search_finds_a_paper(slack: Slack) -> None:
    answer = await slack.command('search "step schedules"')
    assert "Learned Step Schedules" in texts(answer)


async def test_paper_shows_the_full_card(slack: Slack) -> None:
    first = fixture_ids()[0]
    answer = await slack.command(f"paper {first}")
    section = answer["blocks"][0]
    assert section["type"] == "section"
    assert section["accessory"]["type"] == "image"  # the HF thumbnail
    assert f"https://huggingface.co/papers/{first}" in section["text"]["text"]


async def test_top_week(slack: Slack) -> None:
    await slack.command(f"upvote {fixture_ids()[0]}")
    answer = await slack.command("top week")
    assert "Learned Step Schedules" in texts(answer)


async def test_upvote_confirms(slack: Slack) -> None:
    answer = await slack.command(f"upvote {fixture_ids()[0]}")
    assert "Upvoted" in answer["text"]


async def test_subscribe_list_unsubscribe(slack: Slack) -> None:
    assert "Subscribed" in (await slack.command("subscribe diffusion -survey"))["text"]
    assert "diffusion" in (await slack.command("subscriptions"))["text"]
    assert "Removed all 1" in (await slack.command("unsubscribe all"))["text"]


async def test_usage_error_is_one_friendly_sentence(slack: Slack) -> None:
    answer = await slack.command("frobnicate")
    assert answer["response_type"] == "ephemeral"
    assert "Try /papers help" in answer["text"]


@pytest.mark.parametrize("command", ["channel setup 09:00 UTC 3", "channel off", "post-now"])
async def test_admin_commands_are_refused_to_others(slack: Slack, command: str) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    answer = await slack.command(command, user=ALICE)
    assert "Only admins" in answer["text"]
    assert not slack.fake.of("conversations.info") and not slack.fake.of("chat.postMessage")


async def test_workspace_admin_from_users_info_may_set_up(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    slack.fake.users["U0OWNER"] = {"is_owner": True}
    answer = await slack.command("channel setup 09:00 UTC 3", user="U0OWNER")
    assert "Daily thread set up" in answer["text"]
    # The check ran first, for this channel.
    assert slack.fake.of("conversations.info")[0].params["channel"] == GENERAL


async def test_channel_setup_where_the_bot_is_not_invited(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": False}
    answer = await slack.command("channel setup", user=ADMIN)
    assert "/invite @Paper Herald" in answer["text"]
    assert "has no daily thread" in (await slack.command("channel status"))["text"]


async def test_channel_status_and_off(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 08:30 Europe/Berlin 5", user=ADMIN)
    status = await slack.command("channel status")
    assert "08:30 Europe/Berlin" in status["text"]
    assert "Stopped" in (await slack.command("channel off", user=ADMIN))["text"]


async def test_admin_answers_are_cached(slack: Slack) -> None:
    await slack.command("help", user="U0BOB")
    await slack.command("subscriptions", user="U0BOB")
    asked = [c for c in slack.fake.of("users.info") if c.params["user"] == "U0BOB"]
    assert len(asked) == 1


async def test_post_now_posts_the_daily_thread(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 09:00 UTC 3", user=ADMIN)
    answer = await slack.command("post-now", user=ADMIN)
    assert "Posted the thread" in answer["text"]
    posts = slack.fake.of("chat.postMessage")
    header, replies = posts[0], posts[1:]
    assert header.params["channel"] == GENERAL
    assert "thread_ts" not in header.params
    assert header.params["blocks"][0]["type"] == "header"
    assert len(replies) == 3
    ts = {r.params["thread_ts"] for r in replies}
    assert len(ts) == 1 and ts.pop().startswith("1790000000.")
    assert all(r.params["unfurl_links"] is False for r in replies)
    assert header.params["text"].startswith("Daily Papers")
    # Idempotent: a second post-now does not post again.
    again = await slack.command("post-now", user=ADMIN)
    assert "already posted" in again["text"]
    assert len(slack.fake.of("chat.postMessage")) == 4


async def test_mentions_in_titles_never_ping(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    await slack.command("channel setup 09:00 UTC 3", user=ADMIN)
    await slack.command("post-now", user=ADMIN)
    posted = json.dumps([c.params for c in slack.fake.of("chat.postMessage")])
    assert "&lt;!channel&gt;" in posted
    assert "<!channel>" not in posted
    answer = await slack.command("paper 2609.10002")
    assert "<!channel>" not in json.dumps(answer)


async def test_subscription_dm_goes_to_the_subscriber(slack: Slack) -> None:
    await slack.command("subscribe diffusion")
    assert await slack.services.notifier.notify(slack.services.clock.now()) == 1
    (opened,) = slack.fake.of("conversations.open")
    assert opened.params["users"] == ALICE
    (dm,) = slack.fake.of("chat.postMessage")
    assert dm.params["channel"] == "D" + ALICE
    assert "Learned Step Schedules" in json.dumps(dm.params["blocks"])


async def test_closed_dms_pause_and_tell_the_user(slack: Slack) -> None:
    slack.fake.dm_closed[ALICE] = "cannot_dm_bot"
    await slack.command("subscribe diffusion")
    assert await slack.services.notifier.notify(slack.services.clock.now()) == 0
    answer = await slack.command("subscriptions")
    assert "direct messages are closed" in texts(answer)


async def test_channel_setup_reads_arguments_in_any_order(slack: Slack) -> None:
    slack.fake.channels[GENERAL] = {"is_member": True}
    answer = await slack.command("channel setup diffusion 5 europe/berlin 08:30", user=ADMIN)
    assert "Time: 08:30 Europe/Berlin, top 5" in texts(answer)
    assert "Topic: diffusion" in texts(answer)


async def test_top_takes_its_words_in_any_order(slack: Slack) -> None:
    answer = await slack.command("top discussed")
    assert "Most discussed this week" in texts(answer)

"""Issue 18 item 9 on Discord: Discuss opens a thread only for a member who may post and start
threads in that channel (their permissions in the channel, from the interaction payload)."""

from __future__ import annotations

import itertools

from adapters.discord import DiscordAdapter
from bot.bootstrap import Services
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import ALICE, channel_payload
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_discussions import answer, text_of
from tests.conftest import fixture_ids

_ids = itertools.count(1300000000000090000)
READ_ONLY = p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY | p.USE_APPLICATION_COMMANDS


async def test_a_member_who_may_not_post_cannot_open_a_thread(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services
) -> None:
    pid = fixture_ids()[0]
    payload = p.command_interaction(
        next(_ids),
        f"tok-{next(_ids)}",
        ("discuss",),
        {"id": pid},
        caller=ALICE,
        channel=channel_payload(p.TEXT_CHANNEL_ID),
    )
    payload["member"]["permissions"] = str(READ_ONLY)  # an announcements channel, say
    reply = text_of(await answer(await fake.interact(payload)))
    assert "can't post or start threads in this channel" in reply
    assert not fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/(threads|messages)")
    payload = p.command_interaction(
        next(_ids),
        f"tok-{next(_ids)}",
        ("discuss",),
        {"id": pid},
        caller=ALICE,
        channel=channel_payload(p.TEXT_CHANNEL_ID),
    )  # everyone's default permissions include both
    assert "Opened a discussion" in text_of(await answer(await fake.interact(payload)))

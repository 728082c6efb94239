"""Direct messages: opened through POST /users/@me/channels; 50007 means DMs are closed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.discord import DiscordAdapter
from bot.bootstrap import Services
from bot.messages import Message, Text
from bot.models import ChannelRef, Subscription, UserRef
from bot.ports import DeliveryError, DMClosedError
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord

HELLO = Message(text="hello", blocks=(Text("hello @everyone"),), ephemeral=False)


def discord_user(user_id: int, workspace: str = str(p.GUILD_ID)) -> UserRef:
    return UserRef("discord", workspace, str(user_id), "someone")


async def test_send_dm_opens_the_channel_and_posts(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    ref = await adapter.send_dm(discord_user(p.ALICE_ID), HELLO)
    (opened,) = fake.find("POST", r"/users/@me/channels")
    assert opened.body == {"recipient_id": p.ALICE_ID}
    (sent,) = fake.find("POST", rf"/channels/{ref.channel.channel}/messages")
    assert sent.body["content"] == "hello @everyone" and sent.body["allowed_mentions"] == {
        "parse": []
    }
    await adapter.send_dm(discord_user(p.ALICE_ID), HELLO)
    assert len(fake.find("POST", r"/users/@me/channels")) == 1  # the DM channel is cached


async def test_closed_dms_raise_dm_closed(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    with pytest.raises(DMClosedError):
        await adapter.send_dm(discord_user(p.CLOSED_DM_ID), HELLO)


async def test_other_dm_failures_are_delivery_errors(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    fake.fail("POST", r"/users/@me/channels", 503, p.error_body(0, "upstream connect error"))
    with pytest.raises(DeliveryError) as caught:
        await adapter.send_dm(discord_user(p.BOB_ID), HELLO)
    assert not caught.value.permanent and not isinstance(caught.value, DMClosedError)


async def test_reply_ephemeral_falls_back_to_a_dm(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    channel = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))
    await adapter.reply_ephemeral(channel, discord_user(p.BOB_ID), HELLO)
    assert fake.find("POST", r"/users/@me/channels")[0].body == {"recipient_id": p.BOB_ID}
    assert not fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")


async def test_the_engine_pauses_a_user_whose_dms_are_closed(
    fake: FakeDiscord, adapter: DiscordAdapter, filled: Services, store: Repositories
) -> None:
    closed = discord_user(p.CLOSED_DM_ID)
    await store.subscriptions.add(Subscription(user=closed, query="diffusion"), max_per_user=5)
    await filled.notifier.notify(datetime(2026, 9, 25, 12, tzinfo=UTC), force=True)
    (sub,) = await store.subscriptions.list_for(closed)
    assert sub.paused
    assert fake.find("POST", r"/channels/\d+/messages")[0].status == 403

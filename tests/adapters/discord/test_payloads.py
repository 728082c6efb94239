"""Contract: every payload the fake sends parses with discord.py's own models (pitfall 4).

A discord.py upgrade that starts reading a new field fails here, naming the payload, instead
of silently killing the gateway loop in some other test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, cast

import discord
import pytest
from discord.appinfo import AppInfo
from discord.interactions import Interaction, InteractionCallbackResponse
from discord.state import ConnectionState

from tests.adapters.discord import payloads as p

if TYPE_CHECKING:  # discord.types is for type checkers only (circular imports at runtime)
    from discord.types import appinfo as appinfo_t
    from discord.types import channel as channel_t
    from discord.types import gateway as gateway_t
    from discord.types import guild as guild_t
    from discord.types import interactions as interactions_t
    from discord.types import message as message_t
    from discord.types import threads as threads_t
    from discord.types import user as user_t

# The fake builds plain JSON dicts (p.JSON). Whether they have the shapes discord.py's wire
# TypedDicts declare is exactly what these tests check at runtime, by parsing them, so each is
# handed over with cast("<wire type>", ...).


@pytest.fixture
async def state() -> AsyncIterator[ConnectionState]:
    client = discord.Client(intents=discord.Intents.default())
    state = client._connection
    state.user = discord.ClientUser(state=state, data=cast("user_t.User", p.bot_user()))
    state.application_id = p.APP_ID
    state._add_guild_from_data(cast("guild_t.Guild", p.guild()))
    try:
        yield state
    finally:
        await client.close()


def test_token_encodes_the_application_id() -> None:
    from adapters.discord.invite import application_id_from_token

    assert application_id_from_token(p.TOKEN) == p.APP_ID


async def test_ready_and_guild(state: ConnectionState) -> None:
    state.parse_ready(cast("gateway_t.ReadyEvent", p.ready("ws://127.0.0.1:1/gateway")))
    guild = state._get_guild(p.GUILD_ID)
    assert guild is None or guild.id == p.GUILD_ID  # READY lists it as unavailable first
    state._add_guild_from_data(cast("guild_t.Guild", p.guild()))
    guild = state._get_guild(p.GUILD_ID)
    assert guild is not None and guild.me is not None
    assert isinstance(guild.get_channel(p.TEXT_CHANNEL_ID), discord.TextChannel)
    assert isinstance(guild.get_channel(p.FORUM_CHANNEL_ID), discord.ForumChannel)
    assert isinstance(guild.get_channel(p.VOICE_CHANNEL_ID), discord.VoiceChannel)
    locked = guild.get_channel(p.LOCKED_CHANNEL_ID)
    assert isinstance(locked, discord.TextChannel)
    perms = locked.permissions_for(guild.me)
    assert perms.send_messages and not perms.create_public_threads
    if state._ready_task is not None:
        state._ready_task.cancel()


async def test_application_and_users(state: ConnectionState) -> None:
    app = AppInfo(state, cast("appinfo_t.AppInfo", p.application()))
    assert app.id == p.APP_ID and app.interactions_endpoint_url is None
    assert discord.ClientUser(state=state, data=cast("user_t.User", p.bot_user())).bot


async def test_messages_threads_and_dms(state: ConnectionState) -> None:
    guild = state._get_guild(p.GUILD_ID)
    assert guild is not None
    channel = guild.get_channel(p.TEXT_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    body = {
        "content": "hi",
        "embeds": [{"title": "t", "description": "d"}],
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "▲", "custom_id": "ph:upvote:1"}],
            }
        ],
    }
    msg = discord.Message(
        state=state,
        channel=channel,
        data=cast("message_t.Message", p.message(5, p.TEXT_CHANNEL_ID, body)),
    )
    assert msg.content == "hi" and msg.embeds[0].title == "t"
    assert msg.components and discord.ui.View.from_message(msg, timeout=None).children
    thread = discord.Thread(
        guild=guild, state=state, data=cast("threads_t.Thread", p.thread(6, p.TEXT_CHANNEL_ID, "t"))
    )
    assert thread.parent_id == p.TEXT_CHANNEL_ID
    assert state.user is not None  # set by the state fixture
    dm = discord.DMChannel(
        me=state.user,
        state=state,
        data=cast("channel_t.DMChannel", p.dm_channel(7, p.user(p.ALICE_ID, "Alice"))),
    )
    assert dm.recipient is not None and dm.recipient.id == p.ALICE_ID


async def test_interactions(state: ConnectionState) -> None:
    channel = p.guild_channel(p.TEXT_CHANNEL_ID)
    alice = p.user(p.ALICE_ID, "Alice")
    cmd = Interaction(
        data=cast(
            "interactions_t.ApplicationCommandInteraction",
            p.command_interaction(
                1, "t1", ("channel", "setup"), {"top": 5}, caller=alice, admin=True, channel=channel
            ),
        ),
        state=state,
    )
    assert cmd.channel is not None and cmd.channel.id == p.TEXT_CHANNEL_ID
    assert cmd.permissions.manage_guild and cmd.guild_id == p.GUILD_ID
    auto = Interaction(
        data=cast(
            "interactions_t.ApplicationCommandInteraction",
            p.autocomplete_interaction(
                2, "t2", ("paper",), "id", "26", caller=alice, channel=channel
            ),
        ),
        state=state,
    )
    assert auto.type is discord.InteractionType.autocomplete
    clicked = p.message(9, p.TEXT_CHANNEL_ID, {"content": "x"})
    button = Interaction(
        data=cast(
            "interactions_t.MessageComponentInteraction",
            p.component_interaction(3, "t3", "ph:upvote:1", clicked, caller=alice, channel=channel),
        ),
        state=state,
    )
    assert button.message is not None and button.message.id == 9
    dm = Interaction(
        data=cast(
            "interactions_t.ApplicationCommandInteraction",
            p.command_interaction(
                4, "t4", ("help",), caller=alice, channel=p.dm_channel(8, alice), in_guild=False
            ),
        ),
        state=state,
    )
    assert dm.guild_id is None and dm.user.id == p.ALICE_ID
    created = p.message(
        10, p.TEXT_CHANNEL_ID, {"content": "x", "flags": p.EPHEMERAL}, interaction_id=1
    )
    response = InteractionCallbackResponse(
        data=cast("interactions_t.InteractionCallback", p.callback_response(1, 2, 4, created)),
        parent=cmd,
        state=state,
        type=discord.InteractionResponseType.channel_message,
    )
    assert response.message_id == 10 and response.is_ephemeral()


def test_registered_commands_echo_ids() -> None:
    stored = p.registered_commands([{"name": "papers", "description": "d", "type": 1}], p.GUILD_ID)
    assert stored[0]["id"] and stored[0]["guild_id"] == str(p.GUILD_ID)


async def test_gateway_messages_and_threads(state: ConnectionState) -> None:
    """MESSAGE_CREATE (no Message Content intent) and THREAD_CREATE, through the parsers the
    gateway uses, and GUILD_CREATE with active threads."""
    seen: list[discord.Message] = []

    def dispatch(event: str, *args: Any) -> None:
        if event == "message":
            seen.extend(args)

    state.dispatch = dispatch
    created = p.thread(20, p.TEXT_CHANNEL_ID, "A paper")
    state.parse_thread_create(cast("gateway_t.ThreadCreateEvent", p.thread_create(created)))
    guild = state._get_guild(p.GUILD_ID)
    assert guild is not None and isinstance(guild.get_thread(20), discord.Thread)
    root = p.message(20, p.TEXT_CHANNEL_ID, {"content": "card"})
    alice = p.user(p.ALICE_ID, "Alice")
    state.parse_message_create(cast("message_t.Message", p.user_message(21, 20, alice)))
    state.parse_message_create(
        cast("message_t.Message", p.user_message(22, p.TEXT_CHANNEL_ID, alice, reply_to=root))
    )
    state.parse_message_create(
        cast("message_t.Message", p.user_message(23, 99, alice))
    )  # a channel it does not know
    state.parse_message_create(
        cast("message_t.Message", p.user_message(24, 20, alice, webhook_id=p.APP_ID))
    )
    in_thread, reply, unknown, hook = seen
    assert isinstance(in_thread.channel, discord.Thread) and in_thread.content == ""
    assert in_thread.author.id == p.ALICE_ID and not in_thread.author.bot
    assert isinstance(in_thread.author, discord.Member)  # from the message's partial member
    assert reply.type is discord.MessageType.reply and reply.reference is not None
    assert reply.reference.message_id == 20 and reply.reference.type.value == 0
    assert isinstance(reply.reference.resolved, discord.Message)
    assert isinstance(unknown.channel, discord.PartialMessageable)
    assert unknown.channel.guild_id == p.GUILD_ID
    assert hook.webhook_id == p.APP_ID
    state._add_guild_from_data(cast("guild_t.Guild", p.guild([created])))
    restarted = state._get_guild(p.GUILD_ID)
    assert restarted is not None and restarted.get_thread(20) is not None

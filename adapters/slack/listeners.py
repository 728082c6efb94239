"""Bolt listeners: ``/papers ...``, every ``ph_*`` button, and ``message`` events.

Commands and buttons ack first (Slack allows 3 s), then ask the engine and answer through
``respond`` or ``chat.update``; so an action declared ``deferred`` needs nothing more here, and
its other flags (``in_parent``, ``replaces``) come from ``bot.actions``. Message events (auto-acked by Bolt) count human replies in
threads: the engine decides whether the thread is a paper's discussion."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import home
from adapters.slack.errors import slack_error_code
from adapters.slack.memory import EphemeralMemory
from adapters.slack.people import People
from adapters.slack.render import (
    ACTION_PREFIX,
    decode_action,
    memory_key,
    relabel,
    render_message,
    unescape,
)
from adapters.slack.unfurls import unfurl
from adapters.slack.uploads import send_file
from bot.actions import decode
from bot.messages import Message
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

SLASH_COMMAND = "/papers"
SLACK = Platform.SLACK.value
# Message subtypes that are a person writing: a plain message, a reply also sent to the
# channel, a file with a comment, /me. Edits (message_changed), deletions (message_deleted),
# joins, topic changes, bot_message and the rest are not replies.
HUMAN_SUBTYPES: frozenset[str | None] = frozenset(
    {None, "thread_broadcast", "file_share", "me_message"}
)
SLACKBOT = "USLACKBOT"


@dataclass(frozen=True, slots=True)
class ThreadReply:
    team: str
    channel: str
    ts: str
    thread_ts: str
    user: str


def thread_reply(
    body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> ThreadReply | None:
    """The human reply in a channel thread that ``event`` is, or None (a top-level message,
    an edit or deletion, a bot's or our own message, a direct message, ...)."""
    if event.get("type") != "message" or event.get("hidden"):
        return None
    if event.get("subtype") not in HUMAN_SUBTYPES:
        return None
    if event.get("bot_id") or event.get("bot_profile"):
        return None
    if event.get("channel_type") not in (None, "channel", "group"):
        return None
    user, ts, thread_ts = event.get("user"), event.get("ts"), event.get("thread_ts")
    channel = event.get("channel")
    if not (user and ts and thread_ts and channel) or thread_ts == ts:
        return None  # not in a thread, or the thread's parent itself
    if user in (bot_user_id, SLACKBOT):
        return None
    team = body.get("team_id") or event.get("team")
    if not team:
        return None
    return ThreadReply(str(team), str(channel), str(ts), str(thread_ts), str(user))


def discussion_channel(channel: ChannelRef | None) -> ChannelRef | None:
    """Where Discuss opens a thread: the channel, never a direct message (the engine then
    asks for a channel). A click inside a thread still means the channel."""
    if channel is None or channel.channel.startswith("D"):
        return None
    return channel


def register(
    app: AsyncApp, engine: CommandHandler, *, people: People, memory: EphemeralMemory
) -> None:
    """Attach the listeners to ``app`` (no global app: each adapter has its own)."""

    async def on_papers(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        await answer_command(engine, people, memory, body, respond, client)

    async def on_button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        await answer_button(engine, people, memory, body, action, respond, client)

    async def on_message(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        # Bolt has already acked (Events API) and dropped our own messages; this is after.
        reply = thread_reply(body, event, context.bot_user_id)
        if reply is None:
            return
        try:
            counted = await engine.record_reply(
                SLACK,
                reply.team,
                message_id=reply.ts,
                user_id=reply.user,
                thread_id=reply.thread_ts,
                reply_to=reply.thread_ts,
            )
        except Exception:
            log.exception("reply %s in %s was not recorded", reply.ts, reply.channel)
            return
        if counted:
            log.debug("reply %s in %s counted", reply.ts, reply.channel)

    async def on_link_shared(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Bolt has already acked; an unfurl that fails leaves Slack's own preview.
        try:
            await unfurl(engine, client, body, event)
        except SlackApiError as exc:
            log.warning("chat.unfurl failed: %s", slack_error_code(exc))
        except Exception:
            log.exception("link_shared was not unfurled")

    app.command(SLASH_COMMAND)(on_papers)
    app.event("link_shared")(on_link_shared)
    home.register(app, engine, people=people)  # first: its clicks are ph_* buttons too
    app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(on_button)
    # Every message event (all subtypes), so Bolt has none left to warn about as unhandled.
    app.event("message")(on_message)


async def answer_command(
    engine: CommandHandler,
    people: People,
    memory: EphemeralMemory,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient | None = None,
) -> None:
    team = str(body.get("team_id") or "")
    caller = await people.caller(team, str(body.get("user_id")), str(body.get("user_name") or ""))
    channel: ChannelRef | None = ChannelRef(SLACK, team, str(body.get("channel_id") or ""))
    # Slack escapes & < > in the command text; the shared parser wants plain text.
    text = unescape(str(body.get("text") or ""))
    if text.lower().split(maxsplit=1)[:1] == ["discuss"]:
        caller = await with_membership(people, caller, channel)
        channel = discussion_channel(channel)
    message = await engine.handle_text(caller, f"{SLASH_COMMAND} {text}".strip(), channel)
    if message.attachment is not None and client is not None:  # an export: a file upload
        message = await send_file(client, caller.user_id, message.attachment, message.text)
    await send_reply(respond, memory, message)


async def answer_button(
    engine: CommandHandler,
    people: People,
    memory: EphemeralMemory,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
) -> None:
    value = action.get("value")
    neutral = decode_action(str(action.get("action_id") or ""), value if value else None)
    if neutral is None:
        return
    caller, channel = await _click_context(people, body)
    call = decode(neutral)  # None: the engine answers that the button is unsupported
    if call is not None and call.action.in_parent:
        caller = await with_membership(people, caller, channel)
        channel = discussion_channel(channel)
    message = await engine.handle_action(caller, neutral, channel)
    if message.button_updates and not message.is_error:
        await relabel_source(body, action, message, respond, client, memory)
        await send_reply(respond, memory, message, replace=False)
    elif call is not None and call.action.replaces and not message.is_error:
        # e.g. Next/Previous: the page replaces the results it was clicked in.
        await send_reply(respond, memory, message, replace=True)
    else:
        await send_reply(respond, memory, message, replace=False)


async def with_membership(people: People, caller: UserRef, channel: ChannelRef | None) -> UserRef:
    """Only members of a channel may make the bot open a thread there (issue 18, item 9)."""
    if channel is None:
        return caller
    return replace(caller, may_post=await people.member_of(channel.channel, caller.user_id))


async def _click_context(people: People, body: dict[str, Any]) -> tuple[UserRef, ChannelRef | None]:
    user = body.get("user") or {}
    team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    name = str(user.get("username") or user.get("name") or "")
    caller = await people.caller(team, str(user.get("id")), name)
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return caller, (ChannelRef(SLACK, team, str(channel_id)) if channel_id else None)


async def send_reply(
    respond: AsyncRespond,
    memory: EphemeralMemory,
    message: Message,
    *,
    replace: bool | None = None,
) -> None:
    """Answer through the response_url: ephemeral unless the message says otherwise."""
    if respond.response_url is None:
        # e.g. a button in a view: Slack gives no response_url there.
        log.warning("no response_url to answer with; reply dropped: %s", message.text[:80])
        return
    key = memory.new_key() if message.ephemeral else None
    out = render_message(message, memory_key=key)
    if key is not None:
        memory.put(key, out.text, out.blocks)
    if replace:
        resp = await respond(text=out.text, blocks=out.blocks, replace_original=True)
    else:
        resp = await respond(
            text=out.text,
            blocks=out.blocks,
            response_type="ephemeral" if message.ephemeral else "in_channel",
            replace_original=replace,
        )
    if resp.status_code != 200:
        log.warning("response_url answered HTTP %s: %s", resp.status_code, resp.body[:200])


async def relabel_source(
    body: dict[str, Any],
    action: dict[str, Any],
    message: Message,
    respond: AsyncRespond,
    client: AsyncWebClient,
    memory: EphemeralMemory,
) -> None:
    """Relabel the clicked button (the upvote count) in the message it came from."""
    container = body.get("container") or {}
    source = body.get("message")
    if isinstance(source, dict) and source.get("blocks") and not container.get("is_ephemeral"):
        blocks, changed = relabel(source["blocks"], message.button_updates)
        if not changed:
            return
        text = str(source.get("text") or "Paper Herald")
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        try:
            await client.chat_update(
                channel=str(channel),
                ts=str(source.get("ts") or container.get("message_ts")),
                text=text,
                blocks=blocks,
            )
        except SlackApiError as exc:
            # e.g. a message posted through a response_url: replace it the same way instead.
            log.info("chat.update failed (%s); replacing via response_url", slack_error_code(exc))
            await respond(text=text, blocks=blocks, replace_original=True)
        return
    key = memory_key(action.get("block_id"))
    stored = memory.get(key)
    if key is None or stored is None:
        return  # an ephemeral message from before a restart: the confirmation is enough
    text, old = stored
    blocks, changed = relabel(old, message.button_updates)
    if changed:
        memory.put(key, text, blocks)
        await respond(text=text, blocks=blocks, replace_original=True)

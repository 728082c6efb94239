"""Slack's App Home tab: the person's own page (``CommandHandler.home``) as a home view.

``app_home_opened`` (the Home tab only, not Messages or About) publishes the page with
``views.publish``; a click on one of its buttons (a topic's Remove, a vote) goes to the engine
like any ``ph_*`` button and then publishes the page again, with the answer on top: a view
has no response_url to answer through. The view is built with slack_sdk's block models and
render.py's block rendering (escaping, lengths), within Block Kit's limits for a home view
(100 blocks). A failed ``views.publish`` is logged, never raised to Bolt.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import API_FAILURES, slack_error_code
from adapters.slack.people import People
from adapters.slack.render import (
    ACTION_PREFIX,
    SECTION_TEXT,
    button,
    decode_action,
    fit,
    renderers,
)
from bot.messages import Actions, ChannelLine, Home, Text
from bot.models import UserRef
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

HOME_BLOCKS = 100  # Block Kit's limit for a home view (a message has 50)
PUBLISH_DEADLINE = 30.0  # seconds for one views.publish, retries included
NOTICE_TEXT = 300
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")


def _channel_lines(lines: Sequence[ChannelLine]) -> list[Block]:
    """Channel lines as sections of at most 3,000 characters, each led by a channel mention
    (Slack shows the channel's name; a mention of a channel never notifies anyone)."""
    texts = [
        (f"<#{line.channel}>" if _CHANNEL_ID.match(line.channel) else fit(line.channel, 40))
        + " · "
        + fit(line.text, 500)
        for line in lines
    ]
    sections: list[list[str]] = [[]]
    for text in texts:
        if sum(len(t) + 1 for t in sections[-1]) + len(text) > SECTION_TEXT:
            sections.append([])
        sections[-1].append(text)
    return [
        SectionBlock(text=MarkdownTextObject(text="\n".join(part), verbatim=True))
        for part in sections
        if part
    ]


def _groups(page: Home) -> list[list[Block]]:
    """The page's blocks as Slack blocks, one group per neutral block (a line and its one
    button are one section with the button beside it; consecutive channel lines are one
    group)."""
    groups: list[list[Block]] = []
    taken: set[str] = set()  # action ids unique in the whole view
    blocks = page.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, ChannelLine):
            run = [block]
            while i + len(run) < len(blocks) and isinstance(blocks[i + len(run)], ChannelLine):
                run.append(blocks[i + len(run)])  # type: ignore[arg-type]
            groups.append(_channel_lines(run))
            i += len(run)
            continue
        if isinstance(block, Text) and isinstance(after, Actions) and len(after.buttons) == 1:
            text = MarkdownTextObject(text=fit(block.text, SECTION_TEXT), verbatim=True)
            groups.append([SectionBlock(text=text, accessory=button(after.buttons[0], taken))])
            i += 2
            continue
        groups.append(renderers.render(block))
        i += 1
    return groups


def render_home(page: Home) -> View:
    """The home view: every group that fits in 100 blocks; what does not is cut with a
    final "…and N more" (bot.present.home already shows only the first topics and feeds)."""
    groups = _groups(page)
    out: list[Block] = []
    for n, group in enumerate(groups):
        room = HOME_BLOCKS - len(out)
        rest = sum(len(g) for g in groups[n:])
        if rest > room and len(group) > room - 1:
            more = f"…and {len(groups) - n} more"
            out.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
            break
        out.extend(group)
    return View(type="home", blocks=out or [SectionBlock(text=MarkdownTextObject(text=" "))])


async def publish(
    client: AsyncWebClient,
    engine: CommandHandler,
    caller: UserRef,
    *,
    notice: str | None = None,
    deadline: float = PUBLISH_DEADLINE,
) -> bool:
    """Publish ``caller``'s page (with ``notice`` on top); False, logged, when Slack refused
    it or did not answer within ``deadline``."""
    page = await engine.home(caller)
    if notice:
        page = page.with_notice(notice[:NOTICE_TEXT])
    view = render_home(page)
    try:
        async with asyncio.timeout(deadline):
            await client.views_publish(user_id=caller.user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", caller.user_id, slack_error_code(exc))
        return False
    except API_FAILURES as exc:
        log.warning("views.publish for %s failed: %s", caller.user_id, type(exc).__name__)
        return False
    return True


def home_tab_user(event: dict[str, Any]) -> str | None:
    """Who opened the Home tab; None for Slack's own tabs ("messages", "about")."""
    user = event.get("user")
    return str(user) if event.get("tab") == "home" and user else None


async def in_home(body: dict[str, Any]) -> bool:
    """A listener matcher: the click came from a home view."""
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "home"


def register(
    app: AsyncApp, engine: CommandHandler, *, people: People, deadline: float = PUBLISH_DEADLINE
) -> None:
    """The App Home listeners; register them before the other ``ph_*`` button listener, so a
    click in the Home tab comes here (Bolt runs the first listener that matches)."""

    async def on_home_opened(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        # Bolt has already acked.
        user = home_tab_user(event)
        if user is None:
            return
        team = str(body.get("team_id") or (event.get("view") or {}).get("team_id") or "")
        try:
            caller = await people.caller(team, user)
            await publish(client, engine, caller, deadline=deadline)
        except Exception:
            log.exception("the Home tab of %s was not published", event.get("user"))

    async def on_home_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        value = action.get("value")
        neutral = decode_action(str(action.get("action_id") or ""), value if value else None)
        user = body.get("user") or {}
        if neutral is None or not user.get("id"):
            return
        team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        name = str(user.get("username") or user.get("name") or "")
        try:
            caller = await people.caller(team, str(user["id"]), name)
            answer = await engine.handle_action(caller, neutral, None)
            await publish(client, engine, caller, notice=answer.text, deadline=deadline)
        except Exception:
            log.exception("a click in the Home tab of %s failed", user.get("id"))

    app.event("app_home_opened")(on_home_opened)
    app.action(re.compile("^" + re.escape(ACTION_PREFIX)), matchers=[in_home])(on_home_click)


__all__ = ["HOME_BLOCKS", "publish", "register", "render_home"]

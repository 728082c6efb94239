"""Slack link unfurling: a ``link_shared`` event (arxiv.org, huggingface.co and doi.org links,
the manifest's app-unfurl domains) → ``chat.unfurl`` with each link's paper card.

The cards come from the core (``CommandHandler.cards_for_links``: papers the store has,
rate-limited per person like a command). A link to a paper the store does not know gets no
unfurl (Slack's own preview, if any, stays). The unfurled card has no buttons: it sits in
someone else's message, for the whole channel; ``/papers paper <id>`` has them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import render_message
from bot.arxiv_ids import normalise
from bot.messages import Message, PaperCard
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

SLACK = Platform.SLACK.value
MAX_LINKS = 5  # Slack sends at most 5 links per event; more are not looked at
COMPOSER = "COMPOSER"  # the channel of a link still in the message composer


def shared_links(event: dict[str, Any]) -> list[str]:
    links = event.get("links")
    if not isinstance(links, list):
        return []
    urls = [str(link["url"]) for link in links if isinstance(link, dict) and link.get("url")]
    return list(dict.fromkeys(urls))[:MAX_LINKS]


def unfurls_for(urls: list[str], answer: Message) -> dict[str, dict[str, Any]]:
    """Each URL whose paper has a card in ``answer`` → its attachment (Block Kit blocks)."""
    cards = {b.arxiv_id: b for b in answer.blocks if isinstance(b, PaperCard)}
    out: dict[str, dict[str, Any]] = {}
    for url in urls:
        key = normalise(url)
        card = cards.get(key) if key else None
        if card is None:
            continue
        card = replace(card, buttons=())
        rendered = render_message(Message(text=f"{card.title} — {card.url}", blocks=(card,)))
        out[url] = {"blocks": rendered.blocks}
    return out


async def unfurl(
    engine: CommandHandler, client: AsyncWebClient, body: dict[str, Any], event: dict[str, Any]
) -> bool:
    """Answer one ``link_shared`` event; True when ``chat.unfurl`` was called."""
    urls = shared_links(event)
    user = str(event.get("user") or "")
    team = str(body.get("team_id") or event.get("team") or "")
    if not urls or not user or not team:
        return False
    channel = str(event.get("channel") or "")
    where = ChannelRef(SLACK, team, channel) if channel and channel != COMPOSER else None
    answer = await engine.cards_for_links(UserRef(SLACK, team, user), "\n".join(urls), where)
    unfurls = unfurls_for(urls, answer)
    if not unfurls:
        log.debug("no stored paper among %d shared link(s)", len(urls))
        return False
    if event.get("unfurl_id") and event.get("source"):
        await client.chat_unfurl(
            unfurl_id=str(event["unfurl_id"]), source=str(event["source"]), unfurls=unfurls
        )
    else:
        await client.chat_unfurl(channel=channel, ts=str(event.get("message_ts")), unfurls=unfurls)
    return True

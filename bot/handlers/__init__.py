"""The handler table: every command, button action and autocomplete, registered once.

Each handler is a small function that declares what it needs as parameters: request values
(``caller``, ``call``, ``channel``, ``prefix``) and dependencies by name (``papers``,
``clock``, ``max_subscriptions`` …: the ``deps`` of ``bot.bootstrap.build_services``). The
composition root binds them (bot.inject) and checks at start-up that every declared command
and action has a handler here; the dispatcher (bot.dispatch) routes to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import actions
from bot.handlers import (
    channels,
    cite,
    discuss,
    guide,
    home,
    links,
    papers,
    settings,
    subscriptions,
    taste,
)

Handler = Callable[..., Awaitable[Any]]

COMMANDS: dict[tuple[str, ...], Handler] = {
    ("today",): papers.today,
    ("search",): papers.search,
    ("paper",): papers.paper,
    ("cite",): cite.cite,
    ("export",): cite.export,
    ("top",): papers.top,
    ("discuss",): discuss.discuss,
    ("upvote",): papers.upvote,
    ("downvote",): papers.downvote,
    ("why",): taste.why,
    ("subscribe",): subscriptions.subscribe,
    ("unsubscribe",): subscriptions.unsubscribe,
    ("subscriptions",): subscriptions.list_topics,
    ("settings",): settings.settings,
    ("channel", "setup"): channels.setup,
    ("channel", "off"): channels.off,
    ("channel", "status"): channels.status,
    ("channel", "discuss"): discuss.channel_discuss,
    ("channel", "weekly"): channels.weekly,
    ("post-now",): channels.post_now,
    ("help",): guide.show_help,
}

ACTIONS: dict[str, Handler] = {
    actions.UPVOTE.name: papers.upvote_click,
    actions.ABSTRACT.name: papers.abstract_click,
    actions.DISCUSS.name: discuss.discuss_click,
    actions.SEARCH_PAGE.name: papers.search_page_click,
    actions.CITE.name: cite.cite_click,
    actions.DOWNVOTE.name: papers.downvote_click,
    actions.REMOVE_TOPIC.name: home.remove_topic_click,
}

COMPLETERS: dict[str, Handler] = {  # an Option's ``autocomplete`` kind -> suggestions
    "own_topics": subscriptions.complete_own_topics,
    "papers": papers.complete_papers,
    "timezones": channels.complete_timezones,
}

LINKS: Handler = links.cards_for_links  # a pasted link -> the cards (Dispatcher.cards_for_links)
HOME: Handler = home.home  # a person's own page (Dispatcher.home; Slack's App Home)

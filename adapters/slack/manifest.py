"""The Slack app manifest (YAML), written by a tiny dumper: no PyYAML dependency.

Scopes are exactly what the adapter calls:
- ``commands``: the ``/papers`` slash command;
- ``chat:write``: post the daily thread, update the Upvote count, ephemeral replies;
- ``im:write``: ``conversations.open`` for subscription DMs and exports;
- ``files:write``: ``files_upload_v2`` of a ``/papers export`` file into the caller's DM;
- ``links:read`` / ``links:write``: the ``link_shared`` event for arxiv.org, huggingface.co
  and doi.org links (the app-unfurl domains), and ``chat.unfurl`` to show the paper's card
  under the link (only papers the store has; the message text itself is never stored);
- ``users:read``: ``users.info`` for the admin check (is_admin / is_owner);
- ``channels:read`` / ``groups:read``: ``conversations.info`` in ``/papers channel setup``
  (public / private channels), so a missing invite is reported before 9 am, not at it;
- ``channels:history`` / ``groups:history``: what the ``message.channels`` /
  ``message.groups`` bot events need, to count replies in discussion threads (public /
  private channels the bot is in). Nothing of a message is stored but its ts, its author's id
  and the paper; the text is never read or logged.
- the ``app_home_opened`` event (no scope of its own) and the Home tab: each person's topics
  with a Remove button, their DM settings, today's top five and the channels' daily threads,
  published with ``views.publish`` (no scope either). The Messages tab stays as it was: the
  bot's DMs land there and ``/papers`` works there (no ``message.im`` event is asked for).
Not ``chat:write.public``: the bot posts only where someone invited it, which private
channels need anyway, and a channel's members see who is posting there.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.adapter import EVENTS_PATH
from adapters.slack.errors import BOT_NAME
from adapters.slack.listeners import SLASH_COMMAND
from bot.config import Settings

BOT_SCOPES = (
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:write",
    "links:read",
    "links:write",
    "users:read",
)
# Replies in channel threads (public, private). Not message.im / message.mpim: discussions
# live in channels only.
# app_home_opened: publish a person's Home tab when they open it.
BOT_EVENTS = ("app_home_opened", "link_shared", "message.channels", "message.groups")
# Links whose unfurls are ours (Slack sends link_shared for these domains only).
UNFURL_DOMAINS = ("arxiv.org", "huggingface.co", "doi.org")
PUBLIC_URL_PLACEHOLDER = "https://paperherald.example.com" + EVENTS_PATH


def manifest(settings: Settings) -> dict[str, Any]:
    """Socket Mode unless only SLACK_SIGNING_SECRET is set (then HTTP, with request URLs)."""
    http = bool(settings.slack_signing_secret) and not settings.slack_app_token
    command: dict[str, Any] = {
        "command": SLASH_COMMAND,
        "description": "Daily papers: search, upvote, discuss, subscribe",
        "usage_hint": (
            "help | today | search <query> | discuss <id> | subscribe <topic> | channel setup"
        ),
        "should_escape": False,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if http:
        command["url"] = PUBLIC_URL_PLACEHOLDER
        interactivity["request_url"] = PUBLIC_URL_PLACEHOLDER
        events = {"request_url": PUBLIC_URL_PLACEHOLDER, **events}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": BOT_NAME,
            "description": "Daily ML papers from Hugging Face and arXiv, in a thread.",
            "long_description": (
                "Paper Herald posts one thread a day with the day's top machine-learning "
                "papers from Hugging Face Daily Papers and arXiv, ranked by upvotes here and "
                "there. Search stored papers, upvote them, open a discussion thread on one, "
                "see this week's leaderboard (by votes or by discussion) and get a daily "
                "direct message of new papers on your topics, all with /papers."
            ),
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": BOT_NAME, "always_online": True},
            "slash_commands": [command],
            "unfurl_domains": list(UNFURL_DOMAINS),
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(settings: Settings) -> str:
    head = ["# Slack app manifest for Paper Herald: api.slack.com/apps > Create New App >"]
    head.append(
        "# From a manifest. Generated by `paperherald slack-manifest`; see deploy/SLACK.md."
    )
    data = manifest(settings)
    if not data["settings"]["socket_mode_enabled"]:
        head.append(f"# HTTP mode: replace {PUBLIC_URL_PLACEHOLDER} with your public HTTPS URL.")
    return "\n".join([*head, *_dump(data, 0)]) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a valid YAML double-quoted scalar: no escaping rules of our own.
    return json.dumps(str(value), ensure_ascii=False)


def _dump(value: object, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _dump(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = _dump(item, indent + 1)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines

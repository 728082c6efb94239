"""The Slack app manifest: exact scopes and events, Socket Mode, and the committed file kept in
sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest, manifest_yaml
from tests.conftest import REPO, make_settings


def parse_yaml_subset(text: str) -> Any:
    """Enough YAML for what ``manifest_yaml`` writes (maps, lists, JSON scalars), to check
    that the text says what ``manifest()`` says."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]

    def scalar(raw: str) -> Any:
        return json.loads(raw)

    def block(i: int, indent: int) -> tuple[Any, int]:
        if lines[i].lstrip().startswith("- "):
            items: list[Any] = []
            while i < len(lines) and lines[i].startswith(" " * indent + "- "):
                rest = lines[i][indent + 2 :]
                if ":" in rest and not rest.startswith('"'):
                    lines[i] = " " * (indent + 2) + rest  # the item is a map
                    value, i = block(i, indent + 2)
                else:
                    value, i = scalar(rest), i + 1
                items.append(value)
            return items, i
        mapping: dict[str, Any] = {}
        while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) == indent:
            key, _, raw = lines[i].strip().partition(":")
            if raw.strip():
                mapping[key], i = scalar(raw.strip()), i + 1
            else:
                mapping[key], i = block(i + 1, indent + 2)
        return mapping, i

    return block(0, 0)[0]


def test_committed_manifest_is_the_generated_one(tmp_path: Path) -> None:
    committed = (REPO / "deploy" / "slack-app-manifest.yaml").read_text()
    assert committed == manifest_yaml(make_settings(tmp_path))


def test_yaml_says_what_the_manifest_says(tmp_path: Path) -> None:
    for extra in ({}, {"slack_signing_secret": "s"}):
        settings = make_settings(tmp_path, **extra)
        assert parse_yaml_subset(manifest_yaml(settings)) == manifest(settings)


def test_scopes_command_and_socket_mode(tmp_path: Path) -> None:
    data = manifest(make_settings(tmp_path))
    assert data["oauth_config"]["scopes"]["bot"] == sorted(BOT_SCOPES)
    assert set(BOT_SCOPES) == {
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
    }
    assert "chat:write.public" not in BOT_SCOPES
    # Reply counting: thread replies in public and private channels, and the history scope
    # each of those events needs; no DM history. Unfurls: link_shared for our domains.
    # The Home tab: app_home_opened (no scope), views.publish (no scope).
    assert data["settings"]["event_subscriptions"] == {
        "bot_events": ["app_home_opened", "link_shared", "message.channels", "message.groups"]
    }
    assert set(BOT_EVENTS) == {
        "app_home_opened",
        "link_shared",
        "message.channels",
        "message.groups",
    }
    assert data["features"]["unfurl_domains"] == ["arxiv.org", "huggingface.co", "doi.org"]
    assert not {"im:history", "mpim:history"} & set(BOT_SCOPES)
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/papers" and "url" not in command
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["settings"]["interactivity"] == {"is_enabled": True}


def test_http_mode_manifest_has_request_urls(tmp_path: Path) -> None:
    data = manifest(make_settings(tmp_path, slack_signing_secret="s"))
    assert data["settings"]["socket_mode_enabled"] is False
    url = data["settings"]["interactivity"]["request_url"]
    assert url.endswith("/slack/events")
    assert data["features"]["slash_commands"][0]["url"] == url
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)


def test_home_tab_is_enabled_and_the_messages_tab_kept(tmp_path: Path) -> None:
    for extra in ({}, {"slack_signing_secret": "s"}):
        data = manifest(make_settings(tmp_path, **extra))
        assert data["features"]["app_home"] == {
            "home_tab_enabled": True,
            "messages_tab_enabled": True,  # DMs (topics, exports) land there
            "messages_tab_read_only_enabled": False,  # /papers keeps working in the bot's DM
        }
        assert "app_home_opened" in data["settings"]["event_subscriptions"]["bot_events"]
    assert "app_home:" in manifest_yaml(make_settings(tmp_path))

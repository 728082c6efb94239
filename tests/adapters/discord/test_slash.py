"""The /papers command tree comes from the declarations; uploads happen only when needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord import build_discord_adapter
from adapters.discord.slash import HASH_KEY, choices, sync_marker
from bot.bootstrap import Services
from bot.commands import COMMANDS, declaration_hash
from bot.config import Settings
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import make_settings

TYPES = {"string": 3, "integer": 4}


async def start_and_close(settings: Settings, engine: Services, **kwargs: Any) -> None:
    adapter = build_discord_adapter(settings, engine.dispatcher, **kwargs)
    await adapter.start()
    await adapter.close()


def find_subcommand(root: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = root
    for name in path:
        node = next(o for o in node["options"] if o["name"] == name)
    return node


async def test_the_uploaded_tree_matches_the_declarations(
    fake: FakeDiscord, settings: Settings, engine: Services, store: Repositories
) -> None:
    await start_and_close(settings, engine, kv=store.kv)
    (put,) = fake.find("PUT", rf"/applications/{p.APP_ID}/commands")
    root, menu = put.body
    assert root["name"] == "papers" and root["type"] == 1
    # the message command (Apps → Show paper): type 3, no description, no options
    assert menu["name"] == "Show paper" and menu["type"] == 3 and not menu.get("options")
    assert len(root["description"]) <= 100
    channel = find_subcommand(root, ("channel",))
    assert channel["type"] == 2  # the subcommand group
    for decl in COMMANDS:
        sub = find_subcommand(root, decl.path)
        assert sub["type"] == 1 and sub["description"] == decl.description[:100]
        options = {o["name"]: o for o in sub.get("options", [])}
        assert set(options) == {o.name for o in decl.options}
        for option in decl.options:
            sent = options[option.name]
            assert sent["type"] == TYPES[option.kind]
            assert sent["required"] is option.required
            assert len(sent["description"]) <= 100
            assert [c["value"] for c in sent.get("choices", [])] == list(option.choices)
            assert sent.get("autocomplete", False) is bool(option.autocomplete)
            if option.kind == "string":
                assert sent.get("max_length") == option.max_length
            else:
                assert (sent.get("min_value"), sent.get("max_value")) == (
                    option.min_value,
                    option.max_value,
                )
        # Discord requires required options first.
        flags = [o["required"] for o in sub.get("options", [])]
        assert flags == sorted(flags, reverse=True)
    assert await store.kv.get(HASH_KEY) == f"{declaration_hash()}[Show paper]@global"


async def test_admin_commands_carry_manage_server(settings: Settings, engine: Services) -> None:
    adapter = build_discord_adapter(settings, engine.dispatcher)
    (group,) = adapter.client.tree.get_commands(type=discord.AppCommandType.chat_input)
    assert isinstance(group, discord.app_commands.Group)
    admin = {
        c.qualified_name: c for c in group.walk_commands() if hasattr(c, "default_permissions")
    }
    for decl in COMMANDS:
        command = admin["papers " + decl.name]
        perms = command.default_permissions
        assert (perms is not None and perms.manage_guild) is decl.admin
    await adapter.client.close()


async def test_no_upload_when_nothing_changed(
    fake: FakeDiscord, settings: Settings, engine: Services, store: Repositories
) -> None:
    await start_and_close(settings, engine, kv=store.kv)
    await start_and_close(settings, engine, kv=store.kv)
    assert len(fake.find("PUT", r"/applications/\d+/commands")) == 1
    await start_and_close(settings, engine, kv=store.kv, sync_commands=True)  # the CLI flag
    assert len(fake.find("PUT", r"/applications/\d+/commands")) == 2


async def test_changed_declarations_upload_again(
    fake: FakeDiscord, settings: Settings, engine: Services, store: Repositories
) -> None:
    await store.kv.set(HASH_KEY, "an-older-hash@global")
    await start_and_close(settings, engine, kv=store.kv)
    assert len(fake.find("PUT", r"/applications/\d+/commands")) == 1


async def test_without_a_store_only_the_flag_uploads(
    fake: FakeDiscord, settings: Settings, engine: Services
) -> None:
    await start_and_close(settings, engine)
    assert not fake.find("PUT", r"/applications/\d+/commands")
    await start_and_close(settings, engine, sync_commands=True)
    assert len(fake.find("PUT", r"/applications/\d+/commands")) == 1


async def test_guild_ids_upload_to_those_guilds_only(
    fake: FakeDiscord, tmp_path: Path, engine: Services, store: Repositories
) -> None:
    settings = make_settings(
        tmp_path,
        discord_token=p.TOKEN,
        discord_api_base_url=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        discord_guild_ids=f"{p.GUILD_ID}",
    )
    await start_and_close(settings, engine, kv=store.kv)
    (put,) = fake.find("PUT", rf"/applications/{p.APP_ID}/guilds/{p.GUILD_ID}/commands")
    assert [c["name"] for c in put.body] == ["papers", "Show paper"]
    assert not fake.find("PUT", rf"/applications/{p.APP_ID}/commands")
    assert await store.kv.get(HASH_KEY) == sync_marker([p.GUILD_ID])


async def test_a_failed_upload_is_logged_and_retried_next_start(
    fake: FakeDiscord,
    settings: Settings,
    engine: Services,
    store: Repositories,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.fail("PUT", r"/applications/\d+/commands", 403, p.error_body(50001, "Missing Access"))
    await start_and_close(settings, engine, kv=store.kv)
    assert "could not upload the /papers commands" in caplog.text
    assert await store.kv.get(HASH_KEY) is None
    await start_and_close(settings, engine, kv=store.kv)
    assert [r.status for r in fake.find("PUT", r"/applications/\d+/commands")] == [403, 200]


def test_choices_respect_discord_limits() -> None:
    pairs = [("x" * 150, "ok"), ("", "value"), ("too long", "v" * 101), ("empty", "")]
    pairs += [(f"z{i}", f"z{i}") for i in range(40)]
    out = choices(pairs)
    assert len(out) == 25 and len(out[0].name) == 100 and out[1].name == "value"
    assert all(c.value and len(c.value) <= 100 for c in out)

"""The composition root: one place builds every service, handlers get their dependencies by
parameter name, and a missing handler or an unknown dependency stops start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import handlers
from bot.bootstrap import Services, build_services
from bot.config import Settings
from bot.inject import InjectionError, bind
from bot.messages import Message, plain
from bot.models import UserRef
from storage.store import Repositories
from tests.conftest import CHANNEL, StaticSource, alice

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "Ingest",
    "Digests",
    "Planner",
    "Publisher",
    "Notifier",
    "Discussions",
    "Dispatcher",
    "Jobs",
    "CommandLimiter",
}


def test_only_the_composition_root_constructs_services() -> None:
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in SERVICES
            ):
                found.append(f"{path.relative_to(ROOT)}: {node.func.id}")
    assert found and all(f.startswith("bot/bootstrap.py:") for f in found), found


async def test_a_declared_command_without_a_handler_stops_start_up(
    settings: Settings, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {k: v for k, v in handlers.COMMANDS.items() if k != ("help",)}
    monkeypatch.setattr(handlers, "COMMANDS", table)
    with pytest.raises(InjectionError, match=r"declared without a handler: \[\('help',\)\]"):
        build_services(settings, store, [], store.clock)


async def test_a_declared_action_without_a_handler_stops_start_up(
    settings: Settings, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {k: v for k, v in handlers.ACTIONS.items() if k != "upvote"}
    monkeypatch.setattr(handlers, "ACTIONS", table)
    with pytest.raises(InjectionError, match="declared without a handler: \\['upvote'\\]"):
        build_services(settings, store, [], store.clock)


async def test_a_handler_asking_for_an_unknown_dependency_stops_start_up(
    settings: Settings, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def help_with_a_typo(caller: UserRef, paperz: object) -> Message:
        return plain("never")

    monkeypatch.setitem(handlers.COMMANDS, ("help",), help_with_a_typo)
    with pytest.raises(InjectionError, match="help_with_a_typo: no dependency named 'paperz'"):
        build_services(settings, store, [], store.clock)


async def test_a_handler_gets_its_dependencies_and_only_the_request_values_it_names() -> None:
    seen: list[tuple[object, ...]] = []

    async def handler(channel: object, papers: object, caller: object) -> str:
        seen.append((channel, papers, caller))
        return "ok"

    bound = bind(handler, {"papers": "the papers repo", "clock": "unused"})
    assert bound.wants == {"channel", "caller"}
    assert await bound(caller="alice", call="the call", channel="general") == "ok"
    assert seen == [("general", "the papers repo", "alice")]
    with pytest.raises(InjectionError, match="named like request values"):
        bind(handler, {"papers": 1, "caller": 2})


async def test_the_services_answer_commands_through_the_dispatcher(engine: Services) -> None:
    reply = await engine.dispatcher.handle_text(alice(), "/papers help", CHANNEL)
    assert reply.text.startswith("Paper Herald")
    assert engine.ingest.sources and isinstance(engine.ingest.sources[0], StaticSource)

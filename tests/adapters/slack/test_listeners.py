"""What the listeners hand the engine (caller, channel, line, action) and how they answer,
with a stub engine so each fact is checked exactly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import SlackAdapter, build_slack_adapter
from bot.commands import CommandCall
from bot.messages import Actions, Button, Message, plain
from bot.models import ChannelRef, UserRef
from tests.action_table import declare_action
from tests.adapters.slack.conftest import (
    ADMIN,
    GENERAL,
    Direct,
    block_action_payload,
    slack_settings,
    slash_payload,
)
from tests.adapters.slack.fake_slack import TEAM, Failure, FakeSlack
from tests.unused_engine import UnusedEngine


@dataclass
class StubEngine(UnusedEngine):
    answer: Message = field(default_factory=lambda: plain("ok"))
    seen: list[tuple[UserRef, str, ChannelRef | None]] = field(default_factory=list)

    async def handle(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None = None
    ) -> Message:
        raise AssertionError("Slack goes through handle_text")

    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        self.seen.append((caller, line, channel))
        return self.answer

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        self.seen.append((caller, action, channel))
        return self.answer

    async def autocomplete(self, caller: UserRef, kind: str, prefix: str) -> list[tuple[str, str]]:
        return []


@pytest.fixture
def stub() -> StubEngine:
    return StubEngine()


@pytest.fixture
async def adapter(tmp_path: Path, fake: FakeSlack, stub: StubEngine) -> AsyncIterator[SlackAdapter]:
    settings = slack_settings(tmp_path, fake, "http", slack_admins=[ADMIN])
    built = build_slack_adapter(settings, stub)
    yield built
    await built.close()


async def slash(adapter: SlackAdapter, fake: FakeSlack, text: str, user: str) -> dict[str, Any]:
    rid = uuid.uuid4().hex
    payload = slash_payload(text, fake.response_url(rid), user=user, channel=GENERAL)
    assert await Direct(adapter).send("slash_commands", payload) == 200
    return (await fake.wait_responses(rid))[0]


async def test_the_engine_gets_the_plain_line_caller_and_channel(
    adapter: SlackAdapter, fake: FakeSlack, stub: StubEngine
) -> None:
    fake.users["U0MOD"] = {"is_admin": True, "profile": {"display_name": "Mod"}}
    await slash(adapter, fake, "search &lt;b&gt; &amp; c", "U0MOD")
    ((caller, line, channel),) = stub.seen
    assert line == "/papers search <b> & c"
    assert caller == UserRef("slack", TEAM, "U0MOD", "Mod", is_admin=True)
    assert channel == ChannelRef("slack", TEAM, GENERAL)


async def test_configured_admins_need_no_workspace_role(
    adapter: SlackAdapter, fake: FakeSlack, stub: StubEngine
) -> None:
    await slash(adapter, fake, "help", ADMIN)
    await slash(adapter, fake, "help", "U0PLAIN")
    assert [c.is_admin for c, _, _ in stub.seen] == [True, False]
    assert stub.seen[1][0].display_name == "Real U0PLAIN"  # real_name without a display name


async def test_users_info_failure_means_not_admin(
    adapter: SlackAdapter, fake: FakeSlack, stub: StubEngine
) -> None:
    fake.fail("users.info", Failure(error="missing_scope"))
    await slash(adapter, fake, "help", "U0X")
    assert stub.seen[0][0] == UserRef("slack", TEAM, "U0X", "u0x", is_admin=False)


async def test_public_answers_go_in_channel(
    adapter: SlackAdapter, fake: FakeSlack, stub: StubEngine
) -> None:
    stub.answer = plain("for everyone", ephemeral=False)
    answer = await slash(adapter, fake, "help", "U0X")
    assert answer["response_type"] == "in_channel"


async def test_a_button_hands_back_the_neutral_action(
    adapter: SlackAdapter, fake: FakeSlack, stub: StubEngine
) -> None:
    stub.answer = Message("page", (Actions((Button("Next ▶", "search:0a1b2c3d4e5f:2"),)),))
    first = await slash(adapter, fake, "search x", "U0X")
    (block,) = first["blocks"]
    (element,) = block["elements"]
    rid = uuid.uuid4().hex
    payload = block_action_payload(
        action_id=element["action_id"],
        value=element["value"],
        block_id=block["block_id"],
        response_url=fake.response_url(rid),
        user="U0X",
        channel=GENERAL,
        message=None,
    )
    assert await Direct(adapter).send("interactive", payload) == 200
    await fake.wait_responses(rid)
    assert stub.seen[-1][1] == "search:0a1b2c3d4e5f:2"


async def click_flip(adapter: SlackAdapter, fake: FakeSlack, channel: str) -> dict[str, object]:
    """Click a ``flip:2`` button (action_id ``ph_flip``, value ``2``) in ``channel``."""
    rid = uuid.uuid4().hex
    payload = block_action_payload(
        action_id="ph_flip",
        value="2",
        block_id="b1",
        response_url=fake.response_url(rid),
        user="U0X",
        channel=channel,
        message=None,
    )
    assert await Direct(adapter).send("interactive", payload) == 200
    return (await fake.wait_responses(rid))[0]


@pytest.mark.parametrize("replaces", [True, False])
async def test_replaces_comes_from_the_action_table(
    adapter: SlackAdapter,
    fake: FakeSlack,
    stub: StubEngine,
    monkeypatch: pytest.MonkeyPatch,
    replaces: bool,
) -> None:
    declare_action(monkeypatch, replaces=replaces)
    stub.answer = plain("page 2")
    answer = await click_flip(adapter, fake, GENERAL)
    assert stub.seen[-1][1] == "flip:2"
    assert answer["replace_original"] is replaces and answer["text"] == "page 2"


@pytest.mark.parametrize("in_parent", [True, False])
async def test_in_parent_comes_from_the_action_table(
    adapter: SlackAdapter,
    fake: FakeSlack,
    stub: StubEngine,
    monkeypatch: pytest.MonkeyPatch,
    in_parent: bool,
) -> None:
    declare_action(monkeypatch, in_parent=in_parent)
    await click_flip(adapter, fake, GENERAL)
    await click_flip(adapter, fake, "D0DIRECT")  # a direct message has no parent channel
    assert [channel for _, _, channel in stub.seen] == [
        ChannelRef("slack", TEAM, GENERAL),
        None if in_parent else ChannelRef("slack", TEAM, "D0DIRECT"),
    ]

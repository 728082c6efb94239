"""Issue 18 (items 12, 13 and search): the limiter covers autocomplete and is keyed by the
person; a search past its work budget answers its one sentence."""

from __future__ import annotations

from typing import Any

import pytest

from bot import query
from bot.bootstrap import Services
from bot.models import UserRef
from storage.store import Repositories
from tests.conftest import alice


@pytest.mark.parametrize("platform", ["discord", "slack"])
async def test_autocomplete_goes_through_the_limiter(filled: Services, platform: str) -> None:
    filled.dispatcher.limiter.limit = 2
    ann = UserRef(platform, "W1", "ann", "Ann")
    assert await filled.dispatcher.autocomplete(ann, "timezones", "Europe/Par")
    assert await filled.dispatcher.autocomplete(ann, "timezones", "Europe/Par")
    assert await filled.dispatcher.autocomplete(ann, "timezones", "Europe/Par") == []
    assert "Slow down" in (await filled.dispatcher.handle_text(ann, "/papers help")).text


async def test_the_limit_is_per_person_not_per_guild(filled: Services) -> None:
    filled.dispatcher.limiter.limit = 2
    guilds = [UserRef("discord", ws, "ann", "Ann") for ws in ("G1", "G2", "dm:ann")]
    replies = [await filled.dispatcher.handle_text(who, "/papers help") for who in guilds]
    assert "Slow down" in replies[-1].text
    other_platform = UserRef("slack", "G1", "ann", "Ann")
    assert (
        "Slow down"
        not in (await filled.dispatcher.handle_text(other_platform, "/papers help")).text
    )


async def test_a_too_broad_search_answers_its_sentence(
    filled: Services, store: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []

    async def refuse(*args: Any, workspace: str | None = None, **kwargs: Any) -> Any:
        seen.append(workspace)
        raise query.QueryTooBroad("1,000,000 postings")

    monkeypatch.setattr(store.papers, "search", refuse)
    reply = await filled.dispatcher.handle_text(alice(), "/papers search diffusion")
    assert reply.is_error and reply.text.strip() == query.TOO_BROAD
    assert seen == ["ws1"]  # the per-workspace search budget applies

"""The fake itself: unknown routes are loud, content types are exact, faults are one-shot."""

from __future__ import annotations

import aiohttp

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_unknown_routes_answer_404_and_are_listed(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.api_base + "/guilds/1/audit-logs") as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"  # pitfall 1
        async with session.get(fake.api_base + "/users/@me") as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
    assert fake.unexpected == ["GET /guilds/1/audit-logs"]
    fake.unexpected.clear()  # seen: don't fail this test in the fixture


async def test_faults_apply_as_many_times_as_asked(fake: FakeDiscord) -> None:
    fake.fail("GET", r"/users/@me", 503, p.error_body(0, "down"), times=2)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(3):
            async with session.get(fake.api_base + "/users/@me") as resp:
                statuses.append(resp.status)
    assert statuses == [503, 503, 200]

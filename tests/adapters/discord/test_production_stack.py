"""The wrapper stack ``paperherald run`` builds (``bot.app.connect``) around the real Discord
adapter keeps every capability: a discussion opened through it answers with Discord's link.
(Issue 13: a metrics wrapper without ``permalink`` once hid the link in production only.)"""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from adapters.ops.metrics import PrometheusMetrics
from bot import app
from bot.config import Settings
from bot.models import ChannelRef
from bot.outbound import Outbound
from bot.sources.files import parse_file
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import command
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_discussions import answer, link, text_of
from tests.conftest import FIXTURES, fixture_ids


async def test_a_discussion_opened_under_run_answers_with_the_permalink(
    fake: FakeDiscord, settings: Settings
) -> None:
    async with app.open_core(settings, metrics=PrometheusMetrics()) as core:
        for path in sorted(FIXTURES.glob("*.json")):
            await core.store.papers.upsert(parse_file(path))
        (adapter,) = app.connect(core, app.build_adapters(core))  # what `run` does
        assert isinstance(adapter, Outbound) and isinstance(adapter.inner, DiscordAdapter)
        await adapter.start()
        try:
            pid = fixture_ids()[0]
            paper = await core.store.papers.get(pid)
            assert paper is not None
            reply = text_of(await answer(await command(fake, ("discuss",), {"id": pid})))
            channel = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))
            opened = await core.store.discussions.get(channel, pid)
            assert opened is not None and opened.thread_id is not None
            assert reply == f"Opened a discussion of “{paper.title}”: {link(opened.thread_id)}"
        finally:
            await adapter.close()

"""Issue 18 item 1: a hung upstream never stalls the daily posts. A scheduled post waits for
the day's fetch at most PAPERHERALD_PUBLISH_FETCH_WAIT seconds, then goes on per the grace
rules; an ingest has an overall deadline per source. Real HF source over httpx to a local
server that never answers (the HTTP timeout stays at its 20 s default)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import open_core
from bot.clock import FakeClock
from bot.models import ChannelRef, UserRef
from tests.conftest import RecordingAdapter, make_settings
from tests.entry_point import LocalHF, local_hf

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # the feed's 09:00 UTC post is due
ADMIN = UserRef("console", "ws1", "alice", "Alice", is_admin=True)
CHANNEL = ChannelRef("console", "ws1", "general")


@pytest.fixture
def hf() -> Iterator[LocalHF]:
    with local_hf(status=503) as server:
        yield server


async def test_a_scheduled_post_waits_a_bounded_time_for_a_hung_fetch(
    tmp_path: Path, hf: LocalHF
) -> None:
    settings = make_settings(tmp_path, hf_base_url=hf.url, publish_fetch_wait=0.3)
    async with open_core(settings, clock=FakeClock(NOW)) as core:
        adapter = RecordingAdapter()
        core.services.attach(adapter)
        reply = await core.services.dispatcher.handle_text(
            ADMIN, "/papers channel setup 09:00 UTC 3", CHANNEL
        )
        assert not reply.is_error, reply.text
        async with asyncio.timeout(10):  # the fetch alone could take a minute
            await core.services.publisher.publish_due(NOW)
        assert hf.requests  # the day was being fetched
        assert adapter.thread_items() == []  # nothing stored, grace window open: retry later
        status = await core.services.dispatcher.handle_text(
            ADMIN, "/papers channel status", CHANNEL
        )
        assert "no answer within 0.3 s" in status.text, status.text


async def test_an_ingest_has_an_overall_deadline_per_source(tmp_path: Path, hf: LocalHF) -> None:
    settings = make_settings(tmp_path, hf_base_url=hf.url, fetch_deadline=0.3)
    async with open_core(settings, clock=FakeClock(NOW)) as core:
        async with asyncio.timeout(10):
            report = await core.services.ingest(date(2026, 12, 2))
        assert "did not finish within 0.3 s" in report.errors["hf"]
        rows = await core.store.db.fetchall("SELECT source, ok FROM fetch_log")
        assert [tuple(r) for r in rows] == [("hf", 0)]

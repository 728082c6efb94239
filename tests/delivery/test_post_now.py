"""``/papers post-now`` in the console with Hugging Face unreachable, through the production
composition (``open_core``: real SQLite file, real HF source over httpx to a local server),
the console adapter reading a real pipe, and the channel status that follows."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import pytest

from adapters.console.adapter import ConsoleAdapter, run_console
from bot.app import Core, open_core
from bot.clock import FakeClock
from tests.conftest import make_settings
from tests.delivery.conftest import paper_batch
from tests.entry_point import LocalHF, local_hf

# Wed 2 Dec 2026, 08:30 in Berlin: before the feed's 09:00, so today's thread is not due yet.
NOW = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
STORED = [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)]


class Screen(io.StringIO):
    """The console's stdout; a test can wait until it shows some text."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, text: str) -> int:
        self.changed.set()
        return super().write(text)

    async def shows(self, text: str) -> None:
        async with asyncio.timeout(10):
            while text not in self.getvalue():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
def hf() -> Iterator[LocalHF]:
    with local_hf(status=503) as server:
        yield server


@asynccontextmanager
async def console(tmp_path: Path, hf: LocalHF, **settings: object) -> AsyncIterator[Core]:
    values: dict[str, object] = {"hf_base_url": hf.url, **settings}
    async with open_core(make_settings(tmp_path, **values), clock=FakeClock(NOW)) as core:
        yield core


@asynccontextmanager
async def typed(lines: str) -> AsyncIterator[TextIO]:
    """A real pipe carrying ``lines`` then EOF, as stdin."""
    read_end, write_end = os.pipe()
    os.write(write_end, lines.encode())
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        yield stdin


async def test_post_now_says_at_once_that_it_fetches_then_posts_the_latest_stored_day(
    tmp_path: Path, hf: LocalHF
) -> None:
    async with console(tmp_path, hf, post_now_wait=60) as core:
        for day in STORED:
            await core.store.papers.upsert(paper_batch(day))
        screen = Screen()
        adapter = ConsoleAdapter(screen)
        core.services.attach(adapter)
        script = "/papers channel setup 09:00 Europe/Berlin 3\n/papers post-now\n"
        async with typed(script) as stdin:
            session = asyncio.create_task(run_console(core.services.dispatcher, adapter, stdin))
            await screen.shows("Fetching today's papers (Tue 1 Dec) from Hugging Face…")
            assert "🧵" not in screen.getvalue()  # said before anything else happened
            hf.answer()  # now it fails: 503
            assert await asyncio.wait_for(session, 10) == 0
    text = screen.getvalue()
    assert "🧵 thread “Papers · Mon 30 Nov”" in text
    assert text.count("  │ 1. ") == 1 and text.count("  │ 3. ") == 1
    why = (
        "Hugging Face could not be reached, so this thread shows Mon 30 Nov, the latest day stored."
    )
    assert f"== Daily Papers · Mon 30 Nov · 3 papers ==\n  {why}" in text  # in the header
    assert f"Posted the thread for Mon 30 Nov (3 papers). {why}" in text  # in the answer


async def test_post_now_waits_a_bounded_time_and_the_status_names_what_was_posted(
    tmp_path: Path, hf: LocalHF
) -> None:
    """HF never answers (the HTTP timeout is 20 s): post-now gives up after post_now_wait."""
    async with console(tmp_path, hf, post_now_wait=0.5) as core:
        for day in STORED:
            await core.store.papers.upsert(paper_batch(day))
        screen = Screen()
        adapter = ConsoleAdapter(screen)
        core.services.attach(adapter)
        script = (
            "/papers channel setup 09:00 Europe/Berlin 3\n/papers post-now\n"
            "/papers channel status\n/papers post-now\n"
        )
        async with typed(script) as stdin:
            assert (
                await asyncio.wait_for(run_console(core.services.dispatcher, adapter, stdin), 10)
                == 0
            )
    text = screen.getvalue()
    assert (
        "Posted the thread for Mon 30 Nov (3 papers). Hugging Face did not answer within 0.5 s, "
        "so this thread shows Mon 30 Nov, the latest day stored."
    ) in text
    status = text.split("papers> /papers channel status\n")[1].split("papers> ")[0]
    # Today's thread is done, so the next post is tomorrow's; the last one names its papers.
    assert "Next post: Thu 3 Dec 09:00 (Europe/Berlin), papers of Wed 2 Dec\n" in status
    assert "Last thread: Wed 2 Dec, papers of Mon 30 Nov — posted" in status
    assert "in progress" not in status and "Wed 2 Dec 09:00" not in status
    assert "That day's thread is already posted here." in text
    assert text.count("🧵") == 1


async def test_post_now_with_nothing_stored_posts_nothing_and_says_why(
    tmp_path: Path, hf: LocalHF
) -> None:
    """Both sources fail and the store is empty: nothing to post. The status says the day is
    not posted yet and why, in one clean sentence (not "in progress", no ".;")."""
    hf.answer()
    async with console(
        tmp_path,
        hf,
        sources=["hf", "arxiv"],
        arxiv_api_url=f"{hf.url}/api/query",
        arxiv_rss_url=f"{hf.url}/rss",
    ) as core:
        screen = Screen()
        adapter = ConsoleAdapter(screen)
        core.services.attach(adapter)
        script = "/papers channel setup 09:00 UTC\n/papers post-now\n/papers channel status\n"
        async with typed(script) as stdin:
            assert (
                await asyncio.wait_for(run_console(core.services.dispatcher, adapter, stdin), 10)
                == 0
            )
    text = screen.getvalue()
    assert "Fetching today's papers (Tue 1 Dec) from Hugging Face and arXiv…" in text
    assert (
        "Hugging Face and arXiv could not be reached, so nothing was posted; "
        "try /papers post-now again in a few minutes."
    ) in text
    status = text.split("papers> /papers channel status\n")[1]
    assert "Last thread: Wed 2 Dec, papers of Tue 1 Dec — not posted yet: Hugging Face and " in (
        status
    )
    assert "in progress" not in status and ".;" not in status
    assert "🧵" not in text

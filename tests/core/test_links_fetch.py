"""Paste a link, get the paper, for a paper the store does not have yet: it is fetched from
the arXiv export API (here served on 127.0.0.1 from the recorded fixture) by id, stored, and
shown; a failing source leaves the one sentence for unknown papers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot import bootstrap
from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.sources.arxiv import ArxivSource
from bot.sources.http import Fetcher, build_http_client
from storage.store import Repositories
from tests.conftest import FIXTURES, alice
from tests.core.test_links import cards

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FEED = (FIXTURES / "arxiv_api_2026-09-23_2entries.xml").read_bytes()
KNOWN_TO_ARXIV = "2609.10001"


@asynccontextmanager
async def arxiv_api(handler: Handler) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/api/query", handler)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/query"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def services(
    url: str, settings: Settings, store: Repositories, clock: FakeClock
) -> AsyncIterator[Services]:
    """The engine, with its one source the arXiv API at ``url`` (no retries)."""
    arxiv_settings = settings.model_copy(update={"arxiv_api_url": url})
    fetcher = Fetcher(build_http_client(arxiv_settings), retries=0)
    try:
        yield build_services(settings, store, [ArxivSource(arxiv_settings, fetcher)], clock)
    finally:
        await fetcher.aclose()


async def test_a_link_to_an_unknown_paper_fetches_stores_and_shows_it(
    settings: Settings, store: Repositories, clock: FakeClock
) -> None:
    asked: list[str] = []

    async def api(request: web.Request) -> web.Response:
        asked.append(request.query.get("id_list", ""))
        return web.Response(body=FEED, content_type="application/atom+xml")

    assert await store.papers.get(KNOWN_TO_ARXIV) is None
    async with arxiv_api(api) as url, services(url, settings, store, clock) as engine:
        answer = await engine.dispatcher.cards_for_links(
            alice(), f"look: https://arxiv.org/abs/{KNOWN_TO_ARXIV}v2"
        )
        assert not answer.is_error, answer.text
        assert [c.arxiv_id for c in cards(answer)] == [KNOWN_TO_ARXIV]
        assert asked == [KNOWN_TO_ARXIV]
        stored = await store.papers.get(KNOWN_TO_ARXIV)
        assert stored is not None and stored.title.startswith("Learned Step Schedules")
        # stored now: a second link is answered without asking arXiv again
        link = f"arxiv.org/abs/{KNOWN_TO_ARXIV}"
        again = await engine.dispatcher.cards_for_links(alice(), link)
        assert [c.arxiv_id for c in cards(again)] == [KNOWN_TO_ARXIV] and len(asked) == 1


async def test_a_failing_source_leaves_one_sentence(
    settings: Settings, store: Repositories, clock: FakeClock
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=503, text="down")

    async with arxiv_api(broken) as url, services(url, settings, store, clock) as engine:
        answer = await engine.dispatcher.cards_for_links(alice(), "arxiv.org/abs/2609.10001")
    assert answer.is_error and not cards(answer)
    assert "I don't have that paper yet (2609.10001)" in answer.text
    assert answer.text.count(". ") <= 1 and "\n" not in answer.text
    assert await store.papers.get("2609.10001") is None


async def test_a_slow_source_is_given_up_on_at_the_overall_deadline(
    settings: Settings, store: Repositories, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "LINK_FETCH_DEADLINE", 0.3)

    release = asyncio.Event()  # the server answers only when the test is done

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=FEED, content_type="application/atom+xml")

    async with arxiv_api(slow) as url, services(url, settings, store, clock) as engine:
        try:
            # The source never answers: only the overall deadline can end this call.
            answer = await asyncio.wait_for(
                engine.dispatcher.cards_for_links(alice(), "arxiv.org/abs/2609.10001"), 10
            )
        finally:
            release.set()
    assert answer.is_error and "I don't have that paper yet" in answer.text

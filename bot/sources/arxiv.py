"""arXiv: fetching a day from the export API, and the announcement feeds; parsing is
bot/sources/arxiv_xml.py (re-exported here for callers that read feeds)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date

import httpx

from bot.config import Settings
from bot.models import Paper, SourceBatch
from bot.ports import SourceError
from bot.sources.arxiv_xml import (
    ATOM,
    CATEGORY_RE,
    EMPTY_PAGE_RETRIES,
    MAX_RESULTS,
    PAGE_SIZE,
    SOURCE,
    AtomPage,
    featured_rows,
    parse_atom,
    parse_atom_page,
    parse_entry,
    parse_feed,
    parse_rss,
    raise_if_error_feed,
    xml_root,
)
from bot.sources.http import Fetcher

log = logging.getLogger(__name__)

MAX_IDS = 5  # ids in one id_list request (a pasted message's links)

__all__ = [
    "ArxivSource",
    "AtomPage",
    "day_query",
    "parse_atom",
    "parse_atom_page",
    "parse_entry",
    "parse_feed",
    "parse_rss",
]


def day_query(categories: Iterable[str], day: date) -> str:
    """``(cat:a OR cat:b) AND submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]`` (GMT)."""
    cats = [c for c in categories if c]
    bad = [c for c in cats if not CATEGORY_RE.match(c)]
    if bad:
        raise SourceError(
            f"{bad[0]!r} is not an arXiv category (check PAPERHERALD_ARXIV_CATEGORIES)."
        )
    if not cats:
        raise SourceError("No arXiv categories are configured (set PAPERHERALD_ARXIV_CATEGORIES).")
    stamp = day.strftime("%Y%m%d")
    return (
        f"({' OR '.join(f'cat:{c}' for c in cats)}) AND submittedDate:[{stamp}0000 TO {stamp}2359]"
    )


class ArxivSource:
    """``PaperSource`` over the arXiv export API; every request goes through the Fetcher,
    so the three-second rule applies to pages, retries and the RSS alike."""

    name: str = SOURCE

    def __init__(self, settings: Settings, fetcher: Fetcher) -> None:
        self._api_url = settings.arxiv_api_url
        self._rss_url = settings.arxiv_rss_url.rstrip("/")
        self._categories = list(settings.arxiv_categories)
        self._fetcher = fetcher

    async def fetch_day(self, day: date) -> SourceBatch:
        query = day_query(self._categories, day)
        what = f"papers submitted on {day.isoformat()}"
        papers: dict[str, Paper] = {}
        start = 0
        while True:
            params = {
                "search_query": query,
                "sortBy": "submittedDate",
                "sortOrder": "descending",
                "max_results": str(PAGE_SIZE),
                "start": str(start),
            }
            page = await self._page(params, what)
            for paper in page.batch.papers:
                papers.setdefault(paper.arxiv_id, paper)
            start += PAGE_SIZE
            total = min(page.total_results or 0, MAX_RESULTS)
            if start >= total or page.entries == 0:
                break
        kept = list(papers.values())
        return SourceBatch(papers=tuple(kept), featured=featured_rows(kept, day), source=SOURCE)

    async def fetch_ids(self, ids: Sequence[str]) -> SourceBatch:
        """The papers with these arXiv ids (at most ``MAX_IDS`` per call; the rest are
        ignored), by the export API's ``id_list``; no featured rows (nothing was featured)."""
        wanted = [i for i in dict.fromkeys(ids) if i][:MAX_IDS]
        if not wanted:
            return SourceBatch(source=SOURCE)
        params = {"id_list": ",".join(wanted), "max_results": str(len(wanted)), "start": "0"}
        response = await self._fetcher.get(self._api_url, params=params)
        page = _read_api_response(response, f"papers {', '.join(wanted)}")
        return SourceBatch(papers=page.batch.papers, source=SOURCE)

    async def fetch_rss(self) -> SourceBatch:
        """Today's announcements for the configured categories (one combined feed)."""
        if not self._categories:
            raise SourceError(
                "No arXiv categories are configured (set PAPERHERALD_ARXIV_CATEGORIES)."
            )
        url = f"{self._rss_url}/{'+'.join(self._categories)}"
        response = await self._fetcher.get(url)
        if response.status_code >= 400:
            raise SourceError(f"arXiv answered {response.status_code} for the RSS feed.")
        return parse_rss(response.content)

    async def _page(self, params: dict[str, str], what: str) -> AtomPage:
        start = int(params["start"])
        attempt = 0
        while True:
            response = await self._fetcher.get(self._api_url, params=params)
            page = _read_api_response(response, what)
            total = min(page.total_results or 0, MAX_RESULTS)
            if page.entries or start >= total:
                return page
            attempt += 1
            if attempt > EMPTY_PAGE_RETRIES:
                log.warning("arXiv kept sending empty pages at start=%d; keeping the rest", start)
                return page
            log.warning("arXiv sent an empty page at start=%d of %d; asking again", start, total)


def _read_api_response(response: httpx.Response, what: str) -> AtomPage:
    if response.status_code == 200:
        return parse_atom_page(response.content)
    if response.status_code == 400:
        # The API explains a bad query in an Atom error feed; say what it said.
        try:
            root = xml_root(response.content, what=what)
        except SourceError:
            root = None
        if root is not None and root.tag == f"{ATOM}feed":
            raise_if_error_feed(root)
    raise SourceError(f"arXiv answered {response.status_code} for {what}.")

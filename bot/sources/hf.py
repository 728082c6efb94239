"""Hugging Face Daily Papers: ``/api/daily_papers`` (and ``/api/papers/search``, same items).

The parser is pure and tolerant: every schema era (A-D, see ../shared/fixtures/README.md)
parses, optional fields may be absent, unknown fields are ignored, and one bad item is
skipped with a warning instead of losing the whole day.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime

import httpx

from bot.arxiv_ids import normalise
from bot.config import Settings
from bot.models import FeaturedOn, Paper, SourceBatch
from bot.ports import SourceError
from bot.sources.http import Fetcher
from bot.sources.text import clean, one_line

log = logging.getLogger(__name__)

SOURCE = "hf"
PAGE_LIMIT = 100  # the API's maximum page size
MAX_PAGES = 20  # a day has never held more than a few dozen papers; stop a runaway loop
# Until about 2025-02 the item-level publishedAt was the time the paper was posted to Daily
# Papers (quirk Q2); from 2025-03 it is the arXiv time shifted to US Eastern.
_ITEM_PUBLISHED_MEANT_FEATURED_UNTIL = date(2025, 3, 1)
_MAX_ERROR_CHARS = 200


def collapse(text: str) -> str:
    """Hard-wrapped upstream text (Q4) -> one line, without control characters."""
    return one_line(text)


def parse_timestamp(value: object) -> datetime | None:
    """ISO-8601 (``…Z``, with or without milliseconds) -> aware UTC; anything else -> None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _str(value: object) -> str | None:
    if isinstance(value, str):
        cleaned = clean(value)
        return cleaned or None
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):  # bool is an int subclass; never a count
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _authors(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names: list[str] = []
    for author in raw:
        if not isinstance(author, Mapping) or author.get("hidden") is True:
            continue
        name = _str(author.get("name"))
        if name:
            names.append(collapse(name))
    return tuple(names)


def _keywords(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(collapse(k) for k in raw if isinstance(k, str) and k.strip())


def error_text(data: object) -> str | None:
    """The message of an HF error body ``{"error": "…"}`` (or a list of messages), else None."""
    if not isinstance(data, Mapping) or "error" not in data:
        return None
    raw = data["error"]
    text = "; ".join(str(part) for part in raw) if isinstance(raw, list) else str(raw)
    text = collapse(text).rstrip(".") or "unknown error"
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


def featured_day(item: Mapping[str, object], requested_day: date | None) -> date | None:
    """The day HF featured this item: UTC date of ``submittedOnDailyAt``, else fallbacks."""
    paper = item.get("paper")
    if isinstance(paper, Mapping):
        on_daily = parse_timestamp(paper.get("submittedOnDailyAt"))
        if on_daily is not None:
            return on_daily.date()
    if requested_day is not None:
        return requested_day
    # Eras A/B: the item had no `summary` and its publishedAt was the posting time. Search
    # results carry `summary` (and `highlightedTitle`), so they never take this branch.
    if "summary" in item or "highlightedTitle" in item:
        return None
    posted = parse_timestamp(item.get("publishedAt"))
    if posted is not None and posted.date() < _ITEM_PUBLISHED_MEANT_FEATURED_UNTIL:
        return posted.date()
    return None


def parse_item(item: object) -> Paper | None:
    """One daily_papers/search item -> Paper; None when it has no usable id or title."""
    if not isinstance(item, Mapping):
        return None
    paper = item.get("paper")
    if not isinstance(paper, Mapping):
        return None
    raw_id = _str(paper.get("id"))
    arxiv_id = normalise(raw_id) if raw_id else None
    title = _str(paper.get("title")) or _str(item.get("title"))
    if not arxiv_id or not title:
        return None
    abstract = _str(paper.get("summary")) or _str(item.get("summary")) or ""
    comments = _int(item.get("numComments"))  # comments sit on the item, upvotes on the paper
    if comments is None:
        comments = _int(paper.get("numComments"))
    ai_summary = _str(paper.get("ai_summary"))
    return Paper(
        arxiv_id=arxiv_id,
        title=collapse(title),
        abstract=collapse(abstract),
        authors=_authors(paper.get("authors")),
        published_at=parse_timestamp(paper.get("publishedAt")),
        hf_upvotes=_int(paper.get("upvotes")),
        hf_comments=comments,
        github_repo=_str(paper.get("githubRepo")),
        github_stars=_int(paper.get("githubStars")),
        project_page=_str(paper.get("projectPage")),
        ai_summary=collapse(ai_summary) if ai_summary else None,
        ai_keywords=_keywords(paper.get("ai_keywords")),
        # Era A had a singular `mediaUrl` holding what later became `thumbnail`.
        thumbnail=_str(item.get("thumbnail")) or _str(item.get("mediaUrl")),
    )


def parse_daily_papers(data: object, *, requested_day: date | None = None) -> SourceBatch:
    """A decoded ``/api/daily_papers`` or ``/api/papers/search`` body -> SourceBatch.

    ``source_rank`` is the 1-based position in ``data``; a paper listed twice is kept once.
    """
    message = error_text(data)
    if message is not None:
        raise SourceError(f"Hugging Face answered with an error: {message}.")
    if not isinstance(data, list):
        raise SourceError(
            f"Hugging Face sent a JSON {type(data).__name__} where a list of papers was expected."
        )
    papers: dict[str, Paper] = {}
    featured: dict[tuple[date, str], FeaturedOn] = {}
    for rank, item in enumerate(data, start=1):
        paper = parse_item(item)
        if paper is None or not isinstance(item, Mapping):
            log.warning(
                "Skipping Hugging Face item %d: not an object with a paper id and title", rank
            )
            continue
        papers.setdefault(paper.arxiv_id, paper)
        day = featured_day(item, requested_day)
        if day is not None:
            featured.setdefault(
                (day, paper.arxiv_id),
                FeaturedOn(day=day, arxiv_id=paper.arxiv_id, source=SOURCE, source_rank=rank),
            )
    return SourceBatch(
        papers=tuple(papers.values()), featured=tuple(featured.values()), source=SOURCE
    )


def decode_json(body: bytes, *, what: str) -> object:
    """Response bytes -> JSON value, or SourceError saying what arrived instead."""
    head = body.lstrip()[:64].lower()
    if not head:
        raise SourceError(f"Hugging Face sent an empty answer for {what}.")
    if head.startswith((b"<!doctype", b"<html", b"<")):
        raise SourceError(
            f"Hugging Face sent an HTML page instead of JSON for {what}; "
            "the site may be down, try again later."
        )
    try:
        return json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise SourceError(
            f"Hugging Face sent malformed JSON for {what} (truncated or corrupt)."
        ) from exc


class HuggingFaceSource:
    """``PaperSource`` over the Hugging Face Daily Papers API."""

    name: str = SOURCE

    def __init__(self, settings: Settings, fetcher: Fetcher) -> None:
        self._base = settings.hf_base_url.rstrip("/")
        self._fetcher = fetcher
        self._headers: dict[str, str] = {}
        if settings.hf_token is not None and settings.hf_token.get_secret_value():
            self._headers["Authorization"] = f"Bearer {settings.hf_token.get_secret_value()}"

    async def fetch_day(self, day: date) -> SourceBatch:
        what = f"daily papers of {day.isoformat()}"
        items: list[object] = []
        for page in range(MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(PAGE_LIMIT), "p": str(page)}
            data = await self._get_json("/api/daily_papers", params, what)
            if not isinstance(data, list):
                parse_daily_papers(data)  # raises with HF's own error text
                raise AssertionError("unreachable")  # pragma: no cover
            items.extend(data)
            if len(data) < PAGE_LIMIT:
                break
        else:
            log.warning("Hugging Face %s: stopped after %d pages", what, MAX_PAGES)
        return parse_daily_papers(items, requested_day=day)

    async def search(self, q: str, *, limit: int = 20) -> SourceBatch:
        """Full-text search on HF; results keep FeaturedOn rows only when HF dates them."""
        params = {"q": q, "limit": str(max(1, min(limit, PAGE_LIMIT)))}
        data = await self._get_json("/api/papers/search", params, f"the search {q!r}")
        return parse_daily_papers(data)

    async def _get_json(self, path: str, params: dict[str, str], what: str) -> object:
        response = await self._fetcher.get(
            f"{self._base}{path}", params=params, headers=self._headers or None
        )
        if response.status_code >= 400:
            raise SourceError(_status_message(response, what))
        return decode_json(response.content, what=what)


def _status_message(response: httpx.Response, what: str) -> str:
    detail: str | None = None
    try:
        detail = error_text(json.loads(response.content))
    except ValueError:
        detail = None
    if detail is None:
        detail = _str(response.headers.get("X-Error-Message"))
    hint = " (check HF_TOKEN)" if response.status_code in (401, 403) else ""
    suffix = f": {detail}" if detail else ""
    return f"Hugging Face answered {response.status_code} for {what}{hint}{suffix}."

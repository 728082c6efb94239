"""arXiv's XML: the export API (Atom) and the announcement feeds (RSS 2.0, and their Atom
flavour) -> papers. Pure parsing; fetching is bot/sources/arxiv.py.

Parsing uses the standard library's ElementTree. That is safe enough for these feeds without
``defusedxml``: expat never fetches external entities or DTDs, and the expat bundled with
supported Pythons (>= 2.4.1) refuses "billion laughs" entity amplification.
Parsers are namespace-aware and never depend on element order: the API changed its output
format between 2025-10 and 2026-04 (see ../shared/fixtures/README.md, section 3.2).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from bot.arxiv_ids import parse as parse_id
from bot.models import FeaturedOn, Paper, SourceBatch
from bot.ports import SourceError
from bot.sources.text import one_line

# The fetcher's logger: skipped entries are reported as arXiv fetch events.
log = logging.getLogger("bot.sources.arxiv")

SOURCE = "arxiv"
PAGE_SIZE = 200
MAX_RESULTS = 2000  # the API's per-query ceiling; a day of four ML categories fits well below
EMPTY_PAGE_RETRIES = 2  # arXiv intermittently serves empty pages; asking again usually works

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
DC = "{http://purl.org/dc/elements/1.1/}"

FEATURED_TYPES = frozenset({"new", "cross"})  # replace/replace-cross only update a paper
CATEGORY_RE = re.compile(r"^[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_DESCRIPTION_RE = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*"
    r"(?:Abstract:\s*(?P<abstract>.*))?$",
    re.DOTALL | re.IGNORECASE,
)


def collapse(text: str | None) -> str:
    """Upstream text -> one line, without control characters."""
    return one_line(text) if text else ""


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return collapse("".join(element.itertext()))


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept; attribute values (category terms) are
    cleaned here, since they do not pass through :func:`_text`."""
    return tuple(dict.fromkeys(c for c in (collapse(v) for v in values) if c))


def _iso(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _rfc822_day(value: str) -> date | None:
    """The calendar date of an RFC 822 date in its own offset (arXiv announces in US Eastern)."""
    try:
        return parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def xml_root(xml: bytes, *, what: str) -> ET.Element:
    head = xml.lstrip()[:256].lower()
    if not head:
        raise SourceError(f"arXiv sent an empty answer for {what}; try again later.")
    if head.startswith(b"<!doctype html") or b"<html" in head:
        raise SourceError(
            f"arXiv sent an HTML page instead of a feed for {what} "
            "(an outage or an automated-access check); try again later."
        )
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SourceError(f"arXiv sent malformed XML for {what} ({exc}).") from exc
    if root.tag.rsplit("}", 1)[-1].lower() == "html":
        raise SourceError(f"arXiv sent an HTML page instead of a feed for {what}; try again later.")
    return root


# --- Export API (Atom) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtomPage:
    """One page of API results plus what paging needs."""

    batch: SourceBatch
    total_results: int | None
    entries: int  # <entry> elements seen, including any skipped


def raise_if_error_feed(root: ET.Element) -> None:
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = _text(entry.find(f"{ATOM}id"))
        if "/api/errors" in entry_id or _text(entry.find(f"{ATOM}title")) == "Error":
            message = _text(entry.find(f"{ATOM}summary")).rstrip(".") or "unknown error"
            raise SourceError(f"arXiv rejected the query: {message}.")


def _is_announcement_feed(root: ET.Element) -> bool:
    """rss.arxiv.org/atom/...: Atom entries that carry ``arxiv:announce_type``."""
    return root.find(f"{ATOM}entry/{ARXIV}announce_type") is not None


def parse_entry(entry: ET.Element) -> Paper | None:
    """One API ``<entry>`` -> Paper; None when it has no arXiv id or title."""
    parsed = parse_id(_text(entry.find(f"{ATOM}id")))
    title = _text(entry.find(f"{ATOM}title"))
    if parsed is None or not title:
        return None
    primary = entry.find(f"{ARXIV}primary_category")
    categories = _dedupe(
        [primary.get("term", "") if primary is not None else ""]
        + [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    )
    published = _text(entry.find(f"{ATOM}published"))
    return Paper(
        arxiv_id=parsed.key,
        title=title,
        abstract=_text(entry.find(f"{ATOM}summary")),
        authors=_dedupe(_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")),
        categories=categories,
        published_at=_iso(published) if published else None,
        version=parsed.version,
    )


def _papers(entries: Iterable[ET.Element], kind: str) -> list[Paper]:
    papers: dict[str, Paper] = {}
    for position, entry in enumerate(entries, start=1):
        paper = parse_entry(entry)
        if paper is None:
            log.warning("Skipping arXiv %s entry %d: no arXiv id or title", kind, position)
            continue
        papers.setdefault(paper.arxiv_id, paper)
    return list(papers.values())


def featured_rows(papers: Iterable[Paper], day: date | None) -> tuple[FeaturedOn, ...]:
    if day is None:
        return ()
    return tuple(
        FeaturedOn(day=day, arxiv_id=p.arxiv_id, source=SOURCE, source_rank=rank)
        for rank, p in enumerate(papers, start=1)
    )


def _atom_page(root: ET.Element, featured_day: date | None) -> AtomPage:
    if root.tag != f"{ATOM}feed":
        raise SourceError("arXiv sent XML that is not an Atom feed.")
    raise_if_error_feed(root)
    if _is_announcement_feed(root):
        # Announcement entries carry their own day and type; ``featured_day`` does not apply.
        batch = _announcements(root.findall(f"{ATOM}entry"), feed_day=None, atom=True)
        return AtomPage(batch=batch, total_results=None, entries=len(batch.papers))
    entries = root.findall(f"{ATOM}entry")
    papers = _papers(entries, "API")
    total_text = _text(root.find(f"{OPENSEARCH}totalResults"))
    total = int(total_text) if total_text.isdigit() else None
    batch = SourceBatch(
        papers=tuple(papers), featured=featured_rows(papers, featured_day), source=SOURCE
    )
    return AtomPage(batch=batch, total_results=total, entries=len(entries))


def parse_atom_page(xml: bytes, featured_day: date | None = None) -> AtomPage:
    """An API response -> AtomPage (papers plus ``opensearch:totalResults`` for paging)."""
    return _atom_page(xml_root(xml, what="the query"), featured_day)


def parse_atom(xml: bytes, featured_day: date | None = None) -> SourceBatch:
    """An arXiv API Atom feed -> SourceBatch; FeaturedOn rows only when ``featured_day`` is given.

    The API's error feed (one entry titled ``Error``) raises SourceError with its message.
    An Atom announcement feed (rss.arxiv.org/atom/...) is read like :func:`parse_rss`.
    """
    return parse_atom_page(xml, featured_day).batch


# --- Announcement feeds (RSS 2.0 and Atom flavour) ---------------------------------------


@dataclass(frozen=True, slots=True)
class _Announcement:
    paper: Paper
    announce_type: str | None
    day: date | None


def _split_creators(text: str) -> tuple[str, ...]:
    return _dedupe(collapse(name) for name in text.split(","))


def _announcement(item: ET.Element, *, atom: bool, feed_day: date | None) -> _Announcement | None:
    ns = ATOM if atom else ""
    body = item.find(f"{ns}summary" if atom else "description")
    description = "".join(body.itertext()) if body is not None else ""
    match = _DESCRIPTION_RE.match(description)
    guid = _text(item.find(f"{ATOM}id" if atom else "guid"))
    parsed = (
        (parse_id(match.group("id")) if match else None)
        or parse_id(guid)
        or parse_id(_text(item.find("link")) if not atom else "")
    )
    title = _text(item.find(f"{ns}title"))
    if parsed is None or not title:
        return None
    announce_type = _text(item.find(f"{ARXIV}announce_type")).lower() or (
        match.group("type").lower() if match else ""
    )
    abstract = collapse(match.group("abstract")) if match else collapse(description)
    creators = _text(item.find(f"{DC}creator"))
    if creators:
        authors = _split_creators(creators)
    else:
        authors = _dedupe(_text(a.find(f"{ATOM}name")) for a in item.findall(f"{ATOM}author"))
    if atom:
        terms = [c.get("term", "") for c in item.findall(f"{ATOM}category")]
        published = _text(item.find(f"{ATOM}published"))
        day = (_iso_day(published) if published else None) or feed_day
    else:
        terms = [_text(c) for c in item.findall("category")]
        day = _rfc822_day(_text(item.find("pubDate"))) or feed_day
    paper = Paper(
        arxiv_id=parsed.key,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=_dedupe(terms),  # the feed does not say which one is primary
        version=parsed.version,
    )
    return _Announcement(paper=paper, announce_type=announce_type or None, day=day)


def _iso_day(value: str) -> date | None:
    """The date of an ISO timestamp in its own offset (the announcement day, US Eastern)."""
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def _announcements(items: list[ET.Element], *, feed_day: date | None, atom: bool) -> SourceBatch:
    papers: dict[str, Paper] = {}
    featured: dict[tuple[date, str], FeaturedOn] = {}
    for position, item in enumerate(items, start=1):
        found = _announcement(item, atom=atom, feed_day=feed_day)
        if found is None:
            log.warning("Skipping arXiv feed item %d: no arXiv id or title", position)
            continue
        paper = found.paper
        papers.setdefault(paper.arxiv_id, paper)
        # A missing type means an older feed that only listed announcements.
        if found.announce_type is not None and found.announce_type not in FEATURED_TYPES:
            continue
        if found.day is None:
            log.warning("arXiv feed item %s has no announcement date", paper.arxiv_id)
            continue
        featured.setdefault(
            (found.day, paper.arxiv_id),
            FeaturedOn(day=found.day, arxiv_id=paper.arxiv_id, source=SOURCE, source_rank=position),
        )
    return SourceBatch(
        papers=tuple(papers.values()), featured=tuple(featured.values()), source=SOURCE
    )


def _raise_if_feed_error_title(title: str) -> None:
    # An unknown category yields a well-formed, empty feed titled "Feed error for query: …".
    if title.lower().startswith("feed error"):
        raise SourceError(f"arXiv rejected the feed: {title.rstrip('.')}.")


def _rss(root: ET.Element) -> SourceBatch:
    channel = root.find("channel")
    if channel is None:
        raise SourceError("arXiv sent an RSS document without a channel.")
    _raise_if_feed_error_title(_text(channel.find("title")))
    feed_day = _rfc822_day(_text(channel.find("pubDate"))) or _rfc822_day(
        _text(channel.find("lastBuildDate"))
    )
    return _announcements(channel.findall("item"), feed_day=feed_day, atom=False)


def parse_rss(xml: bytes) -> SourceBatch:
    """An rss.arxiv.org feed -> SourceBatch.

    ``new`` and ``cross`` items are featured on their announcement day (pubDate, in its own
    offset) at their position in the feed; ``replace``/``replace-cross`` items only update
    the paper, so a replaced paper is never announced twice. Atom-flavoured feeds are accepted.
    """
    root = xml_root(xml, what="the feed")
    if root.tag == "rss":
        return _rss(root)
    if root.tag == f"{ATOM}feed":
        raise_if_error_feed(root)
        _raise_if_feed_error_title(_text(root.find(f"{ATOM}title")))
        return _announcements(root.findall(f"{ATOM}entry"), feed_day=None, atom=True)
    raise SourceError("arXiv sent XML that is neither an RSS nor an Atom feed.")


def parse_feed(xml: bytes) -> SourceBatch:
    """Any arXiv XML we know (API Atom, RSS, Atom announcements), detected from its root."""
    root = xml_root(xml, what="the feed")
    if root.tag == "rss":
        return _rss(root)
    if root.tag == f"{ATOM}feed":
        return _atom_page(root, None).batch
    raise SourceError("The XML is neither an arXiv Atom feed nor an arXiv RSS feed.")


# --- The source --------------------------------------------------------------------------

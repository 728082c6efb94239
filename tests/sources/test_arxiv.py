"""arXiv: Atom and RSS parsers, and the API source over MockTransport (fake clock)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime

import httpx
import pytest

from bot.ports import SourceError
from bot.sources.arxiv import (
    ArxivSource,
    day_query,
    parse_atom,
    parse_atom_page,
    parse_rss,
)
from bot.sources.arxiv_xml import MAX_RESULTS, PAGE_SIZE
from bot.sources.http import Fetcher

from .helpers import FakeClock, fixture_bytes, make_settings

DAY = date(2026, 9, 23)
MakeFetcher = Callable[..., Fetcher]

ERROR_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>https://arxiv.org/api/errors#max_results_must_be_less_than_30000</id>
    <title>Error</title>
    <summary>max_results must be less than 30000</summary>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>"""

CAPTCHA = b"""<!DOCTYPE html>
<html lang="en"><head><title>arXiv - automated access check</title></head>
<body><p>Please complete the check to continue.</p></body></html>"""


def atom_feed(ids: list[str], total: int) -> bytes:
    """A new-format API page holding ``ids``, reporting ``total`` results."""
    entries = "".join(
        f"""
  <entry>
    <id>http://arxiv.org/abs/{i}v1</id>
    <title>Paper {i}</title>
    <summary>Abstract of {i}.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>2026-09-23T12:00:00Z</published>
    <arxiv:primary_category term="cs.LG"/>
    <author><name>Author {i}</name></author>
  </entry>"""
        for i in ids
    )
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query: test</title>
  <opensearch:itemsPerPage>{PAGE_SIZE}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{entries}
</feed>""".encode()


def ids_for(start: int, count: int) -> list[str]:
    return [f"2609.{n:05d}" for n in range(start + 1, start + count + 1)]


# --- parse_atom ----------------------------------------------------------------------------


def test_parse_atom_in_repo_fixture() -> None:
    batch = parse_atom(fixture_bytes("arxiv_api_2026-09-23_2entries.xml"))
    assert batch.source == "arxiv"
    assert batch.featured == ()
    first, second = batch.papers
    assert (first.arxiv_id, first.version) == ("2609.10001", 2)
    assert first.title == "Learned Step Schedules for Fast Diffusion Sampling"
    assert "\n" not in first.abstract and first.abstract.startswith("Diffusion models denoise")
    assert first.authors == ("Ada Lovelace", "Grace Hopper")
    assert first.categories == ("cs.CV", "cs.LG")  # primary first, duplicates dropped
    assert first.published_at == datetime(2026, 9, 23, 17, 59, 1, tzinfo=UTC)
    assert (second.arxiv_id, second.version, second.categories) == ("2609.10004", 1, ("cs.AI",))
    assert first.hf_upvotes is None


def test_parse_atom_with_featured_day() -> None:
    batch = parse_atom(fixture_bytes("arxiv_api_2026-09-23_2entries.xml"), featured_day=DAY)
    assert [(f.day, f.arxiv_id, f.source, f.source_rank) for f in batch.featured] == [
        (DAY, "2609.10001", "arxiv", 1),
        (DAY, "2609.10004", "arxiv", 2),
    ]


def test_parse_atom_page_reports_total() -> None:
    page = parse_atom_page(atom_feed(ids_for(0, 3), total=450))
    assert page.total_results == 450
    assert page.entries == 3
    assert len(page.batch) == 3


def test_error_feed_raises_its_message() -> None:
    with pytest.raises(SourceError) as info:
        parse_atom(ERROR_FEED)
    assert str(info.value) == "arXiv rejected the query: max_results must be less than 30000."


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>", r"^arXiv sent malformed XML"),
        (CAPTCHA, r"^arXiv sent an HTML page instead of a feed"),
        (b"<html><body>Service unavailable</body></html>", r"HTML page"),
        (b"", r"^arXiv sent an empty answer"),
        (b"<?xml version='1.0'?><note>hi</note>", r"not an Atom feed"),
    ],
)
def test_unusable_xml_raises_one_sentence(body: bytes, pattern: str) -> None:
    with pytest.raises(SourceError, match=pattern) as info:
        parse_atom(body)
    assert "\n" not in str(info.value)


def test_entries_without_id_or_title_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    xml = (
        atom_feed(["2609.00001", "2609.00002"], total=3)
        .replace(b"<title>Paper 2609.00001</title>", b"<title>  </title>")
        .replace(
            b"</feed>",
            b"<entry><id>http://arxiv.org/abs/garbage</id><title>x</title></entry></feed>",
        )
    )
    batch = parse_atom(xml)
    assert [p.arxiv_id for p in batch.papers] == ["2609.00002"]
    assert len(caplog.records) == 2


def test_external_entities_are_not_resolved() -> None:
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2609.00001v1</id>
<title>&xxe;</title></entry></feed>"""
    # expat never fetches the entity, so the document is refused as malformed.
    with pytest.raises(SourceError, match="malformed XML"):
        parse_atom(xml)


# --- parse_rss -----------------------------------------------------------------------------


def test_parse_rss_new_cross_replace() -> None:
    batch = parse_rss(fixture_bytes("arxiv_rss_2026-09-24_3items.xml"))
    assert [p.arxiv_id for p in batch.papers] == ["2609.10001", "2205.06398", "2009.13987"]
    new, cross, replace = batch.papers
    assert new.version == 1 and replace.version == 3
    assert new.authors == ("Ada Lovelace", "Grace Hopper")
    assert cross.authors == ("Pritam Dey", "Zhengwu Zhang", "David B. Dunson")
    assert new.abstract.startswith("Diffusion models denoise")
    assert "Announce Type" not in new.abstract
    assert new.categories == ("cs.LG", "cs.CV")
    assert new.published_at is None  # the RSS has no submission time
    day = date(2026, 9, 24)
    assert [(f.day, f.arxiv_id, f.source, f.source_rank) for f in batch.featured] == [
        (day, "2609.10001", "arxiv", 1),
        (day, "2205.06398", "arxiv", 2),
    ]


def test_rss_replace_never_duplicates_a_featured_row() -> None:
    xml = fixture_bytes("arxiv_rss_2026-09-24_3items.xml")
    batch = parse_rss(xml)
    assert "2009.13987" not in {f.arxiv_id for f in batch.featured}
    assert len({(f.day, f.arxiv_id) for f in batch.featured}) == len(batch.featured)


def test_rss_day_uses_the_announcement_offset() -> None:
    # 23:30 US Eastern on the 23rd is already the 24th in UTC; the feed day is the 23rd.
    xml = fixture_bytes("arxiv_rss_2026-09-24_3items.xml").replace(
        b"Thu, 24 Sep 2026 00:00:00 -0400", b"Wed, 23 Sep 2026 23:30:00 -0400"
    )
    assert {f.day for f in parse_rss(xml).featured} == {date(2026, 9, 23)}


def test_atom_flavoured_rss() -> None:
    xml = fixture_bytes("arxiv_rss-atom_2026-09-24_2entries.xml")
    for batch in (parse_rss(xml), parse_atom(xml)):
        assert [p.arxiv_id for p in batch.papers] == ["2609.10001", "2009.13987"]
        assert batch.papers[0].abstract == "Diffusion models denoise in many small steps."
        assert batch.papers[0].authors == ("Ada Lovelace", "Grace Hopper")
        assert [(f.day, f.arxiv_id) for f in batch.featured] == [(date(2026, 9, 24), "2609.10001")]


def test_rss_feed_error_and_html() -> None:
    feed_error = b"""<rss version="2.0"><channel><title>Feed error for query: cs.XX</title>
<link>http://rss.arxiv.org/rss/cs.XX</link></channel></rss>"""
    with pytest.raises(SourceError, match=r"Feed error for query: cs\.XX"):
        parse_rss(feed_error)
    atom_error = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>Feed error for query: cs.XX</title>
<id>http://rss.arxiv.org/atom/cs.XX</id></feed>"""
    with pytest.raises(SourceError, match=r"^arXiv rejected the feed: Feed error"):
        parse_rss(atom_error)
    with pytest.raises(SourceError, match="HTML page"):
        parse_rss(CAPTCHA)
    with pytest.raises(SourceError, match="malformed XML"):
        parse_rss(b"<rss><channel><item>")


# --- ArxivSource over MockTransport --------------------------------------------------------


def test_day_query() -> None:
    assert day_query(["cs.LG", "cs.AI"], DAY) == (
        "(cat:cs.LG OR cat:cs.AI) AND submittedDate:[202609230000 TO 202609232359]"
    )
    with pytest.raises(SourceError, match="not an arXiv category"):
        day_query(["cs.LG) OR (all:x"], DAY)
    with pytest.raises(SourceError, match="No arXiv categories"):
        day_query([], DAY)


async def test_fetch_day_query_and_featured(fetchers: MakeFetcher) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=fixture_bytes("arxiv_api_2026-09-23_2entries.xml"))

    settings = make_settings(arxiv_categories=["cs.LG", "cs.AI"])
    source = ArxivSource(settings, fetchers(handler, settings))
    batch = await source.fetch_day(DAY)
    assert source.name == "arxiv"
    assert len(calls) == 1
    url = calls[0].url
    assert (url.host, url.path) == ("export.arxiv.org", "/api/query")
    assert dict(url.params) == {
        "search_query": "(cat:cs.LG OR cat:cs.AI) AND submittedDate:[202609230000 TO 202609232359]",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "max_results": "200",
        "start": "0",
    }
    assert [(f.day, f.arxiv_id, f.source_rank) for f in batch.featured] == [
        (DAY, "2609.10001", 1),
        (DAY, "2609.10004", 2),
    ]


async def test_fetch_ids_asks_by_id_list_at_most_five_and_features_nothing(
    fetchers: MakeFetcher,
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=fixture_bytes("arxiv_api_2026-09-23_2entries.xml"))

    source = ArxivSource(make_settings(), fetchers(handler))
    ids = ["2609.10001", "2609.10004", "2609.10001", "2501.1", "2501.2", "2501.3", "2501.4"]
    batch = await source.fetch_ids(ids)
    assert [p.arxiv_id for p in batch.papers] == ["2609.10001", "2609.10004"]
    assert batch.featured == () and batch.source == "arxiv"
    assert dict(calls[0].url.params) == {
        "id_list": "2609.10001,2609.10004,2501.1,2501.2,2501.3",
        "max_results": "5",
        "start": "0",
    }
    assert len((await source.fetch_ids([])).papers) == 0 and len(calls) == 1


async def test_fetch_ids_failure_is_a_source_error(fetchers: MakeFetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=b"no")

    source = ArxivSource(make_settings(http_retries=0), fetchers(handler))
    with pytest.raises(SourceError, match="404"):
        await source.fetch_ids(["2609.10001"])


async def test_fetch_day_pages_on_total_results_and_respects_spacing(
    fetchers: MakeFetcher, clock: FakeClock
) -> None:
    starts: list[int] = []
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["start"])
        starts.append(start)
        times.append(clock.monotonic())
        return httpx.Response(200, content=atom_feed(ids_for(start, min(200, 450 - start)), 450))

    batch = await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert starts == [0, 200, 400]
    assert len(batch.papers) == 450
    assert [f.source_rank for f in batch.featured] == list(range(1, 451))
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))


async def test_fetch_day_caps_at_max_results(fetchers: MakeFetcher) -> None:
    starts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["start"])
        starts.append(start)
        return httpx.Response(200, content=atom_feed(ids_for(start, 200), 9999))

    batch = await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert len(starts) == MAX_RESULTS // PAGE_SIZE
    assert len(batch.papers) == MAX_RESULTS


async def test_fetch_day_asks_again_after_an_empty_page(fetchers: MakeFetcher) -> None:
    bodies = [atom_feed([], 2), atom_feed(ids_for(0, 2), 2)]
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=bodies[min(len(calls) - 1, 1)])

    batch = await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert len(calls) == 2
    assert len(batch.papers) == 2


async def test_fetch_day_no_results_is_empty(fetchers: MakeFetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=atom_feed([], 0))

    batch = await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert batch.papers == () and batch.featured == ()


async def test_http_400_error_feed_raises_its_message(fetchers: MakeFetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=ERROR_FEED)

    with pytest.raises(SourceError) as info:
        await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert str(info.value) == "arXiv rejected the query: max_results must be less than 30000."


@pytest.mark.parametrize(("status", "body"), [(400, b"Bad request"), (404, b"<html></html>")])
async def test_other_error_statuses(fetchers: MakeFetcher, status: int, body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    with pytest.raises(SourceError) as info:
        await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)
    assert str(info.value) == f"arXiv answered {status} for papers submitted on 2026-09-23."


async def test_captcha_page_with_200(fetchers: MakeFetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=CAPTCHA, headers={"Content-Type": "text/html"})

    with pytest.raises(SourceError, match="HTML page instead of a feed"):
        await ArxivSource(make_settings(), fetchers(handler)).fetch_day(DAY)


async def test_fetch_rss(fetchers: MakeFetcher) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=fixture_bytes("arxiv_rss_2026-09-24_3items.xml"))

    settings = make_settings(arxiv_categories=["cs.LG", "cs.AI"])
    batch = await ArxivSource(settings, fetchers(handler, settings)).fetch_rss()
    assert str(calls[0].url) == "https://rss.arxiv.org/rss/cs.LG+cs.AI"
    assert len(batch.papers) == 3
    assert len(batch.featured) == 2

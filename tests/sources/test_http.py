"""The shared HTTP layer: retries, backoff, Retry-After, per-host spacing, headers, secrets."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from bot.ports import SourceError
from bot.sources.hf import HuggingFaceSource
from bot.sources.http import (
    RETRY_AFTER_CAP,
    USER_AGENT,
    Fetcher,
    build_http_client,
    host_label,
    parse_retry_after,
    rate_bucket,
)

from .helpers import FakeClock, make_settings

HF = "https://huggingface.co/api/daily_papers"
ARXIV_API = "https://export.arxiv.org/api/query"
ARXIV_RSS = "https://rss.arxiv.org/rss/cs.LG"

MakeFetcher = Callable[..., Fetcher]


def scripted(
    *steps: int | type[Exception], headers: dict[str, str] | None = None
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A handler answering each request with the next status (or raising the next error)."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        step = steps[min(len(calls), len(steps) - 1)]
        calls.append(request)
        if isinstance(step, type):
            raise step("boom", request=request)  # type: ignore[call-arg]
        return httpx.Response(step, headers=headers or {}, json=[] if step == 200 else None)

    return handler, calls


async def test_user_agent_and_client_settings() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    settings = make_settings(http_timeout=12.5)
    async with build_http_client(settings, transport=httpx.MockTransport(handler)) as client:
        assert client.timeout.read == 12.5
        assert client.timeout.connect == 12.5
        assert client.follow_redirects is True
        await client.get(HF)
    assert re.fullmatch(
        r"paperherald/\S+ \(\+https://github\.com/paperherald/paperherald\)",
        seen[0].headers["User-Agent"],
    )
    assert seen[0].headers["User-Agent"] == USER_AGENT


async def test_429_with_retry_after_seconds_is_honoured(
    fetchers: MakeFetcher, clock: FakeClock
) -> None:
    handler, calls = scripted(429, 200, headers={"Retry-After": "7"})
    response = await fetchers(handler).get(HF)
    assert response.status_code == 200
    assert len(calls) == 2
    assert clock.sleeps == [7.0]


async def test_retry_after_http_date_is_honoured(fetchers: MakeFetcher, clock: FakeClock) -> None:
    when = format_datetime(clock.wall + timedelta(seconds=30), usegmt=True)
    handler, _calls = scripted(503, 200, headers={"Retry-After": when})
    await fetchers(handler).get(HF)
    assert clock.sleeps == [30.0]


async def test_retry_after_is_capped(fetchers: MakeFetcher, clock: FakeClock) -> None:
    handler, _ = scripted(429, 200, headers={"Retry-After": "86400"})
    await fetchers(handler).get(HF)
    assert clock.sleeps == [RETRY_AFTER_CAP]


async def test_5xx_retried_with_exponential_backoff_then_success(
    fetchers: MakeFetcher, clock: FakeClock
) -> None:
    handler, calls = scripted(503, 502, 500, 200)
    response = await fetchers(handler).get(HF)
    assert response.status_code == 200
    assert len(calls) == 4
    # Full jitter with rand() = 0.5: half of 1, 2, 4 seconds.
    assert clock.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError])
async def test_timeouts_and_connection_errors_are_retried(
    fetchers: MakeFetcher, clock: FakeClock, error: type[Exception]
) -> None:
    handler, calls = scripted(error, error, 200)
    response = await fetchers(handler).get(HF)
    assert response.status_code == 200
    assert len(calls) == 3
    assert len(clock.sleeps) == 2


async def test_gives_up_after_retries_with_one_sentence(fetchers: MakeFetcher) -> None:
    handler, calls = scripted(503)
    fetcher = fetchers(handler, make_settings(http_retries=2))
    with pytest.raises(SourceError) as info:
        await fetcher.get(HF)
    assert str(info.value) == "Hugging Face answered 503 three times; try again later."
    assert len(calls) == 3


async def test_gives_up_on_timeouts_naming_the_host(fetchers: MakeFetcher) -> None:
    handler, calls = scripted(httpx.ReadTimeout)
    fetcher = fetchers(handler, make_settings(http_retries=1))
    with pytest.raises(SourceError, match=r"^arXiv \(export\.arxiv\.org\) did not answer in time"):
        await fetcher.get(ARXIV_API)
    assert len(calls) == 2


async def test_gives_up_on_connection_errors(fetchers: MakeFetcher) -> None:
    handler, _ = scripted(httpx.ConnectError)
    with pytest.raises(SourceError, match=r"^Could not reach Hugging Face after 4 attempts"):
        await fetchers(handler).get(HF)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
async def test_4xx_other_than_429_is_not_retried(
    fetchers: MakeFetcher, clock: FakeClock, status: int
) -> None:
    handler, calls = scripted(status)
    response = await fetchers(handler).get(HF)
    assert response.status_code == status
    assert len(calls) == 1
    assert clock.sleeps == []


async def test_zero_retries_means_one_attempt(fetchers: MakeFetcher) -> None:
    handler, calls = scripted(500)
    with pytest.raises(SourceError, match="answered 500 once"):
        await fetchers(handler, make_settings(http_retries=0)).get(HF)
    assert len(calls) == 1


async def test_redirects_are_followed(fetchers: MakeFetcher) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "https://huggingface.co/new"})
        return httpx.Response(200, json=[])

    response = await fetchers(handler).get("https://huggingface.co/old")
    assert response.status_code == 200
    assert response.url.path == "/new"


async def test_arxiv_requests_are_spaced_three_seconds(
    fetchers: MakeFetcher, clock: FakeClock
) -> None:
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        return httpx.Response(200, text="<feed/>")

    fetcher = fetchers(handler)
    await fetcher.get(ARXIV_API)
    await fetcher.get(ARXIV_API)
    # RSS and API share arXiv's one budget.
    await fetcher.get(ARXIV_RSS)
    assert times[1] - times[0] >= 3.0
    assert times[2] - times[1] >= 3.0
    assert clock.sleeps == [3.0, 3.0]


async def test_arxiv_retries_also_respect_the_spacing(
    fetchers: MakeFetcher, clock: FakeClock
) -> None:
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        return httpx.Response(503 if len(times) == 1 else 200)

    await fetchers(handler).get(ARXIV_API)
    assert times[1] - times[0] >= 3.0


async def test_arxiv_is_one_request_at_a_time(fetchers: MakeFetcher, clock: FakeClock) -> None:
    in_flight = 0
    peak = 0
    starts: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        starts.append(clock.monotonic())
        await asyncio.sleep(0)  # give a competing request the chance to overlap
        in_flight -= 1
        return httpx.Response(200, text="<feed/>")

    fetcher = fetchers(handler)
    await asyncio.gather(*(fetcher.get(ARXIV_API) for _ in range(3)))
    assert peak == 1
    assert [b - a for a, b in itertools.pairwise(starts)] == [3.0, 3.0]


async def test_other_hosts_are_not_throttled(fetchers: MakeFetcher, clock: FakeClock) -> None:
    handler, calls = scripted(200)
    fetcher = fetchers(handler)
    for _ in range(3):
        await fetcher.get(HF)
    assert len(calls) == 3
    assert clock.sleeps == []


async def test_hf_token_is_sent_as_bearer_and_never_logged(
    fetchers: MakeFetcher, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "hf_SuperSecretToken123"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json=[])

    settings = make_settings(hf_token=secret)
    source = HuggingFaceSource(settings, fetchers(handler, settings))
    with caplog.at_level(logging.DEBUG):
        batch = await source.fetch_day(datetime(2026, 9, 24, tzinfo=UTC).date())
    assert len(batch) == 0
    assert all(r.headers["Authorization"] == f"Bearer {secret}" for r in seen)
    assert caplog.records, "the retry should have been logged"
    assert secret not in caplog.text
    assert "Authorization" not in caplog.text


async def test_no_authorization_header_without_token(fetchers: MakeFetcher) -> None:
    handler, calls = scripted(200)
    source = HuggingFaceSource(make_settings(), fetchers(handler))
    await source.fetch_day(datetime(2026, 9, 24, tzinfo=UTC).date())
    assert "Authorization" not in calls[0].headers


@pytest.mark.parametrize("url", ["http://[::1/", "relative/path"])
async def test_invalid_url_is_a_source_error(fetchers: MakeFetcher, url: str) -> None:
    handler, calls = scripted(200)
    with pytest.raises(SourceError):
        await fetchers(handler).get(url)
    assert calls == []


def test_parse_retry_after() -> None:
    now = datetime(2026, 9, 24, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(" 2.5 ", now=now) == 2.5
    assert parse_retry_after("-3", now=now) == 0.0
    assert parse_retry_after("999999", now=now) == RETRY_AFTER_CAP
    assert parse_retry_after("Thu, 24 Sep 2026 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Thu, 24 Sep 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("nan", now=now) is None
    assert parse_retry_after(None, now=now) is None
    assert parse_retry_after("", now=now) is None


def test_host_labels_and_buckets() -> None:
    assert host_label("huggingface.co") == "Hugging Face"
    assert host_label("export.arxiv.org") == "arXiv (export.arxiv.org)"
    assert host_label("mirror.example.org") == "mirror.example.org"
    assert rate_bucket("export.arxiv.org") == rate_bucket("rss.arxiv.org") == "arxiv.org"
    assert rate_bucket("huggingface.co") == "huggingface.co"

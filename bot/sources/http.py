"""The shared HTTP layer: one client, retries with backoff, and per-host politeness.

Every upstream request goes through :class:`Fetcher`, so arXiv's "one request every three
seconds, one connection at a time" rule holds across the API, RSS and retries alike.

Two limits guard against a hostile or broken upstream: each attempt has an overall deadline
(httpx's timeout is per read, so a server sending a byte a second would never time out), and
bodies are streamed and abandoned past a size cap instead of being held in memory whole.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata

import httpx

from bot.config import Settings
from bot.ports import SourceError

log = logging.getLogger(__name__)

PROJECT_URL = "https://github.com/paperherald/paperherald"
RETRY_AFTER_CAP = 120.0  # never let a server park a fetch job for longer than this
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
ARXIV_MIN_INTERVAL = 3.0  # arXiv terms of use: one request every three seconds
RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
DEADLINE_FACTOR = 3.0  # a whole request may take this many times PAPERHERALD_HTTP_TIMEOUT
DEFAULT_DEADLINE = 60.0
MB = 1_000_000
DEFAULT_MAX_BODY = 20 * MB
# Headers that describe the body on the wire; the Response handed back holds it decoded.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

_FRIENDLY_HOSTS = {"huggingface.co": "Hugging Face", "hf.co": "Hugging Face"}
_TIMES = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}


def _version() -> str:
    try:
        return metadata.version("paperherald")
    except metadata.PackageNotFoundError:  # running from a bare checkout
        return "0.1.0"


USER_AGENT = f"paperherald/{_version()} (+{PROJECT_URL})"


def build_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one shared client; ``transport`` lets tests serve recorded responses."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.http_timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        transport=transport,
    )


def host_label(host: str) -> str:
    """How a host is named in messages users read: "arXiv (export.arxiv.org)"."""
    host = host.lower()
    if host in _FRIENDLY_HOSTS or host.endswith(".huggingface.co"):
        return "Hugging Face"
    if is_arxiv_host(host):
        return f"arXiv ({host})"
    return host or "the server"


def is_arxiv_host(host: str) -> bool:
    host = host.lower()
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def rate_bucket(host: str) -> str:
    """Hosts that share one rate limit: arXiv's rule covers API, RSS and OAI together."""
    return "arxiv.org" if is_arxiv_host(host) else host.lower()


def default_min_interval(host: str) -> float:
    """Seconds between two requests to ``host``; 0 means unthrottled."""
    return ARXIV_MIN_INTERVAL if is_arxiv_host(host) else 0.0


def request_deadline(settings: Settings) -> float:
    """Seconds one request (one attempt) may take in all, derived from the read timeout."""
    return settings.http_timeout * DEADLINE_FACTOR


def shown_url(url: httpx.URL) -> str:
    """A URL as logged: scheme, host, port and path; no user info, no query."""
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


def times(n: int) -> str:
    return _TIMES.get(n, f"{n} times")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), capped."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # HTTP-dates are GMT by definition
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


Sleep = Callable[[float], Awaitable[object]]


class Fetcher:
    """GET with retries, exponential backoff + full jitter, ``Retry-After`` and host spacing.

    ``sleep``, ``monotonic``, ``now`` and ``rand`` are injectable so tests never wait.
    Statuses that are not retried (2xx, 3xx after redirects, 4xx other than 429) are
    returned to the caller, which knows how to read that upstream's error bodies; their body
    is already read (``response.content``). Each attempt must finish within ``deadline``
    seconds (a timeout, retried like one); a body over ``max_body`` bytes (decoded) is a
    SourceError at once, never retried.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        retries: int = 4,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[], float] = random.random,
        min_interval: Callable[[str], float] = default_min_interval,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.client = client
        self.retries = max(0, retries)
        self._sleep = sleep
        self._monotonic = monotonic
        self._now = now
        self._rand = rand
        self._min_interval = min_interval
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self.deadline = deadline
        self.max_body = max_body
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Fetcher:
        """Retries, deadline and body cap from ``settings``; over ``client`` when given (the
        app's shared one), else a new client."""
        return cls(
            client or build_http_client(settings, transport=transport),
            retries=settings.http_retries,
            sleep=sleep,
            monotonic=monotonic,
            deadline=request_deadline(settings),
            max_body=settings.http_max_body_mb * MB,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def get(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise SourceError(f"{url!r} is not a valid URL.") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise SourceError(f"{url!r} is not an http(s) URL; check the base URL settings.")
        host = parsed.host
        interval = self._min_interval(host)
        if interval <= 0:
            return await self._get_with_retries(url, params, headers, host, 0.0)
        # Throttled hosts get one request at a time, retries included.
        lock = self._locks.setdefault(rate_bucket(host), asyncio.Lock())
        async with lock:
            return await self._get_with_retries(url, params, headers, host, interval)

    async def _get_with_retries(
        self,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        host: str,
        interval: float,
    ) -> httpx.Response:
        attempts = self.retries + 1
        label = host_label(host)
        for attempt in range(1, attempts + 1):
            await self._wait_turn(host, interval)
            retry_after: float | None = None
            try:
                try:
                    async with asyncio.timeout(self.deadline):
                        response = await self._request(url, params, headers, label)
                finally:
                    self._stamp(host, interval)
            except (httpx.TimeoutException, TimeoutError) as exc:
                failure = "timeout"
                if attempt == attempts:
                    raise SourceError(
                        f"{label} did not answer in time, {times(attempts)}; try again later."
                    ) from exc
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                failure = "connection error"
                if attempt == attempts:
                    raise SourceError(
                        f"Could not reach {label} after {attempts} attempt"
                        f"{'s' if attempts > 1 else ''}; check the network or try again later."
                    ) from exc
            except httpx.TooManyRedirects as exc:
                raise SourceError(f"{label} redirected too many times.") from exc
            except httpx.HTTPError as exc:  # unsupported protocol, proxy errors, ...
                raise SourceError(f"Request to {label} failed ({type(exc).__name__}).") from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    log.debug("GET %s%s -> %s", host, response.url.path, response.status_code)
                    return response
                failure = f"status {response.status_code}"
                if attempt == attempts:
                    raise SourceError(
                        f"{label} answered {response.status_code} {times(attempts)}; "
                        "try again later."
                    )
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), now=self._now()
                )
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            # Only host, path and failure kind: URLs here carry no secrets, headers might.
            log.warning(
                "%s: %s on attempt %d/%d; retrying in %.1f s",
                label,
                failure,
                attempt,
                attempts,
                delay,
            )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(
        self,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        label: str,
    ) -> httpx.Response:
        """One GET, its body streamed and read up to ``max_body`` bytes."""
        async with self.client.stream("GET", url, params=params, headers=headers) as response:
            if response.status_code in RETRY_STATUSES:
                return response  # only its status and headers are read
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                raise self._too_large(response, label)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts in full
                size += len(chunk)
                if size > self.max_body:
                    raise self._too_large(response, label)
                chunks.append(chunk)
        return httpx.Response(
            response.status_code,
            headers=[
                (k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS
            ],
            content=b"".join(chunks),
            request=response.request,
            history=response.history,
        )

    def _too_large(self, response: httpx.Response, label: str) -> SourceError:
        limit = f"{self.max_body / MB:g} MB"
        log.warning(
            "%s: the answer from %s is larger than %s; stopped reading it",
            label,
            shown_url(response.url),
            limit,
        )
        return SourceError(
            f"{label} sent an answer larger than {limit}; it was not read "
            "(PAPERHERALD_HTTP_MAX_BODY_MB raises the limit)."
        )

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        return self._rand() * ceiling

    async def _wait_turn(self, host: str, interval: float) -> None:
        if interval <= 0:
            return
        last = self._last.get(rate_bucket(host))
        if last is not None:
            wait = interval - (self._monotonic() - last)
            if wait > 0:
                await self._sleep(wait)

    def _stamp(self, host: str, interval: float) -> None:
        # Stamped when a request ends (not when it starts): the most polite reading of
        # "one request every three seconds", even when arXiv is slow to answer.
        if interval > 0:
            self._last[rate_bucket(host)] = self._monotonic()

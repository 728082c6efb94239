"""``paperherald doctor``: settings, tokens (their shape only), the database, the daily
threads and each service, one line each, worded for the person running the bot.

A token's value is never printed: each check says only whether it is set and looks right.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.cli_output import human_day, human_time
from bot.config import Settings
from bot.models import Delivery, DeliveryStatus, Feed

Mark = bool | None  # True ok, False a problem, None neither (not set, nothing yet)

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_SLACK_KINDS = {
    "xoxb-": "a bot token (xoxb-)",
    "xoxp-": "a user token (xoxp-)",
    "xapp-": "an app-level token (xapp-)",
    "xoxe-": "a refresh token (xoxe-)",
}


@dataclass(frozen=True, slots=True)
class Check:
    ok: Mark
    text: str


def mark_line(check: Check) -> str:
    mark = {True: "ok  ", False: "FAIL", None: "--  "}[check.ok]
    return f"[{mark}] {check.text}"


def discord_token_problem(token: str) -> str | None:
    """None when ``token`` looks like a Discord bot token: three base64url parts separated by
    dots, the first being the bot's numeric id. Otherwise what looks wrong (never the value)."""
    if token.lower().startswith("bot "):
        return 'starts with "Bot "; paste the token alone'
    parts = token.split(".")
    if len(parts) != 3 or not all(_BASE64URL.match(part) for part in parts):
        return "should be three parts of letters, digits, - and _ separated by dots"
    first = parts[0].replace("-", "+").replace("_", "/") + "=" * (-len(parts[0]) % 4)
    try:
        bot_id = base64.b64decode(first, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        bot_id = ""
    if not bot_id.isdigit():
        return "its first part should encode the bot's numeric id"
    return None


def slack_token_problem(token: str, prefix: str) -> str | None:
    """None when ``token`` starts with ``prefix`` (xoxb- or xapp-); else what it looks like."""
    if (
        token.startswith(prefix)
        and len(token) > len(prefix)
        and not any(c.isspace() for c in token)
    ):
        return None
    for other, kind in _SLACK_KINDS.items():
        if token.startswith(other):
            return f"is {kind}, not {_SLACK_KINDS[prefix]}"
    return f"should start with {prefix}"


def _token_check(
    env: str, value: str | None, problem: Callable[[str], str | None], looks: str, where: str
) -> Check:
    if value is None or value == "":
        return Check(None, f"{env} is not set")
    if value != value.strip() or value[:1] in "\"'":
        return Check(False, f"{env} has spaces or quotes around it; {where}")
    wrong = problem(value)
    if wrong:
        return Check(False, f"{env} is set but {wrong}; {where}")
    return Check(True, f"{env} is set and looks like {looks}")


def _secret(settings: Settings, name: str) -> str | None:
    value = getattr(settings, name)
    return None if value is None else str(value.get_secret_value())


def token_checks(settings: Settings) -> list[Check]:
    """One line per secret: set or not, and whether its shape is right."""
    checks = [
        _token_check(
            "DISCORD_TOKEN",
            _secret(settings, "discord_token"),
            discord_token_problem,
            "a Discord bot token",
            "copy it again from the Discord Developer Portal (Bot → Reset Token)",
        ),
        _token_check(
            "SLACK_BOT_TOKEN",
            _secret(settings, "slack_bot_token"),
            lambda t: slack_token_problem(t, "xoxb-"),
            "a Slack bot token (xoxb-)",
            "use the Bot User OAuth Token from OAuth & Permissions",
        ),
        _token_check(
            "SLACK_APP_TOKEN",
            _secret(settings, "slack_app_token"),
            lambda t: slack_token_problem(t, "xapp-"),
            "a Slack app-level token (xapp-)",
            "create one under Basic Information → App-Level Tokens (scope connections:write)",
        ),
    ]
    signing = _secret(settings, "slack_signing_secret")
    checks.append(
        Check(None, "SLACK_SIGNING_SECRET is not set")
        if not signing
        else Check(True, "SLACK_SIGNING_SECRET is set")
    )
    hf = _secret(settings, "hf_token")
    checks.append(
        _token_check(
            "HF_TOKEN",
            hf,
            lambda t: None if t.startswith("hf_") else "should start with hf_",
            "a Hugging Face token",
            "create one at huggingface.co → Settings → Access Tokens",
        )
        if hf
        else Check(None, "HF_TOKEN is not set (optional)")
    )
    if settings.slack_bot_token and "slack" not in settings.platforms:
        checks.append(
            Check(
                False,
                "Slack stays off: beside SLACK_BOT_TOKEN it needs SLACK_APP_TOKEN (Socket Mode) "
                "or SLACK_SIGNING_SECRET (HTTP mode)",
            )
        )
    return checks


def settings_check(settings: Settings) -> Check:
    names = {"discord": "Discord", "slack": "Slack"}
    chats = ", ".join(names.get(p, p) for p in settings.platforms)
    return Check(
        True,
        "Settings loaded; chat platforms: "
        + (chats or "none yet, so `paperherald run` opens the terminal console"),
    )


def fetch_check(last: datetime | None) -> Check:
    if last is None:
        return Check(
            None,
            "No fetch has succeeded yet: run `paperherald fetch`, or start the bot (it fetches "
            "at start)",
        )
    return Check(True, f"Last successful fetch: {human_time(last)}")


_OUTCOMES = {
    DeliveryStatus.DONE: "posted",
    DeliveryStatus.SKIPPED: "not posted (no papers that day)",
    DeliveryStatus.MISSED: "missed (the bot was not running in time)",
    DeliveryStatus.FAILED: "failed",
    DeliveryStatus.CLAIMED: "started but not finished; the bot completes it when it runs",
}


def feed_check(feed: Feed, last: Delivery | None) -> Check:
    where = f"Daily thread in {feed.channel.platform.capitalize()} channel {feed.channel.channel}"
    when = f"{feed.post_time:%H:%M} {feed.timezone}, top {feed.top_n}"
    if feed.topic:
        when += f", topic {feed.topic}"
    state = (
        "on"
        if feed.enabled
        else "off" + (f" ({feed.disabled_reason})" if feed.disabled_reason else "")
    )
    if last is None:
        history = "nothing posted yet"
    else:
        history = f"last post on {human_day(last.day)}: {_OUTCOMES[last.status]}"
        if last.note and last.status in (DeliveryStatus.FAILED, DeliveryStatus.MISSED):
            history += f" ({last.note})"
    return Check(feed.enabled, f"{where}: {state}, {when}; {history}")


def service_targets(settings: Settings, discord_api: str | None) -> list[tuple[str, str, str]]:
    """(service, URL tried, the setting that moves it) for each service in use."""
    targets = [
        (
            "Hugging Face",
            settings.hf_base_url.rstrip("/") + "/api/daily_papers?limit=1",
            "HF_BASE_URL",
        )
    ]
    if "arxiv" in settings.sources:
        targets.append(("arXiv", settings.arxiv_api_url + "?id_list=1706.03762", "ARXIV_API_URL"))
    if discord_api:
        targets.append(("Discord", discord_api + "/gateway", "DISCORD_API_BASE_URL"))
    if settings.slack_bot_token:
        base = (settings.slack_api_base_url or "https://slack.com/api/").rstrip("/")
        targets.append(("Slack", base + "/api.test", "SLACK_API_BASE_URL"))
    return targets


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_failure(exc: BaseException, seconds: float) -> str:
    """An HTTP failure in a few plain words (from the OS error underneath, when there is one)."""
    chain = _chain(exc)
    if any(isinstance(e, httpx.TimeoutException | TimeoutError) for e in chain):
        return f"no answer within {seconds:g} s"
    if any(isinstance(e, httpx.ProxyError) for e in chain):
        return "the proxy refused the connection"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "the host name could not be resolved"
    if any(isinstance(e, httpx.UnsupportedProtocol | httpx.InvalidURL) for e in chain):
        return "not an http(s) URL"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.HTTPError):
        return "the connection failed"
    return f"unexpected error ({type(exc).__name__})"


async def service_checks(
    http: httpx.AsyncClient, targets: Sequence[tuple[str, str, str]], seconds: float = 10.0
) -> list[Check]:
    """One check per target, all at once; each has ``seconds`` in all (httpx's timeout is
    per connect/read, so a server that trickles bytes could hold it longer) and reads only
    the status line and headers, never the body."""
    return list(await asyncio.gather(*(_reach(http, t, seconds) for t in targets)))


async def _reach(http: httpx.AsyncClient, target: tuple[str, str, str], seconds: float) -> Check:
    name, url, setting = target
    try:
        async with asyncio.timeout(seconds):
            async with http.stream("GET", url, timeout=seconds) as resp:
                status = resp.status_code
    except Exception as exc:
        return Check(
            False,
            f"{name} not reachable at {url}: {describe_failure(exc, seconds)}. "
            f"No network? Behind a proxy (HTTPS_PROXY)? Or set {setting}.",
        )
    if status >= 500:
        return Check(False, f"{name} at {url} answered HTTP {status}; try again later")
    return Check(True, f"{name} reachable at {url} (HTTP {status})")

"""Settings, from the environment or a ``.env`` file.

Built once in ``main()`` and passed down; nothing reads configuration at import time.
Platform secrets keep their ecosystems' usual names; everything else is ``PAPERHERALD_*``.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A "#" at the start or after a space: a comment that an env file kept as part of the value.
# python-dotenv (our .env) drops such comments, but systemd's EnvironmentFile and
# `docker run --env-file` keep them.
_COMMENT = re.compile(r"(?:^|\s)#")
COMMENT_HINT = "comments must go on their own line"
_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?")
_URL_FIELDS = {
    "discord_api_base_url": ("http", "https"),
    "discord_gateway_url": ("ws", "wss", "http", "https"),  # the adapter names a wrong scheme
    "slack_api_base_url": ("http", "https"),
    "hf_base_url": ("http", "https"),
    "arxiv_api_url": ("http", "https"),
    "arxiv_rss_url": ("http", "https"),
}


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERHERALD_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `KEY=` (an uncommented example line) means "use the default"
        extra="ignore",
        populate_by_name=True,
    )

    # Platform secrets and endpoints (their ecosystems' names).
    discord_token: SecretStr | None = Field(None, validation_alias=_alias("DISCORD_TOKEN"))
    discord_api_base_url: str | None = Field(None, validation_alias=_alias("DISCORD_API_BASE_URL"))
    discord_gateway_url: str | None = Field(None, validation_alias=_alias("DISCORD_GATEWAY_URL"))
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=_alias("DISCORD_GUILD_IDS")
    )
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_BOT_TOKEN"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_APP_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_alias("SLACK_SIGNING_SECRET")
    )
    slack_api_base_url: str | None = Field(None, validation_alias=_alias("SLACK_API_BASE_URL"))
    hf_token: SecretStr | None = Field(None, validation_alias=_alias("HF_TOKEN"))
    hf_base_url: str = Field("https://huggingface.co", validation_alias=_alias("HF_BASE_URL"))
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query", validation_alias=_alias("ARXIV_API_URL")
    )
    arxiv_rss_url: str = Field(
        "https://rss.arxiv.org/rss", validation_alias=_alias("ARXIV_RSS_URL")
    )

    # Paper Herald's own.
    database: Path = Path("./data/paperherald.db")
    timezone: str = "UTC"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    sources: Annotated[list[Literal["hf", "arxiv"]], NoDecode] = Field(
        default_factory=lambda: ["hf", "arxiv"]  # type: ignore[arg-type]
    )
    arxiv_categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["cs.LG", "cs.AI", "cs.CL", "cs.CV"]
    )
    http_timeout: float = Field(20.0, gt=0, le=300)
    http_retries: int = Field(4, ge=0, le=10)
    http_max_body_mb: int = Field(20, ge=1, le=1024)  # a larger upstream answer is refused

    weight_hf_upvotes: float = 1.0
    weight_votes: float = 1.5
    weight_stars: float = 0.3
    weight_relevance: float = 1.0
    weight_freshness: float = 0.5
    weight_discussion: float = 0.8
    weight_taste: float = 5.0

    fetch_interval_minutes: int = Field(30, ge=5, le=24 * 60)
    fetch_start_hour: int = Field(6, ge=0, le=23)  # UTC; HF fills during the day
    fetch_end_hour: int = Field(23, ge=0, le=23)
    arxiv_fetch_time: time = time(20, 30)  # US Eastern, after the 20:00 announcement
    publish_grace_hours: float = Field(6.0, ge=0, le=48)
    post_now_wait: float = Field(5.0, gt=0, le=120)  # seconds post-now waits for a fetch
    publish_fetch_wait: float = Field(60.0, gt=0, le=3600)  # a scheduled post, likewise
    fetch_deadline: float = Field(600.0, gt=0, le=24 * 3600)  # one source's day, in all
    delivery_lease_seconds: int = Field(120, ge=1, le=3600)
    dm_time: time = time(9, 0)
    command_rate_limit: int = Field(20, ge=1, le=10_000)  # per user per minute
    max_subscriptions: int = Field(25, ge=1, le=500)

    slack_http_port: int = Field(3000, ge=1, le=65535)
    slack_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(None, ge=1, le=65535)

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone like Europe/Berlin") from exc
        return value

    @field_validator("http_host")
    @classmethod
    def _valid_host(cls, value: str) -> str:
        """A host name or an IP address to listen on, checked now: a bad one used to surface
        only as a ``gaierror`` from the socket, naming no setting."""
        host = value.strip()
        bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        try:
            ipaddress.ip_address(bare)
            return bare
        except ValueError:
            pass
        if len(host) <= 253 and _HOST_NAME.fullmatch(host):
            return host
        raise ValueError(f"{value!r} is not a host name or IP address")

    @field_validator(*_URL_FIELDS)
    @classmethod
    def _valid_url(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        url = value.strip()
        schemes = _URL_FIELDS[info.field_name]
        parts = urlsplit(url)
        if parts.scheme.lower() not in schemes or not parts.netloc or re.search(r"\s", url):
            raise ValueError(f"{_redact_url(value)!r} is not a URL like {schemes[0]}s://host/")
        return url

    @field_validator(
        "discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret", "hf_token"
    )
    @classmethod
    def _valid_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Tokens never hold spaces: one is a comment or a second word pasted along.
        The message never shows the value."""
        if value is None:
            return None
        secret = value.get_secret_value().strip()
        if re.search(r"\s", secret):
            hint = COMMENT_HINT if "#" in secret else "paste the token alone"
            raise ValueError(f"the value holds a space ({hint})")
        return SecretStr(secret)

    @field_validator("database")
    @classmethod
    def _no_comment_in_path(cls, value: Path) -> Path:
        if _COMMENT.search(str(value)):
            raise ValueError(f"{str(value)!r} is not a file path ({COMMENT_HINT})")
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case(cls, value: object, info: Any) -> object:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if info.field_name == "log_level" else value.lower()
        return value

    @field_validator("sources", "arxiv_categories", "slack_admins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            if _COMMENT.search(value):
                raise ValueError(f"{value!r} is not a comma-separated list ({COMMENT_HINT})")
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):  # each part is then parsed as a whole number, or named
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def platforms(self) -> list[str]:
        """Adapters whose credentials are set."""
        found = []
        if self.discord_token:
            found.append("discord")
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            found.append("slack")
        return found


_FIELD_ENV = {
    name: (
        str(field.validation_alias.choices[0])
        if isinstance(field.validation_alias, AliasChoices)
        else f"PAPERHERALD_{name.upper()}"
    )
    for name, field in Settings.model_fields.items()
}


def env_name(field_name: str) -> str:
    return str(_FIELD_ENV.get(field_name, f"PAPERHERALD_{field_name.upper()}"))


_SECRET_FIELDS = {
    name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)
}


def _redact_url(value: str) -> str:
    """A URL as it may be shown: user and password (a proxy's, say) replaced by ****."""
    return re.sub(r"(?<=://)[^/@\s]*@", "****@", value)


def _bounds(field_name: str) -> str | None:
    """``must be between 1 and 65535`` from the field's ge/gt/le/lt, or None."""
    field = Settings.model_fields.get(field_name)
    if field is None:
        return None
    found: dict[str, float] = {}
    for item in field.metadata:  # annotated_types.Ge/Gt/Le/Lt, from Field(ge=..., le=...)
        for attr in ("ge", "gt", "le", "lt"):
            if isinstance(getattr(item, attr, None), int | float):
                found[attr] = getattr(item, attr)
    if "ge" in found and "le" in found:
        return f"must be between {found['ge']:g} and {found['le']:g}"
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    parts = [f"{words[k]} {v:g}" for k, v in found.items()]
    return f"must be {' and '.join(parts)}" if parts else None


def describe_error(field_name: str, err: Mapping[str, Any]) -> str:
    """One pydantic error as a short sentence a user can act on, without secrets."""
    kind = err.get("type", "")
    value = err.get("input")
    secret = field_name in _SECRET_FIELDS
    if secret or not isinstance(value, str | int | float):
        shown = "the value"
    else:
        shown = repr(_redact_url(value) if isinstance(value, str) else str(value))
        if len(shown) > 80:
            shown = shown[:77] + "...'"
    ctx = err.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        text = f"{shown} is not a whole number"
    elif kind in ("float_parsing", "float_type"):
        text = f"{shown} is not a number"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        text = f"{shown} is out of range: " + (
            _bounds(field_name) or str(err.get("msg", "")).removeprefix("Input should be ")
        )
    elif kind == "literal_error":
        text = f"{shown} is not one of {ctx.get('expected', '?')}"
    elif kind.startswith("time"):
        text = f"{shown} is not a time like 09:30"
    else:
        text = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if (
        not secret
        and isinstance(value, str)
        and _COMMENT.search(value)
        and COMMENT_HINT not in text
    ):
        text += f" ({COMMENT_HINT})"
    return text


def load_settings(**overrides: object) -> Settings:
    """Build Settings or raise ConfigError with one line naming the variable.

    Values are shown (in quotes) so a stray comment or typo is visible; tokens and secrets
    never are, and a URL's user:password is masked.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc") or ("?",)
        name = str(loc[0])
        field_name = next((f for f, env in _FIELD_ENV.items() if env.lower() == name.lower()), name)
        raise ConfigError(f"{env_name(field_name)}: {describe_error(field_name, err)}") from None


def listen_error(host: str, port: int, exc: OSError, *, port_variable: str) -> ConfigError:
    """A failed bind as one line naming the setting at fault: PAPERHERALD_HTTP_HOST when the
    address does not resolve or is not this machine's (no bare ``gaierror``), else the port."""
    if isinstance(exc, socket.gaierror) or not exc.errno:
        reason = exc.strerror or str(exc) or type(exc).__name__
    else:  # asyncio wraps bind errors in a long sentence; the errno's text is enough
        reason = os.strerror(exc.errno)
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return ConfigError(
            f"PAPERHERALD_HTTP_HOST: cannot listen on {host!r} ({reason}); "
            "use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
        )
    return ConfigError(f"{port_variable}: cannot listen on {host}:{port} ({reason}).")

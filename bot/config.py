"""Settings, from the environment or a ``.env`` file.

Built once in ``main()`` and passed down; nothing reads configuration at import time.
Platform secrets keep their ecosystems' usual names; everything else is ``PAPERHERALD_*``.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERHERALD_",
        env_file=".env",
        env_file_encoding="utf-8",
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

    weight_hf_upvotes: float = 1.0
    weight_votes: float = 1.5
    weight_stars: float = 0.3
    weight_relevance: float = 1.0
    weight_freshness: float = 0.5
    weight_discussion: float = 0.8

    fetch_interval_minutes: int = Field(30, ge=5, le=24 * 60)
    fetch_start_hour: int = Field(6, ge=0, le=23)  # UTC; HF fills during the day
    fetch_end_hour: int = Field(23, ge=0, le=23)
    arxiv_fetch_time: time = time(20, 30)  # US Eastern, after the 20:00 announcement
    publish_grace_hours: float = Field(6.0, ge=0, le=48)
    post_now_wait: float = Field(5.0, gt=0, le=120)  # seconds post-now waits for a fetch
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
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("sources", "arxiv_categories", "slack_admins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
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


def load_settings(**overrides: object) -> Settings:
    """Build Settings or raise ConfigError with one line naming the variable (never its value)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err.get("loc") or ("?",)
        name = str(loc[0])
        field_name = next((f for f, env in _FIELD_ENV.items() if env.lower() == name.lower()), name)
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{env_name(field_name)}: {msg}") from None

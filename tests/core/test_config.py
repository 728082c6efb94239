from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "name, value, expect",
    [
        (
            "PAPERHERALD_TIMEZONE",
            "Mars/Olympus",
            "PAPERHERALD_TIMEZONE: 'Mars/Olympus' is not an IANA time zone like Europe/Berlin",
        ),
        ("PAPERHERALD_HTTP_TIMEOUT", "soon", "PAPERHERALD_HTTP_TIMEOUT: 'soon' is not a number"),
        (
            "PAPERHERALD_HTTP_TIMEOUT",
            "0",
            "PAPERHERALD_HTTP_TIMEOUT: '0' is out of range: must be more than 0 and at most 300",
        ),
        ("DISCORD_GUILD_IDS", "1,abc", "DISCORD_GUILD_IDS: 'abc' is not a whole number"),
        ("PAPERHERALD_LOG_FORMAT", "xml", "PAPERHERALD_LOG_FORMAT: 'xml' is not one of 'text' or"),
        ("PAPERHERALD_SOURCES", "hf,scholar", "PAPERHERALD_SOURCES: 'scholar' is not one of 'hf'"),
        (
            "PAPERHERALD_SLACK_HTTP_PORT",
            "99999",
            "PAPERHERALD_SLACK_HTTP_PORT: '99999' is out of range: must be between 1 and 65535",
        ),
        ("PAPERHERALD_DM_TIME", "9am", "PAPERHERALD_DM_TIME: '9am' is not a time like 09:30"),
        ("PAPERHERALD_HTTP_HOST", "my host", "PAPERHERALD_HTTP_HOST: 'my host' is not a host name"),
        ("PAPERHERALD_HTTP_HOST", "bad_-", "PAPERHERALD_HTTP_HOST: 'bad_-' is not a host name"),
        ("HF_BASE_URL", "huggingface.co", "HF_BASE_URL: 'huggingface.co' is not a URL like https"),
        ("DISCORD_GATEWAY_URL", "gateway", "DISCORD_GATEWAY_URL: 'gateway' is not a URL like wss"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expect: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(expect) and "\n" not in str(info.value)


# What systemd's EnvironmentFile and `docker run --env-file` hand over for `KEY=value  # note`.
@pytest.mark.parametrize(
    "name, value, expect",
    [
        (
            "PAPERHERALD_SLACK_HTTP_PORT",
            "3000   # default 3000",
            "PAPERHERALD_SLACK_HTTP_PORT: '3000   # default 3000' is not a whole number "
            "(comments must go on their own line)",
        ),
        (
            "PAPERHERALD_HTTP_HOST",
            "127.0.0.1      # the Docker image sets 0.0.0.0",
            "PAPERHERALD_HTTP_HOST: '127.0.0.1      # the Docker image sets 0.0.0.0' is not a "
            "host name or IP address (comments must go on their own line)",
        ),
        (
            "DISCORD_GUILD_IDS",
            "123456789012345678 # my server",
            "DISCORD_GUILD_IDS: '123456789012345678 # my server' is not a whole number "
            "(comments must go on their own line)",
        ),
        (
            "PAPERHERALD_TIMEZONE",
            "Europe/Berlin # office",
            "PAPERHERALD_TIMEZONE: 'Europe/Berlin # office' is not an IANA time zone like "
            "Europe/Berlin (comments must go on their own line)",
        ),
        (
            "PAPERHERALD_DATABASE",
            "/var/lib/x.db  # here",
            "PAPERHERALD_DATABASE: '/var/lib/x.db  # here' is not a file path "
            "(comments must go on their own line)",
        ),
        (
            "DISCORD_API_BASE_URL",
            "https://proxy.example/api/v10   # REST",
            "DISCORD_API_BASE_URL: 'https://proxy.example/api/v10   # REST' is not a URL like "
            "https://host/ (comments must go on their own line)",
        ),
        (
            "PAPERHERALD_WEIGHT_VOTES",
            "1.5 # votes",
            "PAPERHERALD_WEIGHT_VOTES: '1.5 # votes' is not a number "
            "(comments must go on their own line)",
        ),
    ],
)
def test_a_comment_after_a_value_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expect: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == expect


def test_a_token_with_a_comment_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value   # the bot token")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "SLACK_BOT_TOKEN: the value holds a space (comments must go on their own line)"
    )


def test_a_proxy_password_in_a_bad_url_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_BASE_URL", "https://me:hunter2@proxy.example/api/ # proxy")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "hunter2" not in str(info.value) and "https://****@proxy.example" in str(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "my-host.lan"])
def test_good_hosts_pass(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("PAPERHERALD_HTTP_HOST", host)
    assert load_settings().http_host == host


def test_an_empty_value_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # An uncommented example line (`PAPERHERALD_HTTP_PORT=`) must not stop start-up.
    for name in ("PAPERHERALD_HTTP_PORT", "HF_BASE_URL", "DISCORD_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.http_port is None and settings.hf_base_url == "https://huggingface.co"
    assert settings.platforms == [] and str(settings.database) == "data/paperherald.db"


def test_log_level_and_format_ignore_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERHERALD_LOG_LEVEL", "info")
    monkeypatch.setenv("PAPERHERALD_LOG_FORMAT", "JSON")
    settings = load_settings()
    assert (settings.log_level, settings.log_format) == ("INFO", "json")


def test_tokens_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token-value")
    monkeypatch.setenv("PAPERHERALD_TIMEZONE", "Nowhere/Land")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "super-secret" not in str(info.value)
    monkeypatch.setenv("PAPERHERALD_TIMEZONE", "UTC")
    settings = load_settings()
    assert "super-secret" not in repr(settings) and settings.platforms == ["discord"]


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "PAPERHERALD_TIMEZONE=Europe/Berlin\nPAPERHERALD_ARXIV_CATEGORIES=cs.LG, stat.ML\n"
    )
    settings = load_settings()
    assert settings.timezone == "Europe/Berlin" and settings.arxiv_categories == [
        "cs.LG",
        "stat.ML",
    ]

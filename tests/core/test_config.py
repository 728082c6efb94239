from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "name, value, expect",
    [
        ("PAPERHERALD_TIMEZONE", "Mars/Olympus", "PAPERHERALD_TIMEZONE: unknown IANA time zone"),
        ("PAPERHERALD_HTTP_TIMEOUT", "soon", "PAPERHERALD_HTTP_TIMEOUT:"),
        ("DISCORD_GUILD_IDS", "1,abc", "DISCORD_GUILD_IDS:"),
        ("PAPERHERALD_LOG_FORMAT", "xml", "PAPERHERALD_LOG_FORMAT:"),
        ("PAPERHERALD_SOURCES", "hf,scholar", "PAPERHERALD_SOURCES:"),
        ("PAPERHERALD_SLACK_HTTP_PORT", "99999", "PAPERHERALD_SLACK_HTTP_PORT:"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expect: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(expect) and "\n" not in str(info.value)


def test_tokens_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token-value")
    monkeypatch.setenv("PAPERHERALD_TIMEZONE", "Nowhere/Land")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "super-secret" not in str(info.value)
    monkeypatch.setenv("PAPERHERALD_TIMEZONE", "UTC")
    settings = load_settings()
    assert "super-secret" not in repr(settings) and settings.platforms == ["discord"]


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text(
        "PAPERHERALD_TIMEZONE=Europe/Berlin\nPAPERHERALD_ARXIV_CATEGORIES=cs.LG, stat.ML\n"
    )
    settings = load_settings()
    assert settings.timezone == "Europe/Berlin" and settings.arxiv_categories == [
        "cs.LG",
        "stat.ML",
    ]

"""Every setting is documented in .env.example, under the name it is read from."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    missing = [env_name(f) for f in Settings.model_fields if f"{env_name(f)}=" not in text]
    assert not missing, f".env.example lacks {missing}"

"""Every env snippet in the docs and .env.example, pasted into an env file, starts.

A snippet is a fenced block of README.md or deploy/*.md made only of ``KEY=value`` lines and
``#`` comment lines; .env.example counts with its ``# KEY=value`` lines uncommented, as a user
fills it in. Each is loaded twice: through the ``.env`` reader (python-dotenv, which would drop
a trailing comment) and the way systemd's EnvironmentFile and ``docker run --env-file`` hand
values over (everything after ``=``, a trailing ``# comment`` included).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.config import COMMENT_HINT, ConfigError, Settings, env_name, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "deploy").glob("*.md"))]
ASSIGN = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
EXAMPLE_ASSIGN = re.compile(r"^# ?([A-Z][A-Z0-9_]*=.*)$")
FENCE = re.compile(r"^(\s*)```")
SETTING_PREFIXES = ("PAPERHERALD_", "DISCORD_", "SLACK_", "HF_", "ARXIV_")

Lines = list[tuple[int, str]]  # (1-based line number in the file, text)


def fenced_blocks(path: Path) -> list[Lines]:
    blocks: list[Lines] = []
    current: Lines | None = None
    indent = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = FENCE.match(line)
        if fence:
            if current is None:
                current, indent = [], fence.group(1)
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append((number, line.removeprefix(indent)))
    return blocks


def is_env_snippet(block: Lines) -> bool:
    lines = [text for _, text in block if text.strip()]
    return any(ASSIGN.match(t) for t in lines) and all(
        ASSIGN.match(t) or t.startswith("#") for t in lines
    )


def snippets() -> dict[str, Lines]:
    found: dict[str, Lines] = {}
    for path in DOCS:
        for block in fenced_blocks(path):
            if is_env_snippet(block):
                found[f"{path.relative_to(ROOT)}:{block[0][0]}"] = block
    example = ROOT / ".env.example"
    lines = example.read_text(encoding="utf-8").splitlines()
    found[".env.example (as shipped)"] = list(enumerate(lines, 1))
    uncommented = [
        (n, m.group(1) if (m := EXAMPLE_ASSIGN.match(t)) else t) for n, t in enumerate(lines, 1)
    ]
    found[".env.example (every line uncommented)"] = uncommented
    return found


SNIPPETS = snippets()


def assignments(block: Lines) -> list[tuple[int, str, str]]:
    """(line, KEY, value) as systemd and ``docker run --env-file`` read them: the raw rest."""
    return [(n, m.group(1), m.group(2)) for n, t in block if (m := ASSIGN.match(t))]


@pytest.fixture(autouse=True)
def no_settings_around(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)


def test_the_snippets_are_found() -> None:
    where = sorted(label.split(":")[0] for label in SNIPPETS)
    assert where.count("deploy/DISCORD.md") >= 3 and where.count("deploy/SLACK.md") >= 2
    for label in (".env.example (as shipped)", ".env.example (every line uncommented)"):
        assert label in SNIPPETS
    every = {key for _, key, _ in assignments(SNIPPETS[".env.example (every line uncommented)"])}
    assert {env_name(f) for f in Settings.model_fields} <= every


@pytest.mark.parametrize("label", sorted(SNIPPETS))
def test_no_value_carries_a_comment(label: str) -> None:
    file = label.split(":")[0].split(" ")[0]
    bad = [
        f"{file} line {n}: {key}={value}"
        for n, key, value in assignments(SNIPPETS[label])
        if re.search(r"(?:^|\s)#", value)
    ]
    assert not bad, f"put the comment on its own line above: {bad}"


@pytest.mark.parametrize("label", sorted(SNIPPETS))
def test_a_snippet_loads_from_an_env_file(label: str, tmp_path: Path) -> None:
    env_file = tmp_path / "snippet.env"
    env_file.write_text("\n".join(text for _, text in SNIPPETS[label]) + "\n", encoding="utf-8")
    try:
        load_settings(_env_file=env_file)
    except ConfigError as exc:
        pytest.fail(f"{label}: {exc}")


@pytest.mark.parametrize("label", sorted(SNIPPETS))
def test_a_snippet_loads_as_systemd_and_docker_pass_it(
    label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _, key, value in assignments(SNIPPETS[label]):
        monkeypatch.setenv(key, value)
    try:
        settings = load_settings(_env_file=None)
    except ConfigError as exc:
        pytest.fail(f"{label}: {exc}")
    for _, key, value in assignments(SNIPPETS[label]):
        if key == "PAPERHERALD_HTTP_HOST" and value:
            assert settings.http_host == value


def example_values() -> dict[str, str]:
    """A valid value for every setting: .env.example's, or a sample where it shows none."""
    values = {
        "DISCORD_TOKEN": "MTMwMDAw.abc.def",
        "DISCORD_GUILD_IDS": "123456789012345678",
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "PAPERHERALD_HTTP_PORT": "8080",
    }
    for _, key, value in assignments(SNIPPETS[".env.example (every line uncommented)"]):
        if value:
            values.setdefault(key, value)
    return values


@pytest.mark.parametrize("name", sorted(env_name(f) for f in Settings.model_fields))
def test_a_trailing_comment_on_any_setting_stops_start_up(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = example_values()[name]
    monkeypatch.setenv(name, value)
    load_settings(_env_file=None)  # the value alone is fine...
    monkeypatch.setenv(name, f"{value}   # a note")
    with pytest.raises(ConfigError) as info:  # ...with a comment after it, it is refused
        load_settings(_env_file=None)
    message = str(info.value)
    assert message.startswith(f"{name}: ") and message.endswith(f"({COMMENT_HINT})")
    assert "\n" not in message

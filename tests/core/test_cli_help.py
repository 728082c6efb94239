"""`paperherald --version`, every subcommand's --help, and options where a user puts them."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import find
from tests.conftest import FIXTURES

SUBCOMMANDS = (
    "run",
    "chat",
    "fetch",
    "import",
    "search",
    "digest",
    "doctor",
    "backup",
    "slack-manifest",
    "discord-invite",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")


def chat_top_range() -> tuple[int, int]:
    command = find(("channel", "setup"))
    assert command is not None
    top = next(o for o in command.options if o.name == "top")
    assert top.min_value is not None and top.max_value is not None
    return top.min_value, top.max_value


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_version_is_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"paperherald {metadata.version('paperherald')}"


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_help_describes_it_and_each_option(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = help_of(capsys, name)
    blocks = out.split("\n\n")
    assert blocks[0].startswith(f"usage: paperherald {name}")
    description = blocks[1]
    assert not description.startswith(("options:", "positional arguments:"))
    assert len(description.split()) >= 6, description  # a sentence, not a label
    # Every option and argument line carries its own explanation (on its line or the next).
    listed = [b for b in blocks if b.startswith(("options:", "positional arguments:"))]
    for block in listed:
        entries = re.split(r"\n  (?=\S)", block)[1:]
        for entry in entries:
            flag, _, explanation = entry.partition("  ")
            if not explanation.strip():
                explanation = entry.partition("\n")[2]
            assert explanation.strip(), f"{name}: {flag.strip()} has no help"


def test_options_say_their_formats_and_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    lo, hi = chat_top_range()
    digest = " ".join(help_of(capsys, "digest").split())
    assert "--date YYYY-MM-DD" in digest
    assert f"--top N how many papers, {lo}–{hi}" in digest
    fetch = " ".join(help_of(capsys, "fetch").split())
    for option in ("--date", "--since", "--until"):
        assert f"{option} YYYY-MM-DD" in fetch
    search = help_of(capsys, "search")
    assert "--limit N" in search and "1–1000" in search
    rows = {line.split()[0] for line in search.splitlines() if re.match(r"  \S", line)}
    syntax = {"prefix*", '"exact', "-word", "author:hinton", "cat:cs.LG", "upvotes>:10"}
    assert syntax <= rows, rows
    assert "diffus*" in search


def test_digest_top_takes_the_range_chat_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lo, hi = chat_top_range()
    db = str(tmp_path / "x.db")
    assert main(["--db", db, "import", str(FIXTURES / "daily_papers_2026-09-24_3items.json")]) == 0
    capsys.readouterr()
    assert main(["--db", db, "digest", "--date", "2026-09-24", "--top", str(hi + 1)]) == 2
    err = capsys.readouterr().err
    assert f"from {lo} to {hi}" in err and "Traceback" not in err
    assert main(["--db", db, "digest", "--date", "2026-09-24", "--top", str(hi), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["--db", db, "digest", "--date", "24.09.2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_db_works_after_the_subcommand_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    files = [str(FIXTURES / "daily_papers_2026-09-24_3items.json")]
    assert main(["import", *files, "--db", db]) == 0
    capsys.readouterr()
    assert main(["search", "diffusion", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["arxiv_id"] == "2609.10001"
    assert main(["--db", db, "search", "diffusion", "--json"]) == 0  # before it, as always
    assert json.loads(capsys.readouterr().out)[0]["arxiv_id"] == "2609.10001"
    assert not (tmp_path / "data").exists()  # the default database was never created


@pytest.mark.parametrize("columns", [80, 60])
def test_help_wraps_to_the_terminal_without_splitting_words(
    columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for argv in ([], ["search"], ["digest"], ["doctor"]):
        out = help_of(capsys, *argv)
        assert all(len(line) <= columns for line in out.splitlines()), out
        flat = " ".join(out.split())
        assert "PAPERHERALD_DATABASE" in flat
    search = " ".join(help_of(capsys, "search").split())
    assert "prefix* words that start with prefix, e.g. diffus*" in search

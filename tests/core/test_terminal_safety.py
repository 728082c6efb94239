"""Paper text is data, never terminal control (issue 18, item 4).

A crafted Hugging Face answer and an arXiv feed carry Rich markup, ESC sequences (window title,
OSC 8 link, OSC 52 clipboard write, clear screen) and C1 controls. The parsers strip the
controls on ingest; the CLI and the console strip them again on output, for databases filled
before. Everything runs through the installed ``paperherald`` script, and its stdout and
stderr bytes are checked.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.models import FeaturedOn, Paper, SourceBatch
from bot.sources.files import parse_bytes, parse_file
from storage.db import Database
from storage.store import Repositories

SCRIPT = Path(sys.executable).parent / "paperherald"
DAY = "2026-09-24"

ESC = "\x1b"
TITLE = f"Bold [/bold] and [red]red[/red] {ESC}]0;PWNED\x07 title {ESC}[2J{ESC}[H end"
ABSTRACT = (
    f"Clipboard {ESC}]52;c;ZXZpbA==\x07 and a {ESC}]8;;http://evil.example{ESC}\\link"
    f"{ESC}]8;;{ESC}\\ and a C1 CSI \x9b31m and NUL\x00 and DEL\x7f end"
)
AUTHORS = ["[link=http://evil.example]Mallory[/link]", f"Eve{ESC}[31m Red"]
# Any C0 control but LF, DEL, or any C1 control, in decoded output.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def crafted_hf(arxiv_id: str = "2609.99999") -> list[dict[str, object]]:
    return [
        {
            "paper": {
                "id": arxiv_id,
                "title": TITLE,
                "summary": ABSTRACT,
                "authors": [{"name": name} for name in AUTHORS],
                "publishedAt": f"{DAY}T00:00:00.000Z",
                "submittedOnDailyAt": f"{DAY}T10:00:00.000Z",
                "upvotes": 5,
                "ai_keywords": [f"key{ESC}[1mword"],
                "githubRepo": f"https://github.com/x/y{ESC}[0m",
            },
            "numComments": 0,
        }
    ]


def run(db: Path, *argv: str, stdin: str | None = None) -> tuple[str, str]:
    """The installed script; no network (HF points at a closed port), no stray settings."""
    assert SCRIPT.exists(), "run `make .venv/.installed` first"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PAPERHERALD_", "SLACK", "DISCORD"))
        },
        "HF_BASE_URL": closed,
        "PAPERHERALD_SOURCES": "hf",
        "PAPERHERALD_HTTP_RETRIES": "0",
        "COLUMNS": "100",
    }
    proc = subprocess.run(
        [str(SCRIPT), "--db", str(db), *argv],
        input=(stdin or "").encode(),
        capture_output=True,
        env=env,
        cwd=db.parent,
        timeout=60,
    )
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, (argv, out, err)
    return out, err


def assert_safe(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not found, f"control characters in the output: {found}\n{text!r}"


def shown(text: str) -> str:
    return " ".join(text.split())  # the CLI wraps lines


def test_the_parsers_strip_controls_on_ingest(tmp_path: Path) -> None:
    path = tmp_path / f"daily_papers_{DAY}.json"
    path.write_text(json.dumps(crafted_hf()))
    (paper,) = parse_file(path).papers
    assert paper.title == "Bold [/bold] and [red]red[/red] ]0;PWNED title [2J[H end"
    assert paper.authors == ("[link=http://evil.example]Mallory[/link]", "Eve[31m Red")
    assert paper.ai_keywords == ("key[1mword",)
    assert paper.github_repo == "https://github.com/x/y[0m"
    for text in (paper.title, paper.abstract, *paper.authors):
        assert_safe(text)
    assert "Clipboard ]52;c;ZXZpbA== and" in paper.abstract

    # XML 1.0 has no C0 controls, but C1 controls are legal characters in it.
    rss = (
        '<?xml version="1.0"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<title>cs.LG updates</title><pubDate>Thu, 24 Sep 2026 00:00:00 -0400</pubDate><item>"
        "<title>A &#x9b;31mred&#x85; title</title><link>https://arxiv.org/abs/2609.00001</link>"
        "<description>arXiv:2609.00001v1 Announce Type: new Abstract: Text&#x9b;2J here"
        "</description><category>cs.LG&#x9c;</category>"
        "<dc:creator>Ann &#x9b;One, Bob Two</dc:creator></item></channel></rss>"
    )
    (item,) = parse_bytes(rss.encode(), "feed.xml").papers
    assert (item.title, item.abstract) == ("A 31mred title", "Text2J here")
    assert item.authors == ("Ann One", "Bob Two") and item.categories == ("cs.LG",)


def test_search_digest_and_chat_show_markup_literally_and_no_control(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    crafted = tmp_path / f"daily_papers_{DAY}.json"
    crafted.write_text(json.dumps(crafted_hf()))
    run(db, "import", str(crafted))

    out, err = run(db, "search", "bold")
    assert_safe(out + err)
    assert "Bold [/bold] and [red]red[/red] ]0;PWNED title [2J[H end" in shown(out)
    assert "[link=http://evil.example]Mallory[/link]" in out

    out, err = run(db, "digest", "--date", DAY)
    assert_safe(out + err)
    assert "[/bold]" in out and "[link=http://evil.example]Mallory[/link]" in out

    out, err = run(db, "search", "[/x]")
    assert_safe(out + err)
    assert "[/x]" in out

    out, err = run(db, "search", "bold", "--json")
    assert_safe(out + err)
    (row,) = json.loads(out)
    assert row["title"] == "Bold [/bold] and [red]red[/red] ]0;PWNED title [2J[H end"

    out, err = run(db, "chat", stdin="/papers search bold\n/papers paper 2609.99999\n")
    assert_safe(out + err)
    assert "[/bold]" in out and "Clipboard ]52;c;ZXZpbA== and" in shown(out)


async def _store_unsanitised(db_path: Path) -> None:
    """What a database filled before the parsers stripped controls holds."""
    db = await Database.open(db_path)
    try:
        store = Repositories(db, FakeClock(datetime(2026, 9, 25, tzinfo=UTC)))
        paper = Paper(
            arxiv_id="2609.88888",
            title=TITLE,
            abstract=ABSTRACT,
            authors=tuple(AUTHORS),
            categories=("cs.LG",),
            published_at=datetime(2026, 9, 24, tzinfo=UTC),
            hf_upvotes=3,
        )
        await store.papers.upsert(
            SourceBatch((paper,), (FeaturedOn(date(2026, 9, 24), paper.arxiv_id, "hf", 1),), "hf")
        )
    finally:
        await db.close()


def test_text_stored_before_the_fix_is_made_safe_on_output(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    asyncio.run(_store_unsanitised(db))
    for argv in (["search", "bold"], ["digest", "--date", DAY]):
        out, err = run(db, *argv)
        assert_safe(out + err)
        assert "Bold [/bold] and [red]red[/red] ]0;PWNED title [2J[H end" in shown(out)

    out, err = run(db, "search", "bold", "--json")
    assert_safe(out + err)
    (row,) = json.loads(out)
    assert row["title"] == TITLE  # JSON keeps the data exact, escaped: \u001b, \u009b
    assert "\\u001b" in out

    out, err = run(db, "chat", stdin="/papers search bold\n/papers paper 2609.88888\n")
    assert_safe(out + err)
    assert "[link=http://evil.example]Mallory[/link]" in out and "C1 CSI 31m" in out


@pytest.mark.parametrize("stream", ["out", "err"])
def test_say_strips_controls_on_both_streams(
    stream: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli_output import say

    say(f"a{ESC}]0;t\x07b\tc\nd\x9be", err=stream == "err")
    captured = capsys.readouterr()
    assert getattr(captured, stream) == "a]0;tb\tc\nde\n"

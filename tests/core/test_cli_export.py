"""`paperherald export LIST FORMAT`: a workspace's lists, from a real SQLite file, written to
stdout or a file whole, and read back by the real parsers."""

from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import bibtexparser
import pytest
import rispy

from bot import exports
from bot.cli import main
from bot.clock import FakeClock
from bot.models import ChannelRef, FeaturedOn, Paper, SourceBatch, UserRef
from storage.db import Database
from storage.store import Repositories

NOW = datetime.now(UTC)  # the command reads the system clock; the data is placed around it
TODAY = NOW.date()
WS = "console:local"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAPERHERALD_DATABASE"):
        monkeypatch.delenv(name, raising=False)


def paper(arxiv_id: str, title: str, upvotes: int, day: date) -> Paper:
    return Paper(
        arxiv_id,
        title,
        f"About {title.lower()}.",
        authors=("Jürgen Müller", "Łukasz Kaiser", "王小明"),
        categories=("cs.LG",),
        published_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
        hf_upvotes=upvotes,
    )


async def _seed(path: Path) -> None:
    """Papers featured yesterday, 20 days ago and 60 days ago; votes and a discussion in
    console:local, and a vote in another workspace that must not count there."""
    yesterday, earlier, old = (
        TODAY - timedelta(days=1),
        TODAY - timedelta(20),
        TODAY - timedelta(60),
    )
    papers = [
        paper("2609.00001", "Fresh and Popular", 50, yesterday),
        paper("2609.00002", "Fresh but Quiet", 5, yesterday),
        paper("2609.00003", "A Month Old Paper", 80, earlier),
        paper("2607.00004", "An Old Favourite with 100% $TeX$ & {braces", 1, old),
    ]
    featured = [
        FeaturedOn(yesterday, "2609.00001", "hf", 1),
        FeaturedOn(yesterday, "2609.00002", "hf", 2),
        FeaturedOn(earlier, "2609.00003", "hf", 1),
        FeaturedOn(old, "2607.00004", "hf", 1),
    ]
    clock = FakeClock(NOW - timedelta(days=40))
    db = await Database.open(path)
    try:
        store = Repositories(db, clock)
        await store.papers.upsert(SourceBatch(tuple(papers), tuple(featured), "hf"))
        alice = UserRef("console", "local", "alice")
        bob = UserRef("console", "local", "bob")
        await store.votes.toggle(alice, "2607.00004")  # 40 days ago
        clock.set(NOW - timedelta(hours=2))
        await store.votes.toggle(alice, "2609.00002")
        await store.votes.toggle(bob, "2609.00002")
        clock.set(NOW - timedelta(hours=1))
        await store.votes.toggle(alice, "2609.00003")
        for n in range(60):  # another workspace loves the old paper
            await store.votes.toggle(UserRef("slack", "T1", f"u{n}"), "2607.00004")
        channel = ChannelRef("console", "local", "general")
        assert await store.discussions.claim(channel, "2609.00003", "bob") is None
        await store.discussions.opened(channel, "2609.00003", "m1", "t1")
        await store.discussions.add_reply("console", "local", "r1", "2609.00003", "bob", NOW)
    finally:
        await db.close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "herald.db"
    asyncio.run(_seed(path))
    return str(path)


def export(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", db, "export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def bibtex_ids(text: str) -> list[str]:
    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]  # re-exported without __all__
    assert not library.failed_blocks
    return [next(f.value for f in e.fields if f.key == "eprint") for e in library.entries]


def test_week_is_the_leaderboard_of_the_past_seven_days(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = export(capsys, db, "week", "bibtex", "--workspace", WS)
    assert (code, err) == (0, "")
    # votes + HF upvotes: 50 + 0 beats 5 + 2; 2609.00003 (80 + 1) was featured 20 days ago
    # but voted on within the week, so the week's leaderboard has it, as /papers top does
    assert bibtex_ids(out) == ["2609.00003", "2609.00001", "2609.00002"]


def test_month_to_a_file_reads_back_as_ris(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "month.ris"
    code, out, err = export(capsys, db, "month", "ris", "--workspace", WS, "-o", str(target))
    assert (code, err) == (0, "")
    assert out == f"Wrote 3 papers (RIS) to {target}\n"
    records = rispy.loads(target.read_text(encoding="utf-8"))
    assert [r["urls"][0].rsplit("/", 1)[1] for r in records] == [
        "2609.00003",
        "2609.00001",
        "2609.00002",
    ]
    assert records[0]["authors"] == ["Müller, Jürgen", "Kaiser, Łukasz", "王小明"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "herald.db",
        "herald.db.search",
        "month.ris",
    ]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_top_is_what_this_workspace_voted_for(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = export(capsys, db, "top", "csl-json", "--workspace", WS)
    assert code == 0
    items = json.loads(out)
    # 81, 7 and 2 (votes + HF upvotes); slack:T1's 60 votes do not count here
    assert [i["number"] for i in items] == ["2609.00003", "2609.00002", "2607.00004"]
    assert items[2]["title"] == "An Old Favourite with 100% $TeX$ & {braces"
    code, out, _ = export(capsys, db, "top", "csl-json", "--workspace", "slack:T1")
    assert [i["number"] for i in json.loads(out)] == ["2607.00004"]


def test_discussed_and_mine(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = export(capsys, db, "discussed", "bibtex", "--workspace", WS)
    assert code == 0 and bibtex_ids(out) == ["2609.00003"]
    code, out, _ = export(capsys, db, "mine", "bibtex", "--workspace", WS, "--user", "alice")
    assert code == 0 and bibtex_ids(out) == ["2609.00003", "2609.00002", "2607.00004"]
    code, out, _ = export(capsys, db, "mine", "bibtex", "--workspace", WS, "--user", "bob")
    assert code == 0 and bibtex_ids(out) == ["2609.00002"]


def test_an_empty_list_is_one_sentence_and_no_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "none.bib"
    code, out, err = export(
        capsys, db, "mine", "bibtex", "--workspace", WS, "--user", "carol", "-o", str(target)
    )
    assert (code, out) == (1, "")
    assert err == (
        "paperherald: User carol has not upvoted a paper here yet, so there is nothing to export.\n"
    )
    assert not target.exists()
    code, out, err = export(capsys, db, "top", "ris", "--workspace", "discord:123")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "nothing to export" in err


def test_an_existing_file_is_kept_unless_forced(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "references.bib"
    target.write_text("% my hand-written bibliography\n")
    target.chmod(0o600)
    code, _, err = export(capsys, db, "week", "bibtex", "--workspace", WS, "-o", str(target))
    assert code == 2 and err == f"paperherald: {target} already exists; add --force to replace it\n"
    assert target.read_text() == "% my hand-written bibliography\n"
    argv = ("week", "bibtex", "--workspace", WS, "-o", str(target), "--force")
    code, _, _ = export(capsys, db, *argv)
    assert code == 0 and bibtex_ids(target.read_text()) == [
        "2609.00003",
        "2609.00001",
        "2609.00002",
    ]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # a replaced file keeps its mode


def test_a_failed_write_leaves_nothing_half_written(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "week.bib"
    target.write_text("old\n")

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    argv = ("week", "bibtex", "--workspace", WS, "-o", str(target), "--force")
    code, out, err = export(capsys, db, *argv)
    assert (code, out) == (1, "")
    assert err == f"paperherald: cannot write {target}: No space left on device\n"
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "herald.db",
        "herald.db.search",
        "week.bib",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("mine", "bibtex", "--workspace", WS), "the list mine needs --user ID"),
        (("week", "bibtex", "--workspace", WS, "--user", "alice"), "--user is only for"),
        (("week", "bibtex", "--workspace", WS, "-o", "no/such/dir/x.bib"), "does not exist"),
        (("week", "bibtex", "--workspace", WS, "-o", "."), "is a folder"),
    ],
)
def test_refused_requests_are_one_sentence(
    db: str, argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = export(capsys, db, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("paperherald: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (("yesterday", "bibtex", "--workspace", WS), exports.LISTS),
        (("week", "endnote", "--workspace", WS), ("bibtex", "ris", "csl-json")),
        (("week", "bibtex", "--workspace", "local"), ("console:local",)),
        (("week", "bibtex", "--workspace", "irc:x"), ("discord", "slack", "console")),
        (("week", "bibtex"), ("--workspace",)),
    ],
)
def test_bad_lists_formats_and_workspaces_are_usage_errors(
    db: str, argv: tuple[str, ...], names: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = export(capsys, db, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("usage: paperherald export")
    assert all(name in err for name in names), err
    assert "Traceback" not in err


def test_a_missing_database_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.db"
    code, out, err = export(capsys, str(missing), "week", "ris", "--workspace", WS)
    assert (code, out) == (2, "")
    assert "does not exist" in err and not missing.exists()


def test_stdout_is_utf8_whatever_the_locale(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")  # PYTHONIOENCODING=ascii
    monkeypatch.setattr(sys, "stdout", ascii_out)
    assert main(["--db", db, "export", "discussed", "ris", "--workspace", WS, "-o", "-"]) == 0
    written = ascii_out.buffer.getvalue().decode("utf-8")
    assert "AU  - 王小明" in written and "TI  - A Month Old Paper" in written


def test_help_names_the_lists_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith("usage: paperherald export")
    for word in (*exports.LISTS, "bibtex", "ris", "csl-json", "--workspace", "--user", "--force"):
        assert word in text
    assert main(["--help"]) == 0
    assert "export" in capsys.readouterr().out


# --- bot.exports against the store, directly ---------------------------------------------


async def test_a_long_list_is_cut_and_says_so(store: Repositories) -> None:
    day = date(2026, 9, 24)
    papers = tuple(paper(f"2609.{i:05d}", f"Paper {i}", i, day) for i in range(5))
    featured = tuple(FeaturedOn(day, p.arxiv_id, "hf", i) for i, p in enumerate(papers))
    await store.papers.upsert(SourceBatch(papers, featured, "hf"))
    found = await exports.collect(store, "week", "console", "local", day, limit=3)
    assert [p.arxiv_id for p in found.papers] == ["2609.00004", "2609.00003", "2609.00002"]
    assert found.truncated
    whole = await exports.collect(store, "week", "console", "local", day, limit=5)
    assert len(whole.papers) == 5 and not whole.truncated
    assert exports.filename("week", "csl-json", day) == "paperherald-week-2026-09-24.json"


async def test_mine_without_a_person_is_refused(store: Repositories) -> None:
    with pytest.raises(exports.ExportUsageError):
        await exports.collect(store, "mine", "console", "local", date(2026, 9, 24))
    with pytest.raises(exports.ExportUsageError):
        exports.render((), "endnote")

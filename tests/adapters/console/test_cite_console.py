"""/papers cite and the Cite button in the console: the BibTeX entry, printed as is."""

from __future__ import annotations

import io
from pathlib import Path

import bibtexparser

from adapters.console.adapter import ConsoleAdapter, run_console
from bot.atomic import write_atomically
from bot.bootstrap import Services
from tests.conftest import fixture_ids


async def test_cite_prints_a_bibtex_entry_that_parses(filled: Services) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    pid = fixture_ids()[0]
    script = (
        f"/papers paper {pid}\n/papers cite {pid}\n/papers cite 2411.9\n/papers cite nonsense\n"
    )
    code = await run_console(filled.dispatcher, adapter, io.StringIO(script))
    text = out.getvalue()
    assert code == 0
    assert f"[Cite → /papers cite {pid}]" in text  # the detail view offers it
    start = text.index("@misc{")
    entry = text[start : text.index("\n}\n", start) + 3]
    (parsed,) = bibtexparser.parse_string(entry).entries  # type: ignore[attr-defined]  # re-exported without __all__
    assert parsed["eprint"] == pid
    assert parsed["archivePrefix"] == "arXiv"
    assert parsed["doi"] == f"10.48550/arXiv.{pid}"
    assert "is not an arXiv id or URL" in text
    assert "Traceback" not in text


async def test_export_writes_the_file_and_prints_its_path(filled: Services, tmp_path: Path) -> None:
    out = io.StringIO()
    folder = tmp_path / "exports"
    folder.mkdir()
    adapter = ConsoleAdapter(out, files_dir=folder, save=write_atomically)
    filled.attach(adapter)
    pid = fixture_ids()[0]
    script = f"/papers export top\n/papers upvote {pid}\n/papers export top\n/papers export top\n"
    await run_console(filled.dispatcher, adapter, io.StringIO(script))
    text = out.getvalue()
    assert "Nobody here has upvoted a paper yet, so there is nothing to export." in text
    files = sorted(folder.iterdir())
    first = folder / "paperherald-top-2026-09-25.bib"
    assert files == [folder / "paperherald-top-2026-09-25-2.bib", first]  # never written over
    assert all(f"Wrote {f}" in text for f in files)
    (entry,) = bibtexparser.parse_string(first.read_text()).entries  # type: ignore[attr-defined]  # re-exported without __all__
    assert entry["eprint"] == pid


async def test_a_console_that_cannot_save_says_so(filled: Services) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    pid = fixture_ids()[0]
    script = f"/papers upvote {pid}\n/papers export top ris\n"
    await run_console(filled.dispatcher, adapter, io.StringIO(script))
    assert "The file could not be saved: this console does not save files." in out.getvalue()

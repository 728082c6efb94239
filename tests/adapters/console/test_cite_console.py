"""/papers cite and the Cite button in the console: the BibTeX entry, printed as is."""

from __future__ import annotations

import io

import bibtexparser

from adapters.console.adapter import ConsoleAdapter, run_console
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
    (parsed,) = bibtexparser.parse_string(entry).entries
    assert parsed["eprint"] == pid
    assert parsed["archivePrefix"] == "arXiv"
    assert parsed["doi"] == f"10.48550/arXiv.{pid}"
    assert "is not an arXiv id or URL" in text
    assert "Traceback" not in text

"""/papers export: a file of the list (parsed back by real parsers), or one sentence."""

from __future__ import annotations

import json

import bibtexparser
import rispy

from bot.bootstrap import Services
from tests.conftest import alice, fixture_ids


async def test_export_attaches_a_file_in_each_format(filled: Services) -> None:
    ids = fixture_ids()[:2]
    for pid in ids:
        await filled.dispatcher.handle_text(alice(), f"/papers upvote {pid}")
    bib = await filled.dispatcher.handle_text(alice(), "/papers export mine bibtex")
    assert bib.attachment is not None and not bib.is_error
    assert bib.attachment.name.startswith("paperherald-mine-") and bib.attachment.name.endswith(
        ".bib"
    )
    assert bib.attachment.media_type == "application/x-bibtex"
    entries = bibtexparser.parse_string(bib.attachment.data.decode()).entries  # type: ignore[attr-defined]  # re-exported without __all__
    assert sorted(e["eprint"] for e in entries) == sorted(ids)
    assert "2 papers of the list mine, as BibTeX." in bib.text
    ris = await filled.dispatcher.handle_text(alice(), "/papers export top ris")
    assert ris.attachment is not None
    assert len(rispy.loads(ris.attachment.data.decode())) == 2
    csl = await filled.dispatcher.handle_text(alice(), "/papers export week csl-json")
    assert csl.attachment is not None and csl.attachment.name.endswith(".json")
    assert {item["number"] for item in json.loads(csl.attachment.data)} >= set(ids)


async def test_an_empty_list_is_one_sentence_and_no_file(filled: Services) -> None:
    for line, said in (
        ("/papers export mine", "You have not upvoted a paper here yet"),
        ("/papers export discussed ris", "No paper has been discussed here yet"),
        ("/papers export top", "Nobody here has upvoted a paper yet"),
    ):
        answer = await filled.dispatcher.handle_text(alice(), line)
        assert answer.attachment is None and answer.is_error and said in answer.text
    bad = await filled.dispatcher.handle_text(alice(), "/papers export yearly")
    assert bad.attachment is None and "must be one of week, month" in bad.text

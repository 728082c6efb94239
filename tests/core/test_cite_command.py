"""/papers cite <id> and the Cite button through the dispatcher: one entry, or one sentence."""

from __future__ import annotations

from dataclasses import replace

import bibtexparser

from bot.actions import CITE, encode
from bot.bootstrap import Services
from bot.handlers.cite import CHAT_ENTRY_MAX
from bot.messages import Actions, Code, PaperCard
from bot.models import SourceBatch
from storage.store import Repositories
from tests.conftest import alice, fixture_ids


async def test_cite_answers_one_bibtex_entry(filled: Services) -> None:
    pid = fixture_ids()[0]
    for answer in (
        await filled.dispatcher.handle_text(alice(), f"/papers cite {pid}"),
        await filled.dispatcher.handle_text(alice(), f"/papers cite 10.48550/arXiv.{pid}"),
        await filled.dispatcher.handle_text(alice(), f"/papers cite https://arxiv.org/abs/{pid}"),
        await filled.dispatcher.handle_action(alice(), encode(CITE, pid)),
    ):
        assert not answer.is_error, answer.text
        (code,) = [b for b in answer.blocks if isinstance(b, Code)]
        assert code.language == "bibtex"
        (entry,) = bibtexparser.parse_string(code.text).entries  # type: ignore[attr-defined]  # re-exported without __all__
        assert entry["eprint"] == pid
        assert answer.ephemeral


async def test_the_detail_view_has_a_cite_button(filled: Services) -> None:
    pid = fixture_ids()[0]
    answer = await filled.dispatcher.handle_text(alice(), f"/papers paper {pid}")
    (card,) = [b for b in answer.blocks if isinstance(b, PaperCard)]
    assert encode(CITE, pid) in [b.action for b in card.buttons]
    listed = await filled.dispatcher.handle_text(alice(), "/papers search diffusion")
    cards = [b for b in listed.blocks if isinstance(b, PaperCard)]
    assert cards and all(not b.action.startswith("cite:") for c in cards for b in c.buttons)
    assert not any(isinstance(b, Actions) and "cite" in str(b) for b in listed.blocks)


async def test_unknown_malformed_and_oversized_ids_get_one_sentence(
    filled: Services, store: Repositories
) -> None:
    for raw, said in (
        ("2411.99999", "I don't have 2411.99999 yet"),
        ("10.1000/xyz", "is not an arXiv id or URL"),
        ("not-an-id", "is not an arXiv id or URL"),
    ):
        answer = await filled.dispatcher.handle_text(alice(), f"/papers cite {raw}")
        assert answer.is_error and said in answer.text
        assert len(answer.text.splitlines()) == 1
    pid = fixture_ids()[0]
    paper = await store.papers.get(pid)
    assert paper is not None
    crowd = tuple(f"Author Number{i}" for i in range(3000))
    await store.papers.upsert(SourceBatch((replace(paper, authors=crowd),)))
    answer = await filled.dispatcher.handle_text(alice(), f"/papers cite {pid}")
    assert answer.is_error and "too long for a chat message" in answer.text
    assert len(answer.text) < CHAT_ENTRY_MAX

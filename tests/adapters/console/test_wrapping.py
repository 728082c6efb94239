"""The console wraps prose to the terminal's width at word boundaries (COLUMNS when piped)."""

from __future__ import annotations

import pytest

from adapters.console.render import render_message
from bot.messages import Message
from bot.models import Paper
from bot.present.papers import paper_card

ABSTRACT = (
    "High-resolution Large Multimodal Models encounter the challenges of excessive visual "
    "tokens and quadratic visual complexity, see https://example.org/a/very/long/path/that/"
    "must/not/break and state-of-the-art self-supervised pre-training."
)


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_abstracts_wrap_to_the_terminal_without_splitting_words(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    paper = Paper("2405.15738", "ConvLLaVA", ABSTRACT, authors=("Chunjiang Ge",))
    card = paper_card(paper, full_abstract=True)
    out = render_message(Message(text="", blocks=(card,)))
    prose = [line for line in out.splitlines() if line.startswith("   ") and "[" not in line]
    prose = [line for line in prose if "arXiv:" not in line and "Chunjiang" not in line]
    assert prose, out
    long_word = "https://example.org/a/very/long/path/that/must/not/break"
    for line in prose:
        assert len(line) <= columns or long_word in line, (columns, line)
    # Every word of the abstract is intact: re-joined lines give the text back.
    assert " ".join(line.strip() for line in prose) == ABSTRACT

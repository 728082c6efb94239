"""Words every message uses: counts, day labels, shortened authors and summaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.models import Paper

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def shorten_authors(authors: Sequence[str], keep: int = 3) -> str:
    if not authors:
        return "Unknown authors"
    if len(authors) <= keep + 1:
        return ", ".join(authors)
    return ", ".join(authors[:keep]) + f" +{len(authors) - keep}"


def first_sentences(text: str, n: int = 1, limit: int = 300) -> str:
    text = " ".join(text.split())
    parts = _SENTENCE_END.split(text)
    out = " ".join(parts[:n])
    if len(out) > limit:
        cut = out[: limit - 1].rsplit(" ", 1)[0]
        out = cut.rstrip(",;:") + "…"
    return out


def one_line_summary(paper: Paper) -> str:
    if paper.ai_summary:
        return first_sentences(paper.ai_summary, n=2)
    return first_sentences(paper.abstract) if paper.abstract else ""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 paper", "3 papers", "1,200 papers"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def top_title(n: int) -> str:
    """ "Top paper" for one, "Top 5 papers" for more."""
    return "Top paper" if n == 1 else f"Top {counted(n, 'paper')}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"

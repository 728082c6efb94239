"""What the ``paperherald`` command prints: ranked lists wrapped to the terminal, one date
format (the chat's "Thu 24 Sep 2026"; ISO in ``--json``), and JSON rows.

Everything goes out through :func:`say` or :func:`json_text`: paper text is data, never
terminal control. Output is plain text (no Rich markup), so ``[/bold]`` in a title is printed
as it is, and control characters are removed (or escaped in JSON) even when a database filled
before the parsers stripped them still holds some.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.models import ScoredPaper
from bot.present.text import counted, day_label, one_line_summary, shorten_authors
from bot.query import ParsedQuery
from bot.sources.text import strip_controls

MIN_WIDTH = 40  # below this, wrapping would leave a word or two a line; let the terminal cope
INDENT = "    "


# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on: DEL and C1.
_JSON_RAW_CONTROLS = re.compile("[\x7f-\x9f]")


def say(text: str = "", *, err: bool = False) -> None:
    """Print ``text`` (one or more lines) without control characters; ``err``: to stderr."""
    print(strip_controls(text), file=sys.stderr if err else sys.stdout)


def json_text(value: Any) -> str:
    """Indented JSON with non-ASCII text kept readable and every control character escaped
    (json.dumps escapes C0 itself), so the data is exact and the terminal is safe."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` when set, 80 when stdout is not a terminal)."""
    return max(MIN_WIDTH, shutil.get_terminal_size(fallback=(80, 24)).columns)


def wrap(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """Lines of at most ``width`` columns, the first after ``indent``, the others after
    ``hang`` (default: ``indent``). Words are never split: a URL longer than the line stays
    whole on a line of its own."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent if hang is None else hang,
        break_long_words=False,
        break_on_hyphens=False,
    )


def human_day(day: date) -> str:
    """The chat's day label with the year: "Thu 24 Sep 2026"."""
    return f"{day_label(day)} {day.year}"


def human_time(when: datetime) -> str:
    """ "Thu 24 Sep 2026 08:12 UTC"."""
    when = when.astimezone(UTC)
    return f"{human_day(when.date())} {when:%H:%M} UTC"


def ranked_text(
    items: Sequence[ScoredPaper], title: str, *, reasons: bool = False, width: int | None = None
) -> str:
    """A ranked list as the chat shows it, for a terminal: title, then per paper its title,
    id and authors, why it ranks (``reasons``), a one-line summary and its links."""
    width = width or terminal_width()
    lines = wrap(title, width)
    if not items:
        return "\n".join([*lines, "Nothing found."])
    for rank, item in enumerate(items, 1):
        p = item.paper
        lines.append("")
        lines += wrap(p.title, width, f"{rank:>2}. ", hang=INDENT)
        lines += wrap(f"{p.arxiv_id} · {shorten_authors(p.authors)}", width, INDENT)
        if reasons and item.reason:
            lines += wrap(item.reason, width, INDENT)
        summary = one_line_summary(p)
        if summary:
            lines += wrap(summary, width, INDENT)
        links = [p.abs_url, *([p.hf_url] if p.hf_url else [])]
        lines += wrap("  ".join(links), width, INDENT)
    return "\n".join(lines)


def search_title(total: int, parsed: ParsedQuery, text: str) -> str:
    return f"{counted(total, 'result')} for {parsed.describe() or text!r}"


def digest_title(day: date, count: int, topic: str | None) -> str:
    title = f"Daily Papers · {human_day(day)} · {counted(count, 'paper')}"
    return title + (f" · topic {topic}" if topic else "")


def search_reason(item: ScoredPaper, parsed: ParsedQuery) -> str:
    """Why a search result is listed, and what its score means."""
    what = repr(parsed.describe())
    if not parsed.has_terms:
        return f"matches {what}; no words to rank by relevance (score 0), newest first"
    if item.score == 0:
        return f"matches {what}; its words are in too many papers to rank by relevance (score 0)"
    return f"matches {what}; score is its text relevance (bm25, higher is better)"


def paper_json(item: ScoredPaper, reason: str | None = None) -> dict[str, Any]:
    """One ``--json`` row. Dates are ISO; a zero score is never written as -0.0."""
    p = item.paper
    return {
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "score": item.score + 0.0,  # -0.0 + 0.0 == +0.0
        "reason": reason or item.reason,
        "authors": list(p.authors),
        "categories": list(p.categories),
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "hf_upvotes": p.hf_upvotes,
        "votes": item.votes,
        "url": p.abs_url,
        "hf_url": p.hf_url,
        "github_repo": p.github_repo,
        "components": {
            c.name: {"value": round(c.value, 4), "weight": c.weight} for c in item.components
        },
    }

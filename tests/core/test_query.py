from __future__ import annotations

from datetime import date

import pytest

from bot.query import parse


def test_filters_are_parsed() -> None:
    q = parse("cat:cs.lg since:2025-01-01 before:2025-06-01 upvotes>:10 agents")
    assert q.categories == ("cs.LG",)
    assert (q.since, q.before, q.min_upvotes) == (date(2025, 1, 1), date(2025, 6, 1), 10)
    assert q.describe() == "agents cat:cs.LG since:2025-01-01 before:2025-06-01 upvotes>:10"


@pytest.mark.parametrize(
    "text, message",
    [
        ("since:2025-13-01", "since: needs a date"),
        ("before:yesterday", "before: needs a date"),
        ("upvotes>:many", "upvotes>: needs a whole number"),
        ("cat:cs.LG)OR(x", "cat: needs an arXiv category"),
        ("since:2025-06-01 before:2025-01-01", "earlier than"),
        # a minus on a filter used to be dropped: "-cat:cs.LG" searched cs.LG only
        ("diffusion -cat:cs.LG", "not cat:; remove the minus"),
        ("diffusion NOT since:2025-01-01", "not since:"),
        ("-upvotes>:10", "not upvotes:"),
    ],
)
def test_invalid_filters_get_one_clear_sentence(text: str, message: str) -> None:
    q = parse(text)
    assert q.error is not None and message in q.error and "\n" not in q.error


def test_junk_is_bounded() -> None:
    q = parse("word " * 5000)
    assert len(q.groups) <= 24
    assert q.notes

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.query import parse


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, authors, abstract, keywords, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        [
            ("Diffusion models for GPT-4 style agents", '["Geoffrey Hinton"]', "state space", "[]"),
            ("C++ kernels for llama 3.1", '["Yann LeCun"]', "fast inference", "[]"),
        ],
    )
    return conn


def run(conn: sqlite3.Connection, text: str) -> list[str]:
    q = parse(text)
    if q.error or not q.has_terms:
        return []
    sql = "SELECT title FROM t WHERE t MATCH ?"
    params = [q.match_expression()]
    if q.exclude_expression():
        sql += " AND rowid NOT IN (SELECT rowid FROM t WHERE t MATCH ?)"
        params.append(q.exclude_expression())
    return [r[0] for r in conn.execute(sql, params)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("diffusion", 1),
        ("gpt-4", 1),
        ("c++", 1),
        ("llama 3.1", 1),
        ('"state space"', 1),
        ("diffus*", 1),
        ("author:hinton", 1),
        ("author:lecun diffusion", 0),
        ("diffusion OR kernels", 2),
        ("-diffusion kernels", 1),
        ("kernels -llama", 0),
        ("AND", 0),
        ('"unclosed', 0),
        ("NOT diffusion kernels", 1),
    ],
)
def test_queries_match_what_a_reader_expects(
    fts: sqlite3.Connection, text: str, expected: int
) -> None:
    assert len(run(fts, text)) == expected


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
    ],
)
def test_invalid_filters_get_one_clear_sentence(text: str, message: str) -> None:
    q = parse(text)
    assert q.error is not None and message in q.error and "\n" not in q.error


def test_junk_is_bounded() -> None:
    q = parse("word " * 5000)
    assert len(q.groups) <= 24
    assert q.notes


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_is_safe_for_fts5(fts: sqlite3.Connection, text: str) -> None:
    """Never raises, and never produces an FTS5 syntax error."""
    run(fts, text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "-",
                "OR",
                "AND",
                "NOT",
                "(",
                ")",
                ":",
                "^",
                "NEAR",
                "author:",
                "cat:",
                "{",
                "}",
                "+",
                "😀",
                "\x00",
                "\u202e",
                "a",
                "b1",
                "é",
            ]
        ),
        max_size=12,
    )
)
def test_fts5_syntax_soup_is_inert(fts: sqlite3.Connection, parts: list[str]) -> None:
    run(fts, " ".join(parts))
    run(fts, "".join(parts))

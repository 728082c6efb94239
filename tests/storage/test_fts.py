"""The FTS5 compiler: whatever a reader types, parsed then compiled, is safe for FTS5 and
matches what the reader expects."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.query import parse
from storage.fts import exclude_expression, match_expression


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
    params = [match_expression(q)]
    if exclude_expression(q):
        sql += " AND rowid NOT IN (SELECT rowid FROM t WHERE t MATCH ?)"
        params.append(exclude_expression(q))
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

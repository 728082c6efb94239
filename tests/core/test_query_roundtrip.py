"""Saved topics are stored as ``describe()`` text and parsed again for every DM run, so the
text must mean what the user typed: ``parse(describe(q)) == q`` (issue 18, item 10)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.query import (
    MAX_PHRASE_WORDS,
    MAX_PREFIXES,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    MIN_PREFIX,
    ParsedQuery,
    Term,
    parse,
    topic_problem,
)

# Printable characters only (parse turns the others into spaces), no quote (it only ever
# marks a phrase): letters of several scripts, digits, punctuation and symbols.
_PRINTABLE = st.characters(
    codec="utf-8", exclude_categories=("C", "Z"), exclude_characters='"'
) | st.sampled_from(list("abcxyzé中ßñ_-.:'*>=+# "))
_WORD_CHARS = st.characters(codec="utf-8", categories=("L", "N")) | st.sampled_from(list("ab_é"))
_OPERATOR_WORDS = st.sampled_from(["OR", "AND", "NOT"])


def _is_word(text: str) -> bool:
    return bool(text) and re.fullmatch(r"\w+", text) is not None


words = st.one_of(st.text(_WORD_CHARS, min_size=1, max_size=12), _OPERATOR_WORDS).filter(_is_word)


@st.composite
def phrases(draw: st.DrawFn) -> str:
    text = " ".join(draw(st.text(_PRINTABLE, min_size=1, max_size=20)).split())
    assume(re.search(r"\w", text) and re.search(r"\W", text))
    return text


@st.composite
def terms(draw: st.DrawFn) -> Term:
    """A term as parse builds it: a word, a prefix (``hin*``) or a phrase (anything with a
    space or punctuation), in the text or only in the authors (``author:``)."""
    column = draw(st.sampled_from([None, "authors"]))
    kind = draw(st.sampled_from(["word", "prefix", "phrase"]))
    if kind == "phrase":
        return Term(draw(phrases()), phrase=True, column=column)
    text = draw(words)
    if kind == "prefix":
        assume(len(text) >= MIN_PREFIX)
    return Term(text, prefix=kind == "prefix", column=column)


_CATEGORY_PART = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"))


@st.composite
def categories(draw: st.DrawFn) -> str:
    archive = draw(_CATEGORY_PART.filter(bool))
    klass = draw(st.none() | _CATEGORY_PART.filter(bool))
    typed = archive if klass is None else f"{archive}.{klass}"
    [normal] = parse(f"cat:{typed}").categories  # cs.lg is stored as cs.LG
    return normal


def within_limits(q: ParsedQuery) -> bool:
    """What parse accepts (issue 17's bounds): few prefixes, short phrases, no term twice
    (parse drops a repeated term), at most MAX_TERMS terms."""
    every = [*(t for g in q.groups for t in g), *q.excluded]
    if sum(t.prefix for t in every) > MAX_PREFIXES or len(every) > MAX_TERMS:
        return False
    if any(t.phrase and len(re.findall(r"\w+", t.text)) > MAX_PHRASE_WORDS for t in every):
        return False
    keys = [(False, t.text.casefold(), t.phrase, t.prefix, t.column) for g in q.groups for t in g]
    keys += [(True, t.text.casefold(), t.phrase, t.prefix, t.column) for t in q.excluded]
    return len(keys) == len(set(keys))


@st.composite
def queries(draw: st.DrawFn) -> ParsedQuery:
    groups = draw(st.lists(st.lists(terms(), min_size=1, max_size=3), max_size=6))
    excluded = draw(st.lists(terms(), max_size=4))
    days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))
    since = draw(st.none() | days)
    before = draw(st.none() | days)
    if since and before:
        assume(since != before)
        since, before = min(since, before), max(since, before)
    q = ParsedQuery(
        groups=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        categories=tuple(dict.fromkeys(draw(st.lists(categories(), max_size=3)))),
        since=since,
        before=before,
        min_upvotes=draw(st.none() | st.integers(0, 999_999_999)),
    )
    assume(not q.is_empty)
    assume(within_limits(q))
    # Longer text is cut by parse; topic_problem refuses to store such a topic.
    assume(len(q.describe()) <= MAX_QUERY_CHARS)
    return q


@settings(
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(queries())
def test_describe_reads_back_as_the_same_query(q: ParsedQuery) -> None:
    assert parse(q.describe()) == q


# Free text as people type it: fragments of the syntax, names with quotes, spaces and
# accents, and arbitrary characters.
_FRAGMENTS = st.sampled_from(
    [
        "author:", "au:", "-", '"', "*", " ", " OR ", "OR", "AND", "NOT", "cat:", "cs.lg",
        "since:2025-01-01", "before:2030-01-01", "upvotes>", "upvotes>:", "upvotes:>", "10",
        "999999999", "yann lecun", "van der", "hin", "O'Brien", "Müller", "李", "diffusion",
        "gpt-4", "c++", "\t", "\x00",
    ]
)  # fmt: skip


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS | st.text(max_size=4), max_size=25).map("".join))
def test_what_people_type_survives_being_stored(text: str) -> None:
    q = parse(text)
    assume(q.error is None and not q.is_empty)
    assume(len(q.describe()) <= MAX_QUERY_CHARS)
    stored = q.describe()
    assert parse(stored) == dataclasses.replace(q, notes=())
    assert parse(stored).describe() == stored


@pytest.mark.parametrize(
    "typed, stored",
    [
        ('author:"yann lecun"', 'author:"yann lecun"'),
        ("author:hin*", "author:hin*"),
        ('-author:"van der" diffusion', 'diffusion -author:"van der"'),
        ('au:"O"Brien', 'author:"O Brien"'),
        ('"OR" diffusion', '"OR" diffusion'),
        ("upvotes>999999999", ""),  # an error, see below
    ],
)
def test_the_reported_topics_keep_their_meaning(typed: str, stored: str) -> None:
    q = parse(typed)
    if not stored:
        assert q.error is not None and "upvotes" in q.error
        return
    assert q.describe() == stored
    assert parse(stored) == q


def test_upvotes_take_ascii_digits_only() -> None:
    assert parse("upvotes>:²").error is not None  # int("²") raised out of parse before
    assert parse("upvotes>:١٢").error is not None


def test_filters_after_the_last_term_are_kept() -> None:
    """24 terms and a category: the category is not dropped when the stored text is read."""
    typed = "cat:cs.LG " + " ".join(f"w{i}" for i in range(MAX_TERMS))
    q = parse(typed)
    assert q.categories == ("cs.LG",) and len(q.groups) == MAX_TERMS
    assert parse(q.describe()) == q
    too_many = parse(typed + " extra")
    assert too_many.notes and len(too_many.groups) == MAX_TERMS


def test_a_topic_too_long_to_store_is_refused() -> None:
    """``au:`` is stored as ``author:``, so a 500-character query can describe longer; such a
    topic would be cut when read back, so it is refused with one sentence."""
    typed = " ".join(f"au:{'x' * 14}{i:02d}" for i in range(MAX_TERMS))
    assert len(typed) <= MAX_QUERY_CHARS
    q = parse(typed)
    assert len(q.describe()) > MAX_QUERY_CHARS
    problem = topic_problem(q, date(2026, 1, 1), example="/papers subscribe")
    assert problem is not None and "long" in problem


# What the previous describe() wrote. It is read as it always was (the same structure as
# before); only an author's phrase or prefix and a quoted OR/AND/NOT were written ambiguously,
# and those read as they did before too (author:yann lecun is author yann and the word lecun).
_OLD_ROWS = [
    ("diffusion", [[Term("diffusion")]], []),
    ('"gaussian splatting" OR nerf', [[Term("gaussian splatting", phrase=True), Term("nerf")]], []),
    ("transform* -survey", [[Term("transform", prefix=True)]], [Term("survey")]),
    ("author:hinton", [[Term("hinton", column="authors")]], []),
    (
        "author:yann lecun -author:smith",
        [[Term("yann", column="authors")], [Term("lecun")]],
        [Term("smith", column="authors")],
    ),
    ('-"gpt-4" agents cat:cs.LG since:2025-01-01 upvotes>:10', [[Term("agents")]], []),
]


@pytest.mark.parametrize("stored, groups, excluded", _OLD_ROWS)
def test_topics_stored_by_the_old_describe_still_read(
    stored: str, groups: list[list[Term]], excluded: list[Term]
) -> None:
    q = parse(stored)
    assert q.error is None
    assert [list(g) for g in q.groups] == groups
    if stored.startswith('-"gpt-4"'):
        assert q.excluded == (Term("gpt-4", phrase=True),)
        assert (q.categories, q.since, q.min_upvotes) == (("cs.LG",), date(2025, 1, 1), 10)
    else:
        assert list(q.excluded) == excluded
    assert parse(q.describe()) == q


def test_dates_round_trip_at_the_edges() -> None:
    q = ParsedQuery(groups=((Term("x"),),), since=date(1, 1, 1), before=date.max)
    assert parse(q.describe()) == q
    q2 = ParsedQuery(groups=((Term("x"),),), since=date.max - timedelta(days=1))
    assert parse(q2.describe()) == q2

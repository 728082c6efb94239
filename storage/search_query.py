"""A parsed query (bot.query) -> a tantivy query, bounded: the tantivy twin of storage/fts.py.

Each term becomes a boosted query per field (bm25 weighted like FTS5's), prefixes expand to
their most frequent completions, filters don't score. The cost of a query is estimated from
its terms' document frequencies (the postings it would walk), and a query past
``POSTINGS_BUDGET`` is refused with QueryTooBroad before it runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import tantivy

from bot.query import MAX_PREFIXES, MAX_TERMS, MIN_PREFIX, ParsedQuery, QueryTooBroad, Term
from storage.search_pairs import PAIRS

TEXT_FIELDS = ("title", "authors", "abstract", "keywords")
PAIRED = ("title", "abstract", "keywords")  # their pairs of common words are indexed too
# bm25 field weights, as FTS5's bm25(papers_fts, 10, 4, 1, 2): title > authors > keywords > abstract
WEIGHTS = {"title": 10.0, "authors": 4.0, "abstract": 1.0, "keywords": 2.0}
PREFIX_EXPANSIONS = 16  # a prefix matches its most frequent completions, per field
POSTINGS_BUDGET = 12_000_000  # estimated postings one query may walk (~100 ms here)

Tokens = Callable[[str], list[str]]  # the index's analyzer: text -> its indexed words
Pairs = Callable[[str], list[str] | None]  # a phrase -> its pairs, if all its words are common


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _phrase_by_pairs(
    schema: tantivy.Schema,
    searcher: tantivy.Searcher,
    field: str,
    pairs: list[str],
    cost: list[int],
) -> tantivy.Query | None:
    """A phrase of common words in ``field``, found through its word pairs
    (storage/search_pairs.py): two words are one pair (its term frequency is the phrase's);
    a longer phrase is a phrase of pairs that cover every word (``a b c d`` = ``a_b`` then
    ``c_d`` two positions later), so only the positions of these rarer pairs are read, never
    those of "of" or "the"."""
    picked = [*range(0, len(pairs), 2)]
    if picked[-1] != len(pairs) - 1:
        picked.append(len(pairs) - 1)
    dfs = [searcher.doc_freq(field + PAIRS, pairs[i]) for i in picked]
    cost[0] += sum(dfs) * (2 if len(picked) > 1 else 1)
    if not all(dfs):
        return None
    if len(picked) == 1:
        return tantivy.Query.term_query(schema, field + PAIRS, pairs[0])
    return tantivy.Query.phrase_query(schema, field + PAIRS, [(i, pairs[i]) for i in picked])


def _term(
    schema: tantivy.Schema,
    tokens: Tokens,
    pairs: Pairs,
    searcher: tantivy.Searcher,
    term: Term,
    cost: list[int],
) -> tantivy.Query | None:
    fields = ("authors",) if term.column == "authors" else TEXT_FIELDS
    words = tokens(term.text)
    if not words:
        return None
    common = pairs(term.text) if len(words) > 1 and not term.prefix else None
    per_field: list[tantivy.Query] = []
    if len(words) == 1 and not term.prefix:
        # FTS5's bm25 counts a word's documents over every column, then weights each
        # column's term frequency; tantivy keeps an IDF per field. Scaling each field's
        # boost by idf(any field) / idf(this field) gives FTS5's ranking (the document
        # count over any field is taken as the largest per-field count).
        n = max(searcher.num_docs, 1)
        dfs = {f: searcher.doc_freq(f, words[0]) for f in fields}
        cost[0] += sum(dfs.values())
        any_idf = _idf(n, max(dfs.values()))
        for field, df in dfs.items():
            if df:
                word = tantivy.Query.term_query(schema, field, words[0])
                boost = WEIGHTS[field] * any_idf / _idf(n, df)
                per_field.append(tantivy.Query.boost_query(word, boost))
        fields = ()  # type: ignore[assignment]
    for field in fields:
        q: tantivy.Query | None
        if term.prefix and len(words) == 1:
            done = searcher.terms_with_prefix(field, words[0], limit=PREFIX_EXPANSIONS)
            done = [(t, c) for t, c in done if c]
            cost[0] += sum(c for _, c in done)
            q = (
                tantivy.Query.boolean_query(
                    [
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.term_query(schema, field, t),
                        )
                        for t, _ in done
                    ]
                )
                if done
                else None
            )
        elif field in PAIRED and common is not None:
            q = _phrase_by_pairs(schema, searcher, field, common, cost)
        else:
            cost[0] += sum(searcher.doc_freq(field, w) for w in words) * 2  # positions
            phrase: list[str | tuple[int, str]] = list(words)
            q = tantivy.Query.phrase_query(schema, field, phrase)
        if q is not None:
            per_field.append(tantivy.Query.boost_query(q, WEIGHTS[field]))
    if not per_field:
        return tantivy.Query.empty_query()
    if len(per_field) == 1:
        return per_field[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_field])


def compile_query(
    schema: tantivy.Schema,
    tokens: Tokens,
    pairs: Pairs,
    searcher: tantivy.Searcher,
    query: ParsedQuery,
) -> tantivy.Query:
    """The tantivy query for ``query`` (positive groups required); raises QueryTooBroad."""
    terms = [t for g in query.groups for t in g] + list(query.excluded)
    prefixes = [t for t in terms if t.prefix]
    # The parser enforces these for typed text; a query built elsewhere is held to them too.
    if (
        len(terms) > MAX_TERMS
        or len(prefixes) > MAX_PREFIXES
        or any(len(t.text) < MIN_PREFIX for t in prefixes)
    ):
        raise QueryTooBroad(f"{len(terms)} terms, {len(prefixes)} prefixes")
    cost = [0]
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for group in query.groups:
        alts = [
            q for t in group if (q := _term(schema, tokens, pairs, searcher, t, cost)) is not None
        ]
        if not alts:
            continue
        inner = (
            alts[0]
            if len(alts) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alts])
        )
        clauses.append((tantivy.Occur.Must, inner))
    if not clauses:
        clauses.append((tantivy.Occur.Must, tantivy.Query.empty_query()))
    for term in query.excluded:
        q = _term(schema, tokens, pairs, searcher, term, cost)
        if q is not None:
            clauses.append((tantivy.Occur.MustNot, q))
    filters: list[tantivy.Query] = []
    for cat in query.categories:
        pattern = re.sub(r"([.\-])", r"\\\1", cat) + ".*"
        filters.append(tantivy.Query.regex_query(schema, "categories", pattern))
    if query.since or query.before:
        lo = int(query.since.strftime("%Y%m%d")) if query.since else None
        hi = int(query.before.strftime("%Y%m%d")) if query.before else None
        filters.append(
            tantivy.Query.range_query(
                schema,
                "published",
                tantivy.FieldType.Integer,
                lower_bound=lo,
                upper_bound=hi,
                include_upper=hi is None,
            )
        )
    if query.min_upvotes is not None:
        filters.append(
            tantivy.Query.range_query(
                schema, "upvotes", tantivy.FieldType.Integer, lower_bound=query.min_upvotes
            )
        )
    for f in filters:  # filters don't score
        clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)))
    if cost[0] > POSTINGS_BUDGET:
        raise QueryTooBroad(f"{cost[0]:,} postings")
    return tantivy.Query.boolean_query(clauses)

"""The subscription fan-out's matching: a day's new papers in a private in-memory FTS5 index,
every topic matched against it (identical topics once), then the filters (category, dates,
upvotes) checked on the few candidate rows. Runs on a worker thread (storage.search)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.query import ParsedQuery
from storage.fts import exclude_expression, match_expression


def match_in_memory(
    docs: list[tuple[Any, ...]], queries: list[tuple[int, ParsedQuery]]
) -> dict[int, list[str]]:
    mem = sqlite3.connect(":memory:")
    try:
        mem.execute(
            "CREATE VIRTUAL TABLE f USING fts5(title, authors, abstract, keywords, "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        mem.executemany(
            "INSERT INTO f(rowid, title, authors, abstract, keywords) VALUES (?, ?, ?, ?, ?)",
            [(d[0], d[2], d[3], d[4], d[5]) for d in docs],
        )
        meta = {d[0]: (d[1], [c.lower() for c in json.loads(d[6])], d[7] or "", d[8]) for d in docs}
        seen: dict[str, list[str]] = {}
        out: dict[int, list[str]] = {}
        for key, query in queries:
            sig = query.describe()
            hit = seen.get(sig)
            if hit is None:
                hit = seen[sig] = _match_one(mem, query, meta)
            if hit:
                out[key] = hit
        return out
    finally:
        mem.close()


def _match_one(
    mem: sqlite3.Connection, query: ParsedQuery, meta: dict[int, tuple[str, list[str], str, int]]
) -> list[str]:
    match, exclude = match_expression(query), exclude_expression(query)
    if match:
        expr = f"({match}) NOT ({exclude})" if exclude else match
        ids = [r[0] for r in mem.execute("SELECT rowid FROM f WHERE f MATCH ?", (expr,))]
    else:
        ids = list(meta)
        if exclude:
            gone = {r[0] for r in mem.execute("SELECT rowid FROM f WHERE f MATCH ?", (exclude,))}
            ids = [i for i in ids if i not in gone]
    since = query.since.isoformat() if query.since else ""
    before = query.before.isoformat() if query.before else ""
    wanted = [c.lower() for c in query.categories]  # as the SQL filter: a prefix, any case
    out = []
    for i in sorted(ids):
        arxiv_id, cats, published, upvotes = meta[i]
        if not all(any(c.startswith(w) for c in cats) for w in wanted):
            continue
        if (since and published < since) or (before and published >= before):
            continue
        if query.min_upvotes is not None and upvotes < query.min_upvotes:
            continue
        out.append(arxiv_id)
    return out

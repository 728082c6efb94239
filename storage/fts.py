"""The query structure (``bot.query.ParsedQuery``) compiled to SQLite FTS5 and SQL filters.

Every term reaches FTS5 as a quoted string, so ``gpt-4``, ``c++``, ``AND``, ``"unclosed``,
``*``, emoji or 10 KB of junk are never read as FTS5 syntax: the parser decides the
structure, and only this module writes FTS5.
"""

from __future__ import annotations

from typing import Any

from bot.query import ParsedQuery, Term


def term_expression(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    if term.prefix:
        quoted += "*"
    return f"{term.column} : {quoted}" if term.column else quoted


def match_expression(query: ParsedQuery) -> str | None:
    """FTS5 expression for the positive terms, or None when there are none."""
    if not query.groups:
        return None
    parts = []
    for group in query.groups:
        inner = " OR ".join(term_expression(t) for t in group)
        parts.append(f"({inner})" if len(group) > 1 else inner)
    return " AND ".join(parts)


def exclude_expression(query: ParsedQuery) -> str | None:
    """FTS5 expression matching any excluded term, or None when nothing is excluded."""
    if not query.excluded:
        return None
    return " OR ".join(term_expression(t) for t in query.excluded)


def filter_conditions(
    query: ParsedQuery, params: list[Any], *, exclusions: bool = True
) -> list[str]:
    """SQL conditions for the filters (and exclusions) of ``query`` (papers alias ``p``);
    their values are appended to ``params``."""
    conds: list[str] = []
    exclude = exclude_expression(query)
    if exclude and exclusions:
        conds.append("p.id NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)")
        params.append(exclude)
    for cat in query.categories:
        conds.append("p.categories LIKE ?")
        params.append(f'%"{cat}%')
    if query.since:
        conds.append("p.published_at >= ?")
        params.append(query.since.isoformat())
    if query.before:
        conds.append("p.published_at < ?")
        params.append(query.before.isoformat())
    if query.min_upvotes is not None:
        conds.append("coalesce(p.hf_upvotes, 0) >= ?")
        params.append(query.min_upvotes)
    return conds

"""SQLite implementations of the core's repository Protocols (``bot.ports``)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.models import (
    ChannelRef,
    Delivery,
    DeliveryStatus,
    EmptyDay,
    Feed,
    Paper,
    SearchHit,
    SourceBatch,
    Subscription,
    UserRef,
)
from bot.ports import DuplicateSubscriptionError, SubscriptionLimitError
from bot.query import COUNT_CAP
from storage.db import Database

if TYPE_CHECKING:
    from bot.query import ParsedQuery

# bm25 column weights: title above authors above keywords above abstract.
BM25 = "bm25(papers_fts, 10.0, 4.0, 1.0, 2.0)"
RANK_WINDOW = 1_000  # above this many matches a query is "broad" (see search())
FILTER_WINDOW = 2_000

_PAPER_COLUMNS = (
    "p.arxiv_id, p.version, p.title, p.abstract, p.authors, p.categories, p.keywords, "
    "p.published_at, p.hf_upvotes, p.hf_comments, p.github_repo, p.github_stars, "
    "p.project_page, p.ai_summary, p.thumbnail"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def paper_from_row(row: aiosqlite.Row | Sequence[Any]) -> Paper:
    return Paper(
        arxiv_id=row[0],
        version=row[1],
        title=row[2],
        abstract=row[3],
        authors=tuple(json.loads(row[4])),
        categories=tuple(json.loads(row[5])),
        ai_keywords=tuple(json.loads(row[6])),
        published_at=_dt(row[7]),
        hf_upvotes=row[8],
        hf_comments=row[9],
        github_repo=row[10],
        github_stars=row[11],
        project_page=row[12],
        ai_summary=row[13],
        thumbnail=row[14],
    )


def _paper_params(p: Paper, now: str) -> tuple[Any, ...]:
    return (
        p.arxiv_id,
        p.version,
        p.title,
        p.abstract,
        json.dumps(list(p.authors), ensure_ascii=False),
        json.dumps(list(p.categories)),
        json.dumps(list(p.ai_keywords), ensure_ascii=False),
        p.published_at.astimezone(UTC).isoformat(timespec="seconds") if p.published_at else None,
        p.hf_upvotes,
        p.hf_comments,
        p.github_repo,
        p.github_stars,
        p.project_page,
        p.ai_summary,
        p.thumbnail,
        now,
        now,
    )


# The newest version wins for text; a source that lacks a field (HF has no categories,
# arXiv has no upvotes) never erases what another source stored.
_STAGE = """CREATE TEMP TABLE IF NOT EXISTS stage_papers (arxiv_id, version, title, abstract,
    authors, categories, keywords, published_at, hf_upvotes, hf_comments, github_repo,
    github_stars, project_page, ai_summary, thumbnail, first_seen_at, updated_at)"""

_UPSERT = """
INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, keywords,
    published_at, hf_upvotes, hf_comments, github_repo, github_stars, project_page,
    ai_summary, thumbnail, first_seen_at, updated_at)
SELECT * FROM temp.stage_papers WHERE true ORDER BY rowid
ON CONFLICT(arxiv_id) DO UPDATE SET
    title = CASE WHEN coalesce(excluded.version, 0) >= coalesce(papers.version, 0)
                 THEN excluded.title ELSE papers.title END,
    abstract = CASE WHEN coalesce(excluded.version, 0) >= coalesce(papers.version, 0)
                         AND excluded.abstract != '' THEN excluded.abstract ELSE papers.abstract END,
    authors = CASE WHEN coalesce(excluded.version, 0) >= coalesce(papers.version, 0)
                        AND excluded.authors != '[]' THEN excluded.authors ELSE papers.authors END,
    version = max(coalesce(excluded.version, 0), coalesce(papers.version, 0)),
    categories = CASE WHEN excluded.categories != '[]' THEN excluded.categories ELSE papers.categories END,
    keywords = CASE WHEN excluded.keywords != '[]' THEN excluded.keywords ELSE papers.keywords END,
    published_at = coalesce(papers.published_at, excluded.published_at),
    hf_upvotes = coalesce(excluded.hf_upvotes, papers.hf_upvotes),
    hf_comments = coalesce(excluded.hf_comments, papers.hf_comments),
    github_repo = coalesce(excluded.github_repo, papers.github_repo),
    github_stars = coalesce(excluded.github_stars, papers.github_stars),
    project_page = coalesce(excluded.project_page, papers.project_page),
    ai_summary = coalesce(excluded.ai_summary, papers.ai_summary),
    thumbnail = coalesce(excluded.thumbnail, papers.thumbnail),
    updated_at = excluded.updated_at
"""


def _match_in_memory(
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
    match, exclude = query.match_expression(), query.exclude_expression()
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


def _where(query: ParsedQuery, params: list[Any], *, exclusions: bool = True) -> list[str]:
    """SQL conditions for the filters (and exclusions) of ``query`` (papers alias ``p``)."""
    conds: list[str] = []
    exclude = query.exclude_expression()
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


class SqlitePaperRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, batch: SourceBatch) -> int:
        """Store a batch as one unit: all of it or, on any error, none of it."""
        now = _now()
        async with self.db.transaction() as conn:
            # Staged, then upserted in ONE statement: FTS5 flushes its buffer at every
            # statement savepoint, so row-by-row trigger inserts ran ~5x slower.
            await conn.execute(_STAGE)
            await conn.execute("DELETE FROM temp.stage_papers")
            await conn.executemany(
                "INSERT INTO temp.stage_papers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?)",
                [_paper_params(p, now) for p in batch.papers],
            )
            await conn.execute(_UPSERT)
            await conn.execute("DELETE FROM temp.stage_papers")
            await conn.executemany(
                "INSERT INTO featured (day, arxiv_id, source, source_rank) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(day, arxiv_id, source) DO UPDATE SET source_rank = excluded.source_rank",
                [(f.day.isoformat(), f.arxiv_id, f.source, f.source_rank) for f in batch.featured],
            )
        return len(batch.papers)

    async def log_fetch(
        self,
        source: str,
        day: date | None,
        started: datetime,
        ok: bool,
        papers: int,
        error: str | None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO fetch_log (source, day, started_at, finished_at, ok, papers, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    source,
                    day.isoformat() if day else None,
                    started.isoformat(timespec="seconds"),
                    _now(),
                    int(ok),
                    papers,
                    error,
                ),
            )

    async def last_fetch(self) -> datetime | None:
        row = await self.db.fetchone("SELECT max(finished_at) FROM fetch_log WHERE ok = 1")
        return _dt(row[0]) if row else None

    async def get(self, arxiv_id: str) -> Paper | None:
        row = await self.db.fetchone(
            f"SELECT {_PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id = ?", (arxiv_id,)
        )
        return paper_from_row(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Paper]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT {_PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id IN ({marks})", ids
        )
        return {r[0]: paper_from_row(r) for r in rows}

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM papers")
        return int(row[0]) if row else 0

    async def search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        within: Sequence[str] | None = None,
    ) -> tuple[list[SearchHit], int, bool]:
        """(page of hits, total, ranked). Counting stops at COUNT_CAP + 1.

        Speed at 1M papers: bm25 first counts, for each query term, every document holding
        it (its IDF), so a common word ("model", in 40% of papers) costs 30–100 ms before any
        ranking. So only queries with at most RANK_WINDOW matches are ranked by bm25. Broad
        ones list papers with the words in the title first, then the rest, newest first
        (``ranked`` is False); with filters they look at their newest FILTER_WINDOW matches.
        Ids are ordered first; paper rows are fetched for the page only.
        """
        match = query.match_expression()
        exclude = query.exclude_expression()
        if match and exclude:
            match = f"({match}) NOT ({exclude})"  # FTS5 NOT: far cheaper than NOT IN (...)
        if match and within is None and not query.has_filters:
            return await self._plain_search(query, match, limit, offset)
        params: list[Any] = []
        ranked = True
        if match:
            floor = 0 if within is not None else await self._window_floor(match, FILTER_WINDOW)
            ranked = floor == 0
            sql_from = "papers_fts JOIN papers p ON p.id = papers_fts.rowid"
            conds = ["papers_fts MATCH ?", "papers_fts.rowid >= ?"]
            params += [match, floor]
            rank, order = (BM25, "r, p.id DESC") if ranked else ("0.0", "p.id DESC")
        else:
            sql_from = "papers p"
            conds = []
            rank = "0.0"
            order = "p.published_at DESC, p.id DESC"
        conds += _where(query, params, exclusions=not match)
        if within is not None:
            conds.append(f"p.arxiv_id IN ({','.join('?' * len(within))})")
            params.extend(within)
        where = " AND ".join(conds) if conds else "1"
        count_row = await self.db.fetchone(
            f"SELECT count(*) FROM (SELECT 1 FROM {sql_from} WHERE {where} LIMIT ?)",
            [*params, COUNT_CAP + 1],
        )
        total = int(count_row[0]) if count_row else 0
        if total == 0 or offset >= total:
            return [], total, ranked
        rows = await self.db.fetchall(
            f"SELECT {_PAPER_COLUMNS}, f.r FROM (SELECT p.id AS id, {rank} AS r FROM {sql_from} "
            f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?) f JOIN papers p ON p.id = f.id "
            f"ORDER BY {order}",
            [*params, limit, offset],
        )
        return [SearchHit(paper=paper_from_row(r), rank=float(r[15])) for r in rows], total, ranked

    async def _window_floor(self, match: str, window: int) -> int:
        """Lowest rowid among the newest ``window`` matches, or 0 when there are fewer."""
        row = await self.db.fetchone(
            "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC "
            "LIMIT 1 OFFSET ?",
            (match, window),
        )
        return int(row[0]) + 1 if row else 0

    async def _plain_search(
        self, query: ParsedQuery, match: str, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, bool]:
        count_row = await self.db.fetchone(
            "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)",
            (match, COUNT_CAP + 1),
        )
        total = int(count_row[0]) if count_row else 0
        if total == 0 or offset >= total:
            return [], total, True
        if total <= RANK_WINDOW:
            rows = await self.db.fetchall(
                f"SELECT {_PAPER_COLUMNS}, f.r FROM (SELECT rowid AS id, {BM25} AS r "
                f"FROM papers_fts WHERE papers_fts MATCH ? ORDER BY r, rowid DESC LIMIT ? "
                f"OFFSET ?) f JOIN papers p ON p.id = f.id ORDER BY f.r, p.id DESC",
                (match, limit, offset),
            )
            return (
                [SearchHit(paper=paper_from_row(r), rank=float(r[15])) for r in rows],
                total,
                True,
            )
        need = offset + limit
        newest = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
        first: list[int] = []
        positive = query.match_expression()
        if positive and "authors :" not in positive:  # a column filter can't nest in another
            title = f"({{title}} : ({positive})) AND ({match})"
            first = [int(r[0]) for r in await self.db.fetchall(newest, (title, need))]
        ids = first
        if len(first) < need:
            seen = set(first)
            rest = await self.db.fetchall(newest, (match, need + len(first)))
            ids = first + [int(r[0]) for r in rest if int(r[0]) not in seen]
        page = ids[offset:need]
        if not page:
            return [], total, False
        rows = await self.db.fetchall(
            f"SELECT {_PAPER_COLUMNS}, p.id FROM papers p WHERE p.id IN "
            f"({','.join('?' * len(page))})",
            page,
        )
        by_id = {int(r[15]): r for r in rows}
        hits = [SearchHit(paper=paper_from_row(by_id[i]), rank=0.0) for i in page if i in by_id]
        return hits, total, False

    async def matching_ids(self, query: ParsedQuery, within: Sequence[str]) -> list[str]:
        """Which of ``within`` match ``query`` (FTS5 does the matching, not Python)."""
        if not within:
            return []
        hits, _, _ = await self.search(query, limit=len(within), within=within)
        return [h.paper.arxiv_id for h in hits]

    async def match_many(
        self, queries: Sequence[tuple[int, ParsedQuery]], within: Sequence[str]
    ) -> dict[int, list[str]]:
        """For each (key, query), which of ``within`` match. Subscription fan-out: the new
        papers (a few hundred) go into a private in-memory FTS5 index, built and queried on a
        worker thread, so 100k queries take seconds and never hold the database's write lock.
        FTS5 does the word matching; the filters (category, dates, upvotes) are then checked
        on those few candidate rows. Identical topics are matched once."""
        if not within or not queries:
            return {}
        rows = await self.db.fetchall(
            "SELECT id, arxiv_id, title, authors, abstract, keywords, categories, published_at, "
            f"coalesce(hf_upvotes, 0) FROM papers WHERE arxiv_id IN ({','.join('?' * len(within))})",
            list(within),
        )
        docs = [tuple(r) for r in rows]
        return await asyncio.to_thread(_match_in_memory, docs, list(queries))

    async def relevance(self, query: ParsedQuery, arxiv_ids: Sequence[str]) -> dict[str, float]:
        """bm25 of ``query`` for each matching id (lower is better, as in SQLite)."""
        if not arxiv_ids:
            return {}
        hits, _, _ = await self.search(query, limit=len(arxiv_ids), within=arxiv_ids)
        return {h.paper.arxiv_id: h.rank for h in hits}

    async def featured_on(self, day: date) -> list[Paper]:
        rows = await self.db.fetchall(
            f"SELECT {_PAPER_COLUMNS}, min(f.source_rank) AS r FROM featured f "
            f"JOIN papers p ON p.arxiv_id = f.arxiv_id WHERE f.day = ? "
            f"GROUP BY p.arxiv_id ORDER BY r, p.arxiv_id",
            (day.isoformat(),),
        )
        return [paper_from_row(r) for r in rows]

    async def featured_between(self, since: date, until: date) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT arxiv_id FROM featured WHERE day >= ? AND day <= ?",
            (since.isoformat(), until.isoformat()),
        )
        return [r[0] for r in rows]

    async def days_with_papers(self, limit: int = 1) -> list[date]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT day FROM featured ORDER BY day DESC LIMIT ?", (limit,)
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def recent(self, prefix: str, limit: int) -> list[Paper]:
        """Recently featured papers whose id or title starts with ``prefix`` (autocomplete)."""
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            f"SELECT {_PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id LIKE ? ESCAPE '\\' "
            f"OR p.title LIKE ? ESCAPE '\\' ORDER BY p.id DESC LIMIT ?",
            (like, like, limit),
        )
        return [paper_from_row(r) for r in rows]

    async def save_query(self, key: str, query: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO saved_queries (key, query, created_at) VALUES (?, ?, ?)",
                (key, query, _now()),
            )

    async def saved_query(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT query FROM saved_queries WHERE key = ?", (key,))
        return str(row[0]) if row else None


class SqliteVoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def toggle(
        self, user: UserRef, arxiv_id: str, at: datetime | None = None
    ) -> tuple[bool, int]:
        """Flip the caller's vote; returns (voted now, count). One transaction, so two
        concurrent clicks serialise and the primary key forbids a second row."""
        key = (user.platform, user.workspace, user.user_id, arxiv_id)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM votes WHERE platform = ? AND workspace = ? AND user_id = ? "
                "AND arxiv_id = ?",
                key,
            )
            voted = cur.rowcount == 0
            if voted:
                await conn.execute(
                    "INSERT INTO votes (platform, workspace, user_id, arxiv_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (*key, (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")),
                )
            async with conn.execute(
                "SELECT count(*) FROM votes WHERE platform = ? AND workspace = ? AND arxiv_id = ?",
                (user.platform, user.workspace, arxiv_id),
            ) as c:
                row = await c.fetchone()
        return voted, int(row[0]) if row else 0

    async def counts(self, platform: str, workspace: str, ids: Sequence[str]) -> dict[str, int]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT arxiv_id, count(*) FROM votes WHERE platform = ? AND workspace = ? "
            f"AND arxiv_id IN ({marks}) GROUP BY arxiv_id",
            [platform, workspace, *ids],
        )
        return {r[0]: int(r[1]) for r in rows}

    async def has_voted(self, user: UserRef, arxiv_id: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM votes WHERE platform = ? AND workspace = ? AND user_id = ? "
            "AND arxiv_id = ?",
            (user.platform, user.workspace, user.user_id, arxiv_id),
        )
        return row is not None

    async def leaderboard(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int]]:
        """Papers featured or voted on in [since, until], by local votes + HF upvotes."""
        params = (
            platform,
            workspace,
            since.isoformat(),
            until.isoformat() + "T99",
            since.isoformat(),
            until.isoformat(),
            limit,
        )
        rows = await self.db.fetchall(
            f"""
            WITH v AS (
                SELECT arxiv_id, count(*) AS n FROM votes
                WHERE platform = ? AND workspace = ? AND created_at >= ? AND created_at < ?
                GROUP BY arxiv_id
            ),
            c AS (
                SELECT arxiv_id FROM featured WHERE day >= ? AND day <= ?
                UNION SELECT arxiv_id FROM v
            )
            SELECT {_PAPER_COLUMNS}, coalesce(v.n, 0) AS votes
            FROM c JOIN papers p ON p.arxiv_id = c.arxiv_id
            LEFT JOIN v ON v.arxiv_id = c.arxiv_id
            ORDER BY coalesce(v.n, 0) + coalesce(p.hf_upvotes, 0) DESC, votes DESC, p.arxiv_id DESC
            LIMIT ?
            """,
            params,
        )
        return [(paper_from_row(r), int(r[15])) for r in rows]


def _sub_from_row(r: aiosqlite.Row) -> Subscription:
    return Subscription(
        id=r["id"],
        user=UserRef(r["platform"], r["workspace"], r["user_id"], r["display_name"]),
        query=r["query"],
        paused=bool(r["paused"]),
        paused_reason=r["paused_reason"],
        created_at=_dt(r["created_at"]),
    )


class SqliteSubscriptionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, sub: Subscription, *, max_per_user: int) -> Subscription:
        u = sub.user
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT count(*) FROM subscriptions WHERE platform = ? AND workspace = ? "
                "AND user_id = ?",
                (u.platform, u.workspace, u.user_id),
            ) as cur:
                row = await cur.fetchone()
            if row and int(row[0]) >= max_per_user:
                raise SubscriptionLimitError
            cur2 = await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (platform, workspace, user_id, display_name, "
                "query, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (u.platform, u.workspace, u.user_id, u.display_name, sub.query, _now()),
            )
            if cur2.rowcount == 0:
                raise DuplicateSubscriptionError
            new_id = cur2.lastrowid
        return Subscription(user=u, query=sub.query, id=new_id)

    async def list_for(self, user: UserRef) -> list[Subscription]:
        rows = await self.db.fetchall(
            "SELECT * FROM subscriptions WHERE platform = ? AND workspace = ? AND user_id = ? "
            "ORDER BY id",
            (user.platform, user.workspace, user.user_id),
        )
        return [_sub_from_row(r) for r in rows]

    async def remove(self, user: UserRef, which: str) -> int:
        """Remove by topic text, by id (``3`` or ``#3``) or ``all``; returns how many."""
        base = "DELETE FROM subscriptions WHERE platform = ? AND workspace = ? AND user_id = ?"
        key: tuple[Any, ...] = (user.platform, user.workspace, user.user_id)
        async with self.db.transaction() as conn:
            if which == "all":
                cur = await conn.execute(base, key)
            elif which.lstrip("#").isdigit() and len(which) < 12:
                cur = await conn.execute(base + " AND id = ?", (*key, int(which.lstrip("#"))))
            else:
                cur = await conn.execute(base + " AND query = ?", (*key, which))
            return int(cur.rowcount)

    async def all_active(self) -> list[Subscription]:
        rows = await self.db.fetchall("SELECT * FROM subscriptions WHERE paused = 0 ORDER BY id")
        return [_sub_from_row(r) for r in rows]

    async def pause_user(self, user: UserRef, reason: str) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE subscriptions SET paused = 1, paused_reason = ? WHERE platform = ? "
                "AND workspace = ? AND user_id = ? AND paused = 0",
                (reason, user.platform, user.workspace, user.user_id),
            )
            await conn.execute(
                "INSERT OR REPLACE INTO user_notices (platform, workspace, user_id, notice, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (user.platform, user.workspace, user.user_id, reason, _now()),
            )
            return int(cur.rowcount)

    async def resume_user(self, user: UserRef) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE subscriptions SET paused = 0, paused_reason = NULL WHERE platform = ? "
                "AND workspace = ? AND user_id = ? AND paused = 1",
                (user.platform, user.workspace, user.user_id),
            )
            return int(cur.rowcount)

    async def pop_notice(self, user: UserRef) -> str | None:
        key = (user.platform, user.workspace, user.user_id)
        row = await self.db.fetchone(
            "SELECT notice FROM user_notices WHERE platform = ? AND workspace = ? AND user_id = ?",
            key,
        )
        if row is None:
            return None
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM user_notices WHERE platform = ? AND workspace = ? AND user_id = ?", key
            )
        return str(row[0])


class SqliteNotificationRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def unsent(self, sub_id: int, arxiv_ids: Sequence[str]) -> list[str]:
        if not arxiv_ids:
            return []
        marks = ",".join("?" * len(arxiv_ids))
        rows = await self.db.fetchall(
            f"SELECT arxiv_id FROM notifications WHERE subscription_id = ? "
            f"AND arxiv_id IN ({marks})",
            [sub_id, *arxiv_ids],
        )
        sent = {r[0] for r in rows}
        return [a for a in arxiv_ids if a not in sent]

    async def mark_sent(self, pairs: Sequence[tuple[int, str]]) -> None:
        now = _now()
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO notifications (subscription_id, arxiv_id, sent_at) "
                "VALUES (?, ?, ?)",
                [(s, a, now) for s, a in pairs],
            )

    async def dm_sent_on(self, user: UserRef, day: date) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM dm_digests WHERE platform = ? AND workspace = ? AND user_id = ? "
            "AND day = ?",
            (user.platform, user.workspace, user.user_id, day.isoformat()),
        )
        return row is not None

    async def dm_users_on(self, day: date) -> set[tuple[str, str, str]]:
        rows = await self.db.fetchall(
            "SELECT platform, workspace, user_id FROM dm_digests WHERE day = ?", (day.isoformat(),)
        )
        return {(r[0], r[1], r[2]) for r in rows}

    async def sent_pairs(self, sub_ids: Sequence[int]) -> set[tuple[int, str]]:
        """(subscription, paper) pairs already sent, for these subscriptions."""
        out: set[tuple[int, str]] = set()
        for start in range(0, len(sub_ids), 900):  # stay under SQLite's parameter limit
            chunk = list(sub_ids[start : start + 900])
            rows = await self.db.fetchall(
                "SELECT subscription_id, arxiv_id FROM notifications WHERE subscription_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update((int(r[0]), str(r[1])) for r in rows)
        return out

    async def record_dm(self, user: UserRef, day: date, pairs: Sequence[tuple[int, str]]) -> None:
        now = _now()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO dm_digests (platform, workspace, user_id, day, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user.platform, user.workspace, user.user_id, day.isoformat(), now),
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO notifications (subscription_id, arxiv_id, sent_at) "
                "VALUES (?, ?, ?)",
                [(s, a, now) for s, a in pairs],
            )


def _feed_from_row(r: aiosqlite.Row) -> Feed:
    hh, mm = r["post_time"].split(":")
    return Feed(
        id=r["id"],
        channel=ChannelRef(r["platform"], r["workspace"], r["channel"]),
        post_time=time(int(hh), int(mm)),
        timezone=r["timezone"],
        top_n=r["top_n"],
        topic=r["topic"],
        weekdays=frozenset(int(c) for c in r["weekdays"]),
        empty_day=EmptyDay(r["empty_day"]),
        created_by=r["created_by"],
        enabled=bool(r["enabled"]),
        disabled_reason=r["disabled_reason"],
    )


class SqliteFeedRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, feed: Feed) -> Feed:
        c = feed.channel
        now = _now()
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO feeds (platform, workspace, channel, post_time, timezone, top_n,
                       topic, weekdays, empty_day, created_by, enabled, disabled_reason,
                       created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)
                   ON CONFLICT(platform, workspace, channel) DO UPDATE SET
                       post_time = excluded.post_time, timezone = excluded.timezone,
                       top_n = excluded.top_n, topic = excluded.topic,
                       weekdays = excluded.weekdays, empty_day = excluded.empty_day,
                       created_by = excluded.created_by, enabled = 1, disabled_reason = NULL,
                       updated_at = excluded.updated_at""",
                (
                    c.platform,
                    c.workspace,
                    c.channel,
                    feed.post_time.strftime("%H:%M"),
                    feed.timezone,
                    feed.top_n,
                    feed.topic,
                    "".join(str(d) for d in sorted(feed.weekdays)),
                    feed.empty_day.value,
                    feed.created_by,
                    now,
                    now,
                ),
            )
        stored = await self.get(c)
        assert stored is not None
        return stored

    async def get(self, channel: ChannelRef) -> Feed | None:
        row = await self.db.fetchone(
            "SELECT * FROM feeds WHERE platform = ? AND workspace = ? AND channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        return _feed_from_row(row) if row else None

    async def get_by_id(self, feed_id: int) -> Feed | None:
        row = await self.db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return _feed_from_row(row) if row else None

    async def disable(self, feed_id: int, reason: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?",
                (reason, _now(), feed_id),
            )

    async def enabled_since(self, feed_id: int) -> datetime | None:
        """When an enabled feed was last set up (every change goes through upsert or
        disable, which stamp ``updated_at``); None for an unknown or disabled feed."""
        row = await self.db.fetchone(
            "SELECT updated_at FROM feeds WHERE id = ? AND enabled = 1", (feed_id,)
        )
        return _dt(row[0]) if row else None

    async def enabled(self) -> list[Feed]:
        rows = await self.db.fetchall("SELECT * FROM feeds WHERE enabled = 1 ORDER BY id")
        return [_feed_from_row(r) for r in rows]

    async def all(self) -> list[Feed]:
        rows = await self.db.fetchall("SELECT * FROM feeds ORDER BY id")
        return [_feed_from_row(r) for r in rows]


def _delivery_from(row: aiosqlite.Row, posted: tuple[str, ...]) -> Delivery:
    plan = row["plan"]
    return Delivery(
        plan=tuple(json.loads(plan)) if plan is not None else None,
        feed_id=row["feed_id"],
        day=date.fromisoformat(row["day"]),
        status=DeliveryStatus(row["status"]),
        root_message_id=row["root_message_id"],
        thread_id=row["thread_id"],
        posted=posted,
        note=row["note"],
        updated_at=_dt(row["updated_at"]),
        owner=row["owner"],
        content_day=date.fromisoformat(row["content_day"]) if row["content_day"] else None,
    )


class SqliteDeliveryRepo:
    """(feed, day) rows are the schedule's memory: a claim is a unique insert."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self,
        feed_id: int,
        day: date,
        owner: str,
        lease_seconds: int = 120,
        *,
        reopen: bool = False,
    ) -> Delivery | None:
        """Take the (feed, day) row for posting. A new row, or one left ``claimed`` by a run
        that crashed or released it, is returned (with what it already posted); a row that is
        finished, or held by a live owner (progress within the lease), gives None.
        ``reopen`` (an admin's post-now) also takes a missed, failed or skipped row back."""
        now = _now()
        cutoff = (datetime.now(UTC) - timedelta(seconds=lease_seconds)).isoformat(
            timespec="seconds"
        )
        reopened = "status IN ('missed', 'failed', 'skipped') OR " if reopen else ""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO deliveries (feed_id, day, status, owner, claimed_at, "
                "updated_at) VALUES (?, ?, 'claimed', ?, ?, ?)",
                (feed_id, day.isoformat(), owner, now, now),
            )
            if cur.rowcount == 0:
                cur = await conn.execute(
                    "UPDATE deliveries SET status = 'claimed', owner = ?, updated_at = ?, "
                    "note = CASE WHEN status = 'claimed' THEN note END "
                    f"WHERE feed_id = ? AND day = ? AND ({reopened}"
                    "(status = 'claimed' AND (owner IS NULL OR updated_at < ?)))",
                    (owner, now, feed_id, day.isoformat(), cutoff),
                )
                if cur.rowcount == 0:
                    return None
        return await self.get(feed_id, day)

    async def renew(self, feed_id: int, day: date, owner: str) -> bool:
        """Extend ``owner``'s lease; False when the claim was lost (taken over or finished).
        Called before every post, so a run that lost its claim stops before posting twice."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE deliveries SET updated_at = ? WHERE feed_id = ? AND day = ? "
                "AND owner = ? AND status = 'claimed'",
                (_now(), feed_id, day.isoformat(), owner),
            )
            return int(cur.rowcount) == 1

    async def release(self, feed_id: int, day: date, owner: str, note: str | None = None) -> None:
        """Give the claim up for a later run; ``note`` (why) shows in the channel status."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET owner = NULL, note = coalesce(?, note) "
                "WHERE feed_id = ? AND day = ? AND owner = ?",
                (note, feed_id, day.isoformat(), owner),
            )

    async def get(self, feed_id: int, day: date) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT * FROM deliveries WHERE feed_id = ? AND day = ?", (feed_id, day.isoformat())
        )
        if row is None:
            return None
        items = await self.db.fetchall(
            "SELECT arxiv_id FROM delivery_items WHERE feed_id = ? AND day = ? ORDER BY posted_at",
            (feed_id, day.isoformat()),
        )
        return _delivery_from(row, tuple(r[0] for r in items))

    async def set_plan(
        self,
        feed_id: int,
        day: date,
        plan: Sequence[str],
        *,
        content_day: date | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET plan = ?, content_day = ?, updated_at = ? "
                "WHERE feed_id = ? AND day = ?",
                (
                    json.dumps(list(plan)),
                    content_day.isoformat() if content_day else None,
                    _now(),
                    feed_id,
                    day.isoformat(),
                ),
            )

    async def set_root(self, feed_id: int, day: date, root_id: str, thread_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET root_message_id = ?, thread_id = ?, updated_at = ? "
                "WHERE feed_id = ? AND day = ?",
                (root_id, thread_id, _now(), feed_id, day.isoformat()),
            )

    async def add_posted(self, feed_id: int, day: date, arxiv_id: str, message_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO delivery_items (feed_id, day, arxiv_id, message_id, "
                "posted_at) VALUES (?, ?, ?, ?, ?)",
                (
                    feed_id,
                    day.isoformat(),
                    arxiv_id,
                    message_id,
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                ),
            )
            await conn.execute(  # progress renews the lease
                "UPDATE deliveries SET updated_at = ? WHERE feed_id = ? AND day = ?",
                (_now(), feed_id, day.isoformat()),
            )

    async def finish(self, feed_id: int, day: date, status: str, note: str | None) -> None:
        now = _now()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO deliveries (feed_id, day, status, note, claimed_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed_id, day) DO UPDATE SET "
                "status = excluded.status, note = excluded.note, owner = NULL, "
                "updated_at = excluded.updated_at",
                (feed_id, day.isoformat(), status, note, now, now),
            )

    async def last(self, feed_id: int) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT day FROM deliveries WHERE feed_id = ? ORDER BY day DESC LIMIT 1", (feed_id,)
        )
        return await self.get(feed_id, date.fromisoformat(row[0])) if row else None

    async def message_for(self, feed_id: int, day: date, arxiv_id: str) -> str | None:
        row = await self.db.fetchone(
            "SELECT message_id FROM delivery_items WHERE feed_id = ? AND day = ? AND arxiv_id = ?",
            (feed_id, day.isoformat(), arxiv_id),
        )
        return str(row[0]) if row else None


class SqliteKV:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = excluded.value",
                (key, value),
            )


class Repositories:
    """Every repository on one database, built in one place (the composition root's helper)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.papers = SqlitePaperRepo(db)
        self.votes = SqliteVoteRepo(db)
        self.subscriptions = SqliteSubscriptionRepo(db)
        self.notifications = SqliteNotificationRepo(db)
        self.feeds = SqliteFeedRepo(db)
        self.deliveries = SqliteDeliveryRepo(db)
        self.kv = SqliteKV(db)
        from storage.discussions import SqliteDiscussionRepo  # its module imports this one

        self.discussions = SqliteDiscussionRepo(db)

"""Papers (the ``PaperRepo`` port): the batch upsert, the days papers were featured, the
fetch log and saved search queries. Search lives in storage/search.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime

from bot.models import FeaturedOn, Paper, SourceBatch
from bot.ports import Clock
from storage.db import Database
from storage.rows import PAPER_COLUMNS, paper_from_row, paper_params, parse_stamp, stamp
from storage.search import PaperSearch

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


# Every string that starts with P sorts in [P, P + this): the highest code point.
_LAST_CHAR = "\U0010ffff"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


# Papers per write transaction: ~300 papers (with their FTS5 rows) commit in tens of ms on
# the 2-core machine, far under the ~200 ms a bot's write may wait for an import's.
WRITE_CHUNK = 300


def _chunks(
    batch: SourceBatch, size: int
) -> Iterator[tuple[Sequence[Paper], Sequence[FeaturedOn]]]:
    """The batch's papers ``size`` at a time, each with its featured rows; featured rows
    for papers the batch does not carry go with the last chunk."""
    by_paper: dict[str, list[FeaturedOn]] = {}
    for f in batch.featured:
        by_paper.setdefault(f.arxiv_id, []).append(f)
    papers = batch.papers
    for start in range(0, max(len(papers), 1), size):
        part = papers[start : start + size]
        featured = [f for p in part for f in by_paper.pop(p.arxiv_id, [])]
        if start + size >= len(papers):
            featured += [f for rest in by_paper.values() for f in rest]
        if part or featured:
            yield part, featured


class SqlitePaperRepo(PaperSearch):
    """Papers, the days they were featured, the fetch log and saved search queries; the
    search methods come from PaperSearch."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def upsert(self, batch: SourceBatch) -> int:
        """Store a batch in short transactions of at most WRITE_CHUNK papers (with the days
        they were featured), each indexed after its commit: a large import or a long fetch
        never holds the write lock for more than one chunk, so the running bot's writes
        wait a chunk at most. A failing chunk is rolled back whole; chunks before it stay
        (importing the same file again finishes it: the upsert is idempotent)."""
        now = stamp(self.clock.now())
        for papers, featured in _chunks(batch, WRITE_CHUNK):
            await self._upsert_chunk(papers, featured, now)
        return len(batch.papers)

    async def _upsert_chunk(
        self, papers: Sequence[Paper], featured: Sequence[FeaturedOn], now: str
    ) -> None:
        async with self.db.transaction() as conn:
            # Staged, then upserted in ONE statement: FTS5 flushes its buffer at every
            # statement savepoint, so row-by-row trigger inserts ran ~5x slower.
            await conn.execute(_STAGE)
            await conn.execute("DELETE FROM temp.stage_papers")
            await conn.executemany(
                "INSERT INTO temp.stage_papers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?)",
                [paper_params(p, now) for p in papers],
            )
            await conn.execute(_UPSERT)
            await conn.execute("DELETE FROM temp.stage_papers")
            await conn.executemany(
                "INSERT INTO featured (day, arxiv_id, source, source_rank) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(day, arxiv_id, source) DO UPDATE SET source_rank = excluded.source_rank",
                [(f.day.isoformat(), f.arxiv_id, f.source, f.source_rank) for f in featured],
            )
        # The search index follows SQLite (the source of truth) after each commit.
        await self.index_papers(list(dict.fromkeys(p.arxiv_id for p in papers)), now)

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
                    stamp(started),
                    stamp(self.clock.now()),
                    int(ok),
                    papers,
                    error,
                ),
            )

    async def last_fetch(self) -> datetime | None:
        row = await self.db.fetchone("SELECT max(finished_at) FROM fetch_log WHERE ok = 1")
        return parse_stamp(row[0]) if row else None

    async def get(self, arxiv_id: str) -> Paper | None:
        row = await self.db.fetchone(
            f"SELECT {PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id = ?", (arxiv_id,)
        )
        return paper_from_row(row) if row else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, Paper]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS} FROM papers p WHERE p.arxiv_id IN ({marks})", ids
        )
        return {r[0]: paper_from_row(r) for r in rows}

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM papers")
        return int(row[0]) if row else 0

    async def featured_on(self, day: date) -> list[Paper]:
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS}, min(f.source_rank) AS r FROM featured f "
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
        """Papers whose id or title starts with ``prefix`` (ASCII case ignored, as LIKE
        does), most recently stored first (autocomplete). Both halves read an index range,
        at most ``limit`` rows each, so a prefix that matches nothing reads nothing: the ids
        from the arxiv_id index (the highest ids when more match: newest for YYMM.NNNNN),
        the titles from papers_title_nocase. An empty prefix lists the newest papers."""
        if not prefix:
            rows = await self.db.fetchall(
                f"SELECT {PAPER_COLUMNS} FROM papers p ORDER BY p.id DESC LIMIT ?", (limit,)
            )
            return [paper_from_row(r) for r in rows]
        ids = _ascii_lower(prefix)  # ids are stored as lower-case keys (bot.arxiv_ids)
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS} FROM papers p WHERE p.id IN ("
            "SELECT id FROM (SELECT id FROM papers WHERE arxiv_id >= ? AND arxiv_id < ? "
            "ORDER BY arxiv_id DESC LIMIT ?) "
            "UNION ALL SELECT id FROM (SELECT id FROM papers WHERE title COLLATE NOCASE >= ? "
            "AND title COLLATE NOCASE < ? ORDER BY id DESC LIMIT ?)"
            ") ORDER BY p.id DESC LIMIT ?",
            (ids, ids + _LAST_CHAR, limit, prefix, prefix + _LAST_CHAR, limit, limit),
        )
        return [paper_from_row(r) for r in rows]

    async def save_query(self, key: str, query: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO saved_queries (key, query, created_at) VALUES (?, ?, ?)",
                (key, query, stamp(self.clock.now())),
            )

    async def saved_query(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT query FROM saved_queries WHERE key = ?", (key,))
        return str(row[0]) if row else None

"""Votes (the ``VoteRepo`` port): one per person per paper, toggled; the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.models import Paper, UserRef
from bot.ports import Clock
from storage.db import Database
from storage.rows import PAPER_COLUMNS, paper_from_row, stamp


class SqliteVoteRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

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
                    (*key, stamp(at or self.clock.now())),
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
            SELECT {PAPER_COLUMNS}, coalesce(v.n, 0) AS votes
            FROM c JOIN papers p ON p.arxiv_id = c.arxiv_id
            LEFT JOIN v ON v.arxiv_id = c.arxiv_id
            ORDER BY coalesce(v.n, 0) + coalesce(p.hf_upvotes, 0) DESC, votes DESC, p.arxiv_id DESC
            LIMIT ?
            """,
            params,
        )
        return [(paper_from_row(r), int(r[15])) for r in rows]

    async def voted_papers(
        self, platform: str, workspace: str, limit: int
    ) -> list[tuple[Paper, int]]:
        """Every paper this workspace has voted for, all time, ranked as the leaderboard
        ranks (local votes + HF upvotes), with its local vote count."""
        rows = await self.db.fetchall(
            f"""
            WITH v AS (
                SELECT arxiv_id, count(*) AS n FROM votes
                WHERE platform = ? AND workspace = ? GROUP BY arxiv_id
            )
            SELECT {PAPER_COLUMNS}, v.n AS votes
            FROM v JOIN papers p ON p.arxiv_id = v.arxiv_id
            ORDER BY v.n + coalesce(p.hf_upvotes, 0) DESC, v.n DESC, p.arxiv_id DESC
            LIMIT ?
            """,
            (platform, workspace, limit),
        )
        return [(paper_from_row(r), int(r[15])) for r in rows]

    async def voted_by(self, user: UserRef, limit: int) -> list[Paper]:
        """The papers one person voted for in this workspace, newest vote first."""
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS} FROM votes v JOIN papers p ON p.arxiv_id = v.arxiv_id "
            "WHERE v.platform = ? AND v.workspace = ? AND v.user_id = ? "
            "ORDER BY v.created_at DESC, p.arxiv_id DESC LIMIT ?",
            (user.platform, user.workspace, user.user_id, limit),
        )
        return [paper_from_row(r) for r in rows]

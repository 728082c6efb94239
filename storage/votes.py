"""Votes (the ``VoteRepo`` port): one per person per paper, up (+1) or down (-1), toggled; the
leaderboard. Counts and leaderboards are of up-votes only: a down-vote ("not for me") trains
the team's taste and is never shown as a score."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.models import ChannelRef, Paper, UserRef, WeekTally
from bot.ports import Clock
from storage.db import Database
from storage.rows import PAPER_COLUMNS, paper_from_row, stamp
from storage.tastes import bump_inputs
from storage.weeks import week_tally

UP, DOWN = 1, -1


class SqliteVoteRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def toggle(
        self, user: UserRef, arxiv_id: str, at: datetime | None = None, value: int = UP
    ) -> tuple[bool, int]:
        """Toggle the caller's ``value`` vote (+1 up, -1 down) on a paper: none yet, it is
        cast; the same again, it is withdrawn; the other one, it replaces it. Returns
        (the caller now has this vote, the paper's up-votes in the workspace). One
        transaction, so two concurrent clicks serialise and the primary key forbids a second
        row; it also marks the workspace's tastes stale."""
        if value not in (UP, DOWN):
            raise ValueError(f"a vote is +1 or -1, not {value!r}")
        key = (user.platform, user.workspace, user.user_id, arxiv_id)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT value FROM votes WHERE platform = ? AND workspace = ? AND user_id = ? "
                "AND arxiv_id = ?",
                key,
            ) as c:
                held = await c.fetchone()
            if held is not None and int(held[0]) == value:
                await conn.execute(
                    "DELETE FROM votes WHERE platform = ? AND workspace = ? AND user_id = ? "
                    "AND arxiv_id = ?",
                    key,
                )
                voted = False
            else:
                await conn.execute(
                    "INSERT INTO votes (platform, workspace, user_id, arxiv_id, created_at, value) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, user_id, arxiv_id) "
                    "DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                    (*key, stamp(at or self.clock.now()), value),
                )
                voted = True
            await bump_inputs(conn, user.platform, user.workspace)
            async with conn.execute(
                "SELECT count(*) FROM votes WHERE platform = ? AND workspace = ? AND arxiv_id = ? "
                "AND value = 1",
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
            f"AND value = 1 AND arxiv_id IN ({marks}) GROUP BY arxiv_id",
            [platform, workspace, *ids],
        )
        return {r[0]: int(r[1]) for r in rows}

    async def has_voted(self, user: UserRef, arxiv_id: str) -> bool:
        """Whether the caller has up-voted the paper."""
        return await self.vote_of(user, arxiv_id) == UP

    async def vote_of(self, user: UserRef, arxiv_id: str) -> int:
        """The caller's vote on the paper: +1, -1, or 0 for none."""
        row = await self.db.fetchone(
            "SELECT value FROM votes WHERE platform = ? AND workspace = ? AND user_id = ? "
            "AND arxiv_id = ?",
            (user.platform, user.workspace, user.user_id, arxiv_id),
        )
        return int(row[0]) if row else 0

    async def labelled(
        self, platform: str, workspace: str, user_id: str | None = None
    ) -> list[tuple[str, Paper, int]]:
        """(user_id, paper with its text, +1/-1) of every vote in the workspace (or of one
        person), oldest first: what a taste learns from."""
        person = "AND v.user_id = ?" if user_id is not None else ""
        params: list[str] = [platform, workspace]
        if user_id is not None:
            params.append(user_id)
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS}, v.user_id, v.value FROM votes v "
            f"JOIN papers p ON p.arxiv_id = v.arxiv_id "
            f"WHERE v.platform = ? AND v.workspace = ? {person} "
            f"ORDER BY v.created_at, v.user_id, v.arxiv_id",
            params,
        )
        return [(str(r[15]), paper_from_row(r), int(r[16])) for r in rows]

    async def leaderboard(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int]]:
        """Papers featured or up-voted in [since, until], by local up-votes + HF upvotes (a
        down-vote is neither counted nor makes a paper a candidate)."""
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
                WHERE platform = ? AND workspace = ? AND value = 1
                AND created_at >= ? AND created_at < ?
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
        """Every paper this workspace has up-voted, all time, ranked as the leaderboard
        ranks (local up-votes + HF upvotes), with its local up-vote count."""
        rows = await self.db.fetchall(
            f"""
            WITH v AS (
                SELECT arxiv_id, count(*) AS n FROM votes
                WHERE platform = ? AND workspace = ? AND value = 1 GROUP BY arxiv_id
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
        """The papers one person up-voted in this workspace, newest vote first."""
        rows = await self.db.fetchall(
            f"SELECT {PAPER_COLUMNS} FROM votes v JOIN papers p ON p.arxiv_id = v.arxiv_id "
            "WHERE v.platform = ? AND v.workspace = ? AND v.user_id = ? AND v.value = 1 "
            "ORDER BY v.created_at DESC, p.arxiv_id DESC LIMIT ?",
            (user.platform, user.workspace, user.user_id, limit),
        )
        return [paper_from_row(r) for r in rows]

    async def week(self, channel: ChannelRef, start: datetime, end: datetime) -> WeekTally:
        """The weekly recap's numbers: up-votes and discussion replies in [start, end)."""
        return await week_tally(self.db, channel, start, end)

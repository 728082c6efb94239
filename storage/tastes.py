"""Learned tastes (the ``TasteRepo`` port): stored models, the version of what they learn from,
and the background papers they contrast the votes with."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.models import Paper
from bot.ports import Clock, StoredTaste
from storage.db import Database
from storage.rows import PAPER_COLUMNS, paper_from_row, stamp

WORKSPACE = ""  # the user_id of a workspace's own taste


async def bump_inputs(conn: aiosqlite.Connection, platform: str, workspace: str) -> None:
    """Mark the workspace's tastes stale; call inside the transaction that changed a vote or
    added a person's first reply to a paper."""
    await conn.execute(
        "INSERT INTO taste_inputs (platform, workspace, version) VALUES (?, ?, 1) "
        "ON CONFLICT (platform, workspace) DO UPDATE SET version = version + 1",
        (platform, workspace),
    )


class SqliteTasteRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def inputs_version(self, platform: str, workspace: str) -> int:
        """Counts every change to the workspace's votes and discussion participation."""
        row = await self.db.fetchone(
            "SELECT version FROM taste_inputs WHERE platform = ? AND workspace = ?",
            (platform, workspace),
        )
        return int(row[0]) if row else 0

    async def get(
        self, platform: str, workspace: str, user_id: str = WORKSPACE
    ) -> StoredTaste | None:
        row = await self.db.fetchone(
            "SELECT version, model, trained_at FROM tastes WHERE platform = ? AND workspace = ? "
            "AND user_id = ?",
            (platform, workspace, user_id),
        )
        if row is None:
            return None
        return StoredTaste(
            version=int(row[0]),
            model=bytes(row[1]),
            trained_at=datetime.fromisoformat(row[2]),
        )

    async def put(
        self,
        platform: str,
        workspace: str,
        user_id: str,
        version: int,
        model: bytes,
    ) -> bool:
        """Store a model trained on ``version``, unless one trained on a newer version is
        already there (two trainings raced). True when stored."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO tastes (platform, workspace, user_id, version, model, trained_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, user_id) DO UPDATE "
                "SET version = excluded.version, model = excluded.model, "
                "trained_at = excluded.trained_at WHERE excluded.version >= tastes.version",
                (platform, workspace, user_id, version, model, stamp(self.clock.now())),
            )
            return cur.rowcount == 1

    async def forget(self, platform: str, workspace: str, user_id: str = WORKSPACE) -> None:
        """Drop a stored model (one that can no longer be read, or whose owner has no
        signals left)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM tastes WHERE platform = ? AND workspace = ? AND user_id = ?",
                (platform, workspace, user_id),
            )

    async def background(self, limit: int) -> list[Paper]:
        """The newest ``limit`` featured papers (any source, newest day first): what an
        ordinary paper looks like, for a taste to contrast its votes with (bot.taste.examples
        drops those that have signals). Walks the featured index from the newest day, so its
        cost does not grow with the store."""
        rows = await self.db.fetchall(
            f"""
            SELECT {PAPER_COLUMNS} FROM (
                SELECT arxiv_id, day FROM featured ORDER BY day DESC LIMIT ?
            ) f JOIN papers p ON p.arxiv_id = f.arxiv_id
            ORDER BY f.day DESC, p.arxiv_id
            """,
            (2 * limit,),
        )
        found: dict[str, Paper] = {}
        for r in rows:
            if len(found) >= limit:
                break
            found.setdefault(r[0], paper_from_row(r))
        return list(found.values())

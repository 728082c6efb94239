"""What was sent to whom (the ``NotificationRepo`` port): a row per (subscription, paper)
and one per DM digest day, so nothing is sent twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.models import UserRef
from bot.ports import Clock
from storage.db import Database
from storage.rows import stamp


class SqliteNotificationRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

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
        now = stamp(self.clock.now())
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
        now = stamp(self.clock.now())
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

"""What was sent to whom (the ``NotificationRepo`` port): a row per (subscription, paper)
and one per DM digest day, so nothing is sent twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.models import UserRef
from bot.ports import Clock
from storage.db import Database
from storage.rows import parse_stamp, stamp


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

    async def last_dms(self, since: datetime) -> dict[tuple[str, str, str], datetime]:
        """When each person's latest DM recorded at or after ``since`` went out."""
        rows = await self.db.fetchall(
            "SELECT platform, workspace, user_id, max(sent_at) FROM dm_digests "
            "WHERE sent_at >= ? GROUP BY platform, workspace, user_id",
            (stamp(since),),
        )
        return {(r[0], r[1], r[2]): at for r in rows if (at := parse_stamp(r[3])) is not None}

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

    async def claim_dm(
        self, user: UserRef, day: date, owner: str, lease_seconds: int = 600
    ) -> bool:
        """Take (person, day) for sending: False when the DM was sent already or another run
        holds it (a claim older than the lease, left by a crash, is taken over)."""
        at = self.clock.now()
        now, cutoff = stamp(at), stamp(at - timedelta(seconds=lease_seconds))
        key = (user.platform, user.workspace, user.user_id, day.isoformat())
        where = "platform = ? AND workspace = ? AND user_id = ? AND day = ?"
        async with self.db.transaction() as conn:
            async with conn.execute(f"SELECT 1 FROM dm_digests WHERE {where}", key) as cur:
                if await cur.fetchone() is not None:
                    return False
            cur = await conn.execute(
                "INSERT OR IGNORE INTO dm_claims (platform, workspace, user_id, day, owner, "
                "claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (*key, owner, now),
            )
            if cur.rowcount == 0:
                cur = await conn.execute(
                    f"UPDATE dm_claims SET owner = ?, claimed_at = ? WHERE {where} "
                    "AND (owner = ? OR claimed_at < ?)",
                    (owner, now, *key, owner, cutoff),
                )
            return int(cur.rowcount) == 1

    async def release_dm(self, user: UserRef, day: date, owner: str) -> None:
        """Give up ``owner``'s claim (the DM failed): a later run may try again."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM dm_claims WHERE platform = ? AND workspace = ? AND user_id = ? "
                "AND day = ? AND owner = ?",
                (user.platform, user.workspace, user.user_id, day.isoformat(), owner),
            )

    async def record_dm(self, user: UserRef, day: date, pairs: Sequence[tuple[int, str]]) -> None:
        now = stamp(self.clock.now())
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO dm_digests (platform, workspace, user_id, day, sent_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user.platform, user.workspace, user.user_id, day.isoformat(), now),
            )
            await conn.execute(  # the claim has done its work: dm_digests is the record
                "DELETE FROM dm_claims WHERE platform = ? AND workspace = ? AND user_id = ? "
                "AND day = ?",
                (user.platform, user.workspace, user.user_id, day.isoformat()),
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO notifications (subscription_id, arxiv_id, sent_at) "
                "VALUES (?, ?, ?)",
                [(s, a, now) for s, a in pairs],
            )

"""Topic subscriptions (the ``SubscriptionRepo`` port), their pausing, and the one notice
kept for a person whose DMs were paused."""

from __future__ import annotations

from typing import Any

from bot.models import Subscription, UserRef
from bot.ports import Clock, DuplicateSubscriptionError, SubscriptionLimitError
from storage.db import Database
from storage.rows import stamp, subscription_from_row


class SqliteSubscriptionRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

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
                (
                    u.platform,
                    u.workspace,
                    u.user_id,
                    u.display_name,
                    sub.query,
                    stamp(self.clock.now()),
                ),
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
        return [subscription_from_row(r) for r in rows]

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
        return [subscription_from_row(r) for r in rows]

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
                (user.platform, user.workspace, user.user_id, reason, stamp(self.clock.now())),
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

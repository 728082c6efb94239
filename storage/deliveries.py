"""Deliveries (the ``DeliveryRepo`` port): a (feed, day) row claimed with a lease, and a row
per paper posted, so a crash resumes into the same thread and never posts twice."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from bot.models import Delivery, DeliveryStatus
from bot.ports import Clock
from storage.db import Database
from storage.rows import delivery_from_row, parse_stamp, stamp

KNOWN_TABLES = {"deliveries", "delivery_items", "recaps", "recap_items"}


class SqliteDeliveryRepo:
    """(feed, day) rows are the schedule's memory: a claim is a unique insert.

    Daily threads use the ``deliveries`` tables; weekly recaps the ``recaps`` tables of the
    same shape (``Repositories.recaps``): one claim, lease and resume code for both."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        table: str = "deliveries",
        items: str = "delivery_items",
    ) -> None:
        if {table, items} - KNOWN_TABLES:
            raise ValueError(f"not a deliveries table: {table}, {items}")
        self.db = db
        self.clock = clock
        self.table, self.items = table, items

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
        at = self.clock.now()
        now, cutoff = stamp(at), stamp(at - timedelta(seconds=lease_seconds))
        reopened = "status IN ('missed', 'failed', 'skipped') OR " if reopen else ""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"INSERT OR IGNORE INTO {self.table} (feed_id, day, status, owner, claimed_at, "
                "updated_at) VALUES (?, ?, 'claimed', ?, ?, ?)",
                (feed_id, day.isoformat(), owner, now, now),
            )
            if cur.rowcount == 0:
                cur = await conn.execute(
                    f"UPDATE {self.table} SET status = 'claimed', owner = ?, updated_at = ?, "
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
                f"UPDATE {self.table} SET updated_at = ? WHERE feed_id = ? AND day = ? "
                "AND owner = ? AND status = 'claimed'",
                (stamp(self.clock.now()), feed_id, day.isoformat(), owner),
            )
            return int(cur.rowcount) == 1

    async def release(self, feed_id: int, day: date, owner: str, note: str | None = None) -> None:
        """Give the claim up for a later run; ``note`` (why) shows in the channel status."""
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE {self.table} SET owner = NULL, note = coalesce(?, note) "
                "WHERE feed_id = ? AND day = ? AND owner = ?",
                (note, feed_id, day.isoformat(), owner),
            )

    async def get(self, feed_id: int, day: date) -> Delivery | None:
        row = await self.db.fetchone(
            f"SELECT * FROM {self.table} WHERE feed_id = ? AND day = ?", (feed_id, day.isoformat())
        )
        if row is None:
            return None
        items = await self.db.fetchall(
            f"SELECT arxiv_id FROM {self.items} WHERE feed_id = ? AND day = ? ORDER BY posted_at",
            (feed_id, day.isoformat()),
        )
        return delivery_from_row(row, tuple(r[0] for r in items))

    async def posted_before(self, feed_id: int, day: date) -> set[str]:
        """The papers this feed's threads showing days before ``day`` (their content day,
        the HF day; the delivery day where none was recorded) already posted."""
        rows = await self.db.fetchall(
            f"SELECT DISTINCT i.arxiv_id FROM {self.items} i JOIN {self.table} d "
            "ON d.feed_id = i.feed_id AND d.day = i.day "
            "WHERE i.feed_id = ? AND coalesce(d.content_day, d.day) < ?",
            (feed_id, day.isoformat()),
        )
        return {r[0] for r in rows}

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
                f"UPDATE {self.table} SET plan = ?, content_day = ?, updated_at = ? "
                "WHERE feed_id = ? AND day = ?",
                (
                    json.dumps(list(plan)),
                    content_day.isoformat() if content_day else None,
                    stamp(self.clock.now()),
                    feed_id,
                    day.isoformat(),
                ),
            )

    async def set_root(self, feed_id: int, day: date, root_id: str, thread_id: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE {self.table} SET root_message_id = ?, thread_id = ?, updated_at = ? "
                "WHERE feed_id = ? AND day = ?",
                (root_id, thread_id, stamp(self.clock.now()), feed_id, day.isoformat()),
            )

    async def add_posted(self, feed_id: int, day: date, arxiv_id: str, message_id: str) -> None:
        now = at = self.clock.now()
        async with self.db.transaction() as conn:
            # Items are read back in posted order (ORDER BY posted_at): keep each one later
            # than the last, even on a clock that has not moved since (a test's clock).
            async with conn.execute(
                f"SELECT max(posted_at) FROM {self.items} WHERE feed_id = ? AND day = ?",
                (feed_id, day.isoformat()),
            ) as cur:
                row = await cur.fetchone()
            last = parse_stamp(row[0]) if row else None
            if last is not None and at <= last:
                at = last + timedelta(microseconds=1)
            await conn.execute(
                f"INSERT OR IGNORE INTO {self.items} (feed_id, day, arxiv_id, message_id, "
                "posted_at) VALUES (?, ?, ?, ?, ?)",
                (
                    feed_id,
                    day.isoformat(),
                    arxiv_id,
                    message_id,
                    stamp(at, precise=True),
                ),
            )
            await conn.execute(  # progress renews the lease
                f"UPDATE {self.table} SET updated_at = ? WHERE feed_id = ? AND day = ?",
                (stamp(now), feed_id, day.isoformat()),
            )

    async def finish(
        self, feed_id: int, day: date, status: DeliveryStatus, note: str | None
    ) -> None:
        now = stamp(self.clock.now())
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO {self.table} (feed_id, day, status, note, claimed_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed_id, day) DO UPDATE SET "
                "status = excluded.status, note = excluded.note, owner = NULL, "
                "updated_at = excluded.updated_at",
                (feed_id, day.isoformat(), DeliveryStatus(status).value, note, now, now),
            )

    async def last(self, feed_id: int) -> Delivery | None:
        row = await self.db.fetchone(
            f"SELECT day FROM {self.table} WHERE feed_id = ? ORDER BY day DESC LIMIT 1", (feed_id,)
        )
        return await self.get(feed_id, date.fromisoformat(row[0])) if row else None

    async def message_for(self, feed_id: int, day: date, arxiv_id: str) -> str | None:
        row = await self.db.fetchone(
            f"SELECT message_id FROM {self.items} WHERE feed_id = ? AND day = ? AND arxiv_id = ?",
            (feed_id, day.isoformat(), arxiv_id),
        )
        return str(row[0]) if row else None

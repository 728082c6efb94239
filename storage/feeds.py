"""Feeds (the ``FeedRepo`` port): "post a daily thread in this channel", one per channel."""

from __future__ import annotations

from datetime import datetime

from bot.models import ChannelRef, Feed
from bot.ports import Clock
from storage.db import Database
from storage.rows import feed_from_row, feed_params, parse_stamp, stamp


class SqliteFeedRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def upsert(self, feed: Feed) -> Feed:
        now = stamp(self.clock.now())
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO feeds (platform, workspace, channel, post_time, timezone, top_n,
                       topic, weekdays, empty_day, created_by, weekly_day, enabled,
                       disabled_reason, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)
                   ON CONFLICT(platform, workspace, channel) DO UPDATE SET
                       post_time = excluded.post_time, timezone = excluded.timezone,
                       top_n = excluded.top_n, topic = excluded.topic,
                       weekdays = excluded.weekdays, empty_day = excluded.empty_day,
                       created_by = excluded.created_by, weekly_day = excluded.weekly_day,
                       enabled = 1, disabled_reason = NULL,
                       updated_at = excluded.updated_at""",
                (*feed_params(feed), now, now),
            )
        stored = await self.get(feed.channel)
        assert stored is not None
        return stored

    async def get(self, channel: ChannelRef) -> Feed | None:
        row = await self.db.fetchone(
            "SELECT * FROM feeds WHERE platform = ? AND workspace = ? AND channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        return feed_from_row(row) if row else None

    async def get_by_id(self, feed_id: int) -> Feed | None:
        row = await self.db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return feed_from_row(row) if row else None

    async def disable(self, feed_id: int, reason: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE feeds SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?",
                (reason, stamp(self.clock.now()), feed_id),
            )

    async def enabled_since(self, feed_id: int) -> datetime | None:
        """When an enabled feed was last set up (every change goes through upsert or
        disable, which stamp ``updated_at``); None for an unknown or disabled feed."""
        row = await self.db.fetchone(
            "SELECT updated_at FROM feeds WHERE id = ? AND enabled = 1", (feed_id,)
        )
        return parse_stamp(row[0]) if row else None

    async def enabled(self) -> list[Feed]:
        rows = await self.db.fetchall("SELECT * FROM feeds WHERE enabled = 1 ORDER BY id")
        return [feed_from_row(r) for r in rows]

    async def all(self) -> list[Feed]:
        rows = await self.db.fetchall("SELECT * FROM feeds ORDER BY id")
        return [feed_from_row(r) for r in rows]

"""Feeds (the ``FeedRepo`` port): "post a daily thread in this channel", one per channel, and
the weekday of its weekly recap (the ``feed_recaps`` table)."""

from __future__ import annotations

from datetime import datetime

from bot.models import ChannelRef, Feed
from bot.ports import Clock
from storage.db import Database
from storage.rows import feed_from_row, feed_params, parse_stamp, stamp

FEED_SELECT = (
    "SELECT f.*, r.weekday AS weekly_day FROM feeds f LEFT JOIN feed_recaps r ON r.feed_id = f.id"
)
_THIS_FEED = "SELECT id FROM feeds WHERE platform = ? AND workspace = ? AND channel = ?"


class SqliteFeedRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def upsert(self, feed: Feed) -> Feed:
        """Store the feed's options as given, its recap day (``weekly_day``) included."""
        now = stamp(self.clock.now())
        key = (feed.channel.platform, feed.channel.workspace, feed.channel.channel)
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
                (*feed_params(feed), now, now),
            )
            await conn.execute(f"DELETE FROM feed_recaps WHERE feed_id = ({_THIS_FEED})", key)
            if feed.weekly_day is not None:
                await conn.execute(
                    "INSERT INTO feed_recaps (weekday, feed_id) SELECT ?, id FROM feeds "
                    "WHERE platform = ? AND workspace = ? AND channel = ?",
                    (feed.weekly_day, *key),
                )
        stored = await self.get(feed.channel)
        assert stored is not None
        return stored

    async def get(self, channel: ChannelRef) -> Feed | None:
        row = await self.db.fetchone(
            f"{FEED_SELECT} WHERE f.platform = ? AND f.workspace = ? AND f.channel = ?",
            (channel.platform, channel.workspace, channel.channel),
        )
        return feed_from_row(row) if row else None

    async def get_by_id(self, feed_id: int) -> Feed | None:
        row = await self.db.fetchone(f"{FEED_SELECT} WHERE f.id = ?", (feed_id,))
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
        rows = await self.db.fetchall(f"{FEED_SELECT} WHERE f.enabled = 1 ORDER BY f.id")
        return [feed_from_row(r) for r in rows]

    async def all(self) -> list[Feed]:
        rows = await self.db.fetchall(f"{FEED_SELECT} ORDER BY f.id")
        return [feed_from_row(r) for r in rows]

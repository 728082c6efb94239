"""Discussion threads and reply counts (the ``DiscussionRepo`` port)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.models import ChannelRef, Discussion, Paper
from bot.ports import Clock
from storage.db import Database
from storage.rows import PAPER_COLUMNS, paper_from_row, stamp
from storage.tastes import bump_inputs

# Replies of one person that count towards a paper's discussion activity: a member writing
# twenty replies lifts a paper no more than one writing three.
REPLIES_PER_PERSON = 3


class SqliteDiscussionRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def claim(
        self, channel: ChannelRef, arxiv_id: str, user_id: str, at: datetime | None = None
    ) -> Discussion | None:
        """Reserve the (channel, paper) discussion, opened ``at`` (default: now). None: the
        caller won and must open the thread; otherwise the existing row (its thread may
        still be opening)."""
        created = stamp(at or self.clock.now())
        key = (channel.platform, channel.workspace, channel.channel, arxiv_id)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO discussions (platform, workspace, channel, arxiv_id, "
                "opened_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (*key, user_id, created),
            )
            won = cur.rowcount == 1
        return None if won else await self.get(channel, arxiv_id)

    async def get(self, channel: ChannelRef, arxiv_id: str) -> Discussion | None:
        row = await self.db.fetchone(
            "SELECT root_message_id, thread_id, opened_by FROM discussions WHERE platform = ? "
            "AND workspace = ? AND channel = ? AND arxiv_id = ?",
            (channel.platform, channel.workspace, channel.channel, arxiv_id),
        )
        if row is None:
            return None
        return Discussion(channel, arxiv_id, row[0], row[1], row[2])

    async def opened(
        self, channel: ChannelRef, arxiv_id: str, root_id: str, thread_id: str
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE discussions SET root_message_id = ?, thread_id = ? WHERE platform = ? "
                "AND workspace = ? AND channel = ? AND arxiv_id = ?",
                (
                    root_id,
                    thread_id,
                    channel.platform,
                    channel.workspace,
                    channel.channel,
                    arxiv_id,
                ),
            )

    async def forget(self, channel: ChannelRef, arxiv_id: str) -> None:
        """Drop a reservation whose thread could not be opened, so a later click can retry."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM discussions WHERE platform = ? AND workspace = ? AND channel = ? "
                "AND arxiv_id = ? AND thread_id IS NULL",
                (channel.platform, channel.workspace, channel.channel, arxiv_id),
            )

    async def paper_for(
        self, platform: str, workspace: str, *, thread_id: str | None, reply_to: str | None
    ) -> str | None:
        """Which paper a reply is about: a discussion thread, or a paper's message."""
        if thread_id:
            row = await self.db.fetchone(
                "SELECT arxiv_id FROM discussions WHERE platform = ? AND workspace = ? "
                "AND thread_id = ?",
                (platform, workspace, thread_id),
            )
            if row:
                return str(row[0])
        if reply_to:
            row = await self.db.fetchone(
                "SELECT arxiv_id FROM discussions WHERE platform = ? AND workspace = ? "
                "AND root_message_id = ?",
                (platform, workspace, reply_to),
            )
            if row:
                return str(row[0])
            row = await self.db.fetchone(
                "SELECT di.arxiv_id FROM delivery_items di JOIN feeds f ON f.id = di.feed_id "
                "WHERE di.message_id = ? AND f.platform = ? AND f.workspace = ?",
                (reply_to, platform, workspace),
            )
            if row:
                return str(row[0])
        return None

    async def add_reply(
        self,
        platform: str,
        workspace: str,
        message_id: str,
        arxiv_id: str,
        user_id: str,
        at: datetime,
    ) -> bool:
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM replies WHERE platform = ? AND workspace = ? AND arxiv_id = ? "
                "AND user_id = ? LIMIT 1",
                (platform, workspace, arxiv_id, user_id),
            ) as c:
                replied_before = await c.fetchone() is not None
            cur = await conn.execute(
                "INSERT OR IGNORE INTO replies (platform, workspace, message_id, arxiv_id, "
                "user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    platform,
                    workspace,
                    message_id,
                    arxiv_id,
                    user_id,
                    stamp(at),
                ),
            )
            added = cur.rowcount == 1
            if added and not replied_before:  # a new (person, paper): the taste learns it
                await bump_inputs(conn, platform, workspace)
            return added

    async def participation(
        self, platform: str, workspace: str, user_id: str | None = None
    ) -> list[tuple[str, Paper]]:
        """(user_id, paper with its text) for each person who replied in a paper's discussion
        in the workspace (or for one person), once per pair, oldest first: a weaker positive
        for the taste than a vote."""
        person = "AND user_id = ?" if user_id is not None else ""
        params: list[str] = [platform, workspace]
        if user_id is not None:
            params.append(user_id)
        rows = await self.db.fetchall(
            f"""SELECT {PAPER_COLUMNS}, r.user_id FROM (
                    SELECT user_id, arxiv_id, min(created_at) AS first FROM replies
                    WHERE platform = ? AND workspace = ? {person} GROUP BY user_id, arxiv_id
                ) r JOIN papers p ON p.arxiv_id = r.arxiv_id
                ORDER BY r.first, r.user_id, r.arxiv_id""",
            params,
        )
        return [(str(r[15]), paper_from_row(r)) for r in rows]

    async def activity(
        self, platform: str, workspace: str, ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        """arxiv_id -> (counted replies, distinct people), all time, in this workspace. At
        most REPLIES_PER_PERSON replies of each person count, so what lifts a paper in the
        ranking is people taking part, not one member writing many replies."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(
            f"SELECT arxiv_id, sum(min(n, ?)), count(*) FROM (SELECT arxiv_id, count(*) AS n "
            f"FROM replies WHERE platform = ? AND workspace = ? AND arxiv_id IN ({marks}) "
            f"GROUP BY arxiv_id, user_id) GROUP BY arxiv_id",
            [REPLIES_PER_PERSON, platform, workspace, *ids],
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}

    async def most_discussed(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int, int]]:
        """Papers with replies in [since, until], or whose discussion was opened then (with
        0 replies), by counted replies (at most REPLIES_PER_PERSON of each person, as in
        ``activity``) and people."""
        window = (platform, workspace, since.isoformat(), until.isoformat() + "T99")
        rows = await self.db.fetchall(
            f"""WITH per_person AS (
                    SELECT arxiv_id, min(count(*), ?) AS n
                    FROM replies WHERE platform = ? AND workspace = ? AND created_at >= ?
                    AND created_at < ? GROUP BY arxiv_id, user_id
                ),
                r AS (
                    SELECT arxiv_id, sum(n) AS n, count(*) AS people FROM per_person
                    GROUP BY arxiv_id
                ),
                c AS (
                    SELECT arxiv_id FROM r
                    UNION SELECT arxiv_id FROM discussions WHERE platform = ? AND workspace = ?
                    AND created_at >= ? AND created_at < ? AND thread_id IS NOT NULL
                )
                SELECT {PAPER_COLUMNS}, coalesce(r.n, 0) AS n, coalesce(r.people, 0) AS people
                FROM c JOIN papers p ON p.arxiv_id = c.arxiv_id
                LEFT JOIN r ON r.arxiv_id = c.arxiv_id
                ORDER BY n DESC, people DESC, p.arxiv_id DESC LIMIT ?""",
            (REPLIES_PER_PERSON, *window, *window, limit),
        )
        return [(paper_from_row(r), int(r[15]), int(r[16])) for r in rows]

"""A workspace's week, for the weekly recap (``VoteRepo.week``): the up-votes cast in it and
by how many people, the papers with the most of them, and the papers most replied to, each
with where its discussion thread is."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import ChannelRef, Discussed, Discussion, WeekTally
from storage.db import Database
from storage.discussions import REPLIES_PER_PERSON
from storage.rows import PAPER_COLUMNS, paper_from_row, stamp

TOP = 5  # papers per list in a recap


async def week_tally(
    db: Database, channel: ChannelRef, start: datetime, end: datetime, limit: int = TOP
) -> WeekTally:
    """Up-votes and replies in [start, end) in ``channel``'s workspace (down-votes never
    count). Ties: more HF upvotes first, then the newer id, as the leaderboard breaks them."""
    scope = (channel.platform, channel.workspace, stamp(start), stamp(end))
    row = await db.fetchone(
        "SELECT count(DISTINCT user_id), count(*) FROM votes WHERE platform = ? "
        "AND workspace = ? AND value = 1 AND created_at >= ? AND created_at < ?",
        scope,
    )
    voters, votes = (int(row[0]), int(row[1])) if row else (0, 0)
    upvoted = await db.fetchall(
        f"""WITH v AS (
                SELECT arxiv_id, count(*) AS n FROM votes WHERE platform = ? AND workspace = ?
                AND value = 1 AND created_at >= ? AND created_at < ? GROUP BY arxiv_id
            )
            SELECT {PAPER_COLUMNS}, v.n FROM v JOIN papers p ON p.arxiv_id = v.arxiv_id
            ORDER BY v.n DESC, coalesce(p.hf_upvotes, 0) DESC, p.arxiv_id DESC LIMIT ?""",
        (*scope, limit),
    )
    discussed = await db.fetchall(
        f"""WITH per_person AS (
                SELECT arxiv_id, min(count(*), ?) AS n FROM replies WHERE platform = ?
                AND workspace = ? AND created_at >= ? AND created_at < ?
                GROUP BY arxiv_id, user_id
            ),
            r AS (
                SELECT arxiv_id, sum(n) AS n, count(*) AS people FROM per_person
                GROUP BY arxiv_id
            )
            SELECT {PAPER_COLUMNS}, r.n, r.people, (
                SELECT json_array(d.channel, d.root_message_id, d.thread_id)
                FROM discussions d WHERE d.platform = ? AND d.workspace = ?
                AND d.arxiv_id = r.arxiv_id AND d.thread_id IS NOT NULL
                ORDER BY d.channel = ? DESC, d.created_at LIMIT 1
            ) FROM r JOIN papers p ON p.arxiv_id = r.arxiv_id
            ORDER BY r.n DESC, r.people DESC, p.arxiv_id DESC LIMIT ?""",
        (
            REPLIES_PER_PERSON,
            *scope,
            channel.platform,
            channel.workspace,
            channel.channel,
            limit,
        ),
    )
    return WeekTally(
        voters=voters,
        votes=votes,
        upvoted=tuple((paper_from_row(r), int(r[15])) for r in upvoted),
        discussed=tuple(
            Discussed(paper_from_row(r), int(r[15]), int(r[16]), _where(channel, r[0], r[17]))
            for r in discussed
        ),
    )


def _where(channel: ChannelRef, arxiv_id: str, found: str | None) -> Discussion | None:
    """The discussion row's (channel, root, thread) as a Discussion, or None."""
    if not found:
        return None
    name, root, thread = json.loads(found)
    where = ChannelRef(channel.platform, channel.workspace, str(name))
    return Discussion(where, arxiv_id, root_message_id=root, thread_id=thread)

"""Rows <-> models, and how times are written: shared by every repository module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import aiosqlite

from bot.models import (
    ChannelRef,
    Delivery,
    DeliveryStatus,
    EmptyDay,
    Feed,
    Paper,
    Subscription,
    UserRef,
)

# The paper columns every paper query selects, in paper_from_row's order (15 columns, so a
# query's extra columns start at index 15).
PAPER_COLUMNS = (
    "p.arxiv_id, p.version, p.title, p.abstract, p.authors, p.categories, p.keywords, "
    "p.published_at, p.hf_upvotes, p.hf_comments, p.github_repo, p.github_stars, "
    "p.project_page, p.ai_summary, p.thumbnail"
)


def stamp(when: datetime, *, precise: bool = False) -> str:
    """A time as stored: UTC ISO 8601 to the second, so stored times compare as text.
    ``precise`` keeps microseconds (delivery items are ordered by their time)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds" if precise else "seconds")


def parse_stamp(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    # Every writer stores UTC, so a time without an offset is UTC too.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def paper_from_row(row: aiosqlite.Row | Sequence[Any]) -> Paper:
    return Paper(
        arxiv_id=row[0],
        version=row[1],
        title=row[2],
        abstract=row[3],
        authors=tuple(json.loads(row[4])),
        categories=tuple(json.loads(row[5])),
        ai_keywords=tuple(json.loads(row[6])),
        published_at=parse_stamp(row[7]),
        hf_upvotes=row[8],
        hf_comments=row[9],
        github_repo=row[10],
        github_stars=row[11],
        project_page=row[12],
        ai_summary=row[13],
        thumbnail=row[14],
    )


def paper_params(p: Paper, now: str) -> tuple[Any, ...]:
    """The 17 values of a papers row (first_seen_at and updated_at are ``now``)."""
    return (
        p.arxiv_id,
        p.version,
        p.title,
        p.abstract,
        json.dumps(list(p.authors), ensure_ascii=False),
        json.dumps(list(p.categories)),
        json.dumps(list(p.ai_keywords), ensure_ascii=False),
        stamp(p.published_at) if p.published_at else None,
        p.hf_upvotes,
        p.hf_comments,
        p.github_repo,
        p.github_stars,
        p.project_page,
        p.ai_summary,
        p.thumbnail,
        now,
        now,
    )


def subscription_from_row(r: aiosqlite.Row) -> Subscription:
    return Subscription(
        id=r["id"],
        user=UserRef(r["platform"], r["workspace"], r["user_id"], r["display_name"]),
        query=r["query"],
        paused=bool(r["paused"]),
        paused_reason=r["paused_reason"],
        created_at=parse_stamp(r["created_at"]),
    )


def feed_from_row(r: aiosqlite.Row) -> Feed:
    hh, mm = r["post_time"].split(":")
    return Feed(
        id=r["id"],
        channel=ChannelRef(r["platform"], r["workspace"], r["channel"]),
        post_time=time(int(hh), int(mm)),
        timezone=r["timezone"],
        top_n=r["top_n"],
        topic=r["topic"],
        weekdays=frozenset(int(c) for c in r["weekdays"]),
        empty_day=EmptyDay(r["empty_day"]),
        created_by=r["created_by"],
        enabled=bool(r["enabled"]),
        disabled_reason=r["disabled_reason"],
        weekly_day=r["weekly_day"],  # from feed_recaps (FEED_SELECT in storage.feeds)
    )


def feed_params(feed: Feed) -> tuple[Any, ...]:
    """platform .. created_by, in the feeds table's order."""
    c = feed.channel
    return (
        c.platform,
        c.workspace,
        c.channel,
        feed.post_time.strftime("%H:%M"),
        feed.timezone,
        feed.top_n,
        feed.topic,
        "".join(str(d) for d in sorted(feed.weekdays)),
        feed.empty_day.value,
        feed.created_by,
    )


def delivery_from_row(row: aiosqlite.Row, posted: tuple[str, ...]) -> Delivery:
    plan = row["plan"]
    return Delivery(
        plan=tuple(json.loads(plan)) if plan is not None else None,
        feed_id=row["feed_id"],
        day=date.fromisoformat(row["day"]),
        status=DeliveryStatus(row["status"]),
        root_message_id=row["root_message_id"],
        thread_id=row["thread_id"],
        posted=posted,
        note=row["note"],
        updated_at=parse_stamp(row["updated_at"]),
        owner=row["owner"],
        content_day=date.fromisoformat(row["content_day"]) if row["content_day"] else None,
    )

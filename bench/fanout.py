"""Subscription fan-out: S subscriptions against one day of 500 new papers.

Two figures per S: ``SqlitePaperRepo.match_many`` plus the per-user grouping (the matching
work of ``Notifier.notify``), and the whole ``Notifier.notify`` run with a no-op adapter
(matching, per-user unsent checks, rendering, DMs, notification records).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import copy_store, drop_store, open_engine, show
from bench.corpus import END_DAY, CorpusModel, new_day_batch
from bench.queries import QueryMaker
from bot import query
from bot.messages import Message
from bot.models import ChannelRef, UserRef
from bot.ports import PostedRef

PLATFORM = "bench"
NEW_PAPERS = 500
DAY = END_DAY + timedelta(days=10)  # nothing else is featured within notify's window


class Deadline(BaseException):
    """Raised by NullAdapter.send_dm after its deadline. A BaseException, so notify's
    ``except Exception`` lets it through. (asyncio.wait_for cannot cap notify on Python
    3.11: the inner wait_for around send_dm swallows the cancellation when the DM finishes
    at the same moment, which a no-op adapter always does.)"""


class NullAdapter:
    """A ChatAdapter that only counts what it is asked to send."""

    platform = PLATFORM

    def __init__(self, deadline: float | None = None) -> None:
        self.dms = 0
        self.deadline = deadline  # time.perf_counter() value

    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        return PostedRef(channel, "m")

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        return PostedRef(channel, "m", thread_id="t")

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        return PostedRef(thread.channel, "m", thread.thread_id)

    async def edit(self, ref: PostedRef, message: Message) -> None: ...

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Deadline
        self.dms += 1
        return PostedRef(ChannelRef(PLATFORM, user.workspace, "dm"), f"dm{self.dms}")

    async def reply_ephemeral(
        self, channel: ChannelRef, user: UserRef, message: Message
    ) -> None: ...

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None


def subscription_rows(model: CorpusModel, count: int, seed: int) -> list[tuple[str, ...]]:
    """``count`` (platform, workspace, user_id, display_name, query, created_at) rows: users
    follow 1-8 topics (mean ~3); topic popularity is Zipf-like; queries stored canonical."""
    rng = random.Random(f"subs-{seed}")
    maker = QueryMaker(model, seed=seed + 100)
    rows: list[tuple[str, ...]] = []
    user = 0
    while len(rows) < count:
        user += 1
        seen: set[str] = set()
        for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8))):
            parsed = query.parse(maker.topic())
            canonical = parsed.describe()
            if parsed.error or parsed.is_empty or canonical in seen:
                continue
            seen.add(canonical)
            rows.append(
                (PLATFORM, "ws", f"u{user}", f"User {user}", canonical, "2026-09-01T00:00:00+00:00")
            )
            if len(rows) == count:
                break
    return rows


def prepare(src: Path, model: CorpusModel, subs: int, seed: int) -> Path:
    path = copy_store(src, f"fanout-{subs}.db")

    async def add_day() -> None:
        async with open_engine(path) as b:
            await b.store.papers.upsert(new_day_batch(model, DAY, NEW_PAPERS, seed))

    asyncio.run(add_day())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT OR IGNORE INTO subscriptions (platform, workspace, user_id, display_name, "
            "query, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            subscription_rows(model, subs, seed),
        )
    conn.close()
    return path


async def _measure(path: Path, notify_timeout: float) -> dict[str, Any]:
    now = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)
    async with open_engine(path, now=now) as b:
        adapter = NullAdapter()
        b.services.attach(adapter)
        store = b.store
        # 1) the matching work of Notifier.notify: candidates, subs, parse, match_many, grouping
        t0 = time.perf_counter()
        candidates = await store.papers.featured_between(DAY - timedelta(days=2), DAY)
        subs = await store.subscriptions.all_active()
        queries = []
        for sub in subs:
            parsed = query.parse(sub.query)
            if sub.id is not None and not parsed.error and not parsed.is_empty:
                queries.append((sub.id, parsed))
        t_parse = time.perf_counter()
        matched = await store.papers.match_many(queries, candidates)
        t_match = time.perf_counter()
        by_user: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for sub in subs:
            if sub.id in matched:
                by_user[(sub.user.platform, sub.user.workspace, sub.user.user_id)].append(sub.id)
        t_group = time.perf_counter()
        distinct = len({q.describe() for _, q in queries})
        # 2) the whole Notifier.notify with a no-op adapter
        t1 = time.perf_counter()
        adapter.deadline = t1 + notify_timeout
        timed_out = False
        try:
            sent = await b.services.notifier.notify(now, force=True)
        except Deadline:
            timed_out, sent = True, adapter.dms
        t_notify = time.perf_counter() - t1
    return {
        "subscriptions": len(subs),
        "distinct_queries": distinct,
        "users": len({s.user.user_id for s in subs}),
        "candidates": len(candidates),
        "subs_matched": len(matched),
        "users_matched": len(by_user),
        "pairs_matched": sum(len(v) for v in matched.values()),
        "load_and_parse_s": round(t_parse - t0, 3),
        "match_many_s": round(t_match - t_parse, 3),
        "grouping_s": round(t_group - t_match, 3),
        "matching_total_s": round(t_group - t0, 3),
        "notify_s": round(t_notify, 3),
        "dms_sent": sent,
        "notify_timed_out": timed_out,
        "adapter_dms": adapter.dms,
    }


def run(
    src: Path, src_n: int, sizes: list[int], *, seed: int, notify_timeout: float = 600.0
) -> dict[str, Any]:
    model = CorpusModel.build(src_n, seed)
    out: dict[str, Any] = {"store_n": src_n, "new_papers": NEW_PAPERS, "runs": []}
    for subs in sizes:
        path = prepare(src, model, subs, seed)
        try:
            out["runs"].append(asyncio.run(_measure(path, notify_timeout)))
        finally:
            drop_store(path)
    show(
        f"fan-out: subscriptions x {NEW_PAPERS} new papers (store N={src_n:,}), seconds",
        [
            "subscriptions",
            "distinct",
            "matched subs",
            "match_many",
            "matching total",
            "notify (all DMs)",
            "DMs",
        ],
        [
            (
                r["subscriptions"],
                r["distinct_queries"],
                r["subs_matched"],
                r["match_many_s"],
                r["matching_total_s"],
                f"> {r['notify_s']:.0f} (timeout)" if r["notify_timed_out"] else r["notify_s"],
                r["dms_sent"],
            )
            for r in out["runs"]
        ],
    )
    return out

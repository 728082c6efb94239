"""Posting one claimed daily thread: the root message, then each planned paper, each
recorded right after it went out, so a resumed thread posts only what is missing; or the
empty-day note. Retries wait with exponential backoff (:class:`bot.retries.Retries`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from bot.delivery.plan import (
    Attempt,
    Planner,
    Stopping,
    clip,
    reasons,
    source_names,
    stored_day_note,
)
from bot.delivery.schedule import content_day
from bot.models import Delivery, DeliveryStatus, EmptyDay, Feed, ScoredPaper
from bot.ports import ChatAdapter, DeliveryRepo, PostedRef
from bot.present.feeds import digest_header, digest_item, empty_day
from bot.present.text import counted, day_label
from bot.retries import Retries

log = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another run took the (feed, day) over (our lease had run out); stop posting."""


class PlannedScores(Protocol):
    """``Digests.planned``: scores and reasons for a resumed thread's fixed plan."""

    async def __call__(
        self,
        day: date,
        plan: Sequence[str],
        *,
        topic: str | None = None,
        platform: str = "console",
        workspace: str = "local",
    ) -> dict[str, ScoredPaper]: ...


async def still_ours(
    repo: DeliveryRepo, stopping: asyncio.Event, feed_id: int, day: date, owner: str
) -> None:
    """Before each post (a thread's or a recap's): not shutting down, and the claim is still
    ``owner``'s (renewed); raises Stopping or ClaimLost otherwise."""
    if stopping.is_set():
        raise Stopping
    if not await repo.renew(feed_id, day, owner):
        raise ClaimLost


class ThreadPoster:
    """The Publisher's hands: posts a thread whose (feed, day) row it has claimed."""

    def __init__(
        self,
        *,
        deliveries: DeliveryRepo,
        planner: Planner,
        planned: PlannedScores,
        stopping: asyncio.Event,
        retries: Retries[int],
        owner: str,
    ) -> None:
        self.deliveries = deliveries
        self.planner = planner
        self.planned = planned
        self.stopping = stopping
        self.retries = retries
        self.owner = owner

    async def _renew(self, feed: Feed, day: date) -> None:
        """Before each post: still ours, and not shutting down."""
        assert feed.id is not None
        await still_ours(self.deliveries, self.stopping, feed.id, day, self.owner)

    async def post(
        self,
        feed: Feed,
        day: date,
        claim: Delivery,
        adapter: ChatAdapter,
        attempt: Attempt,
    ) -> str:
        assert feed.id is not None
        repo, ch = self.deliveries, feed.channel
        own_day = content_day(feed, day)
        cday = claim.content_day or own_day
        plan, root, thread_id = claim.plan, claim.root_message_id, claim.thread_id
        ranked: dict[str, ScoredPaper] | None = None
        note = stored_day_note(cday) if cday != own_day else None
        if plan is None:
            if root is not None:  # the empty-day note went out; only the finish was lost
                await repo.finish(feed.id, day, DeliveryStatus.DONE, "empty day")
                return "No papers for that day; posted a short note."
            planned = await self.planner.plan(feed, own_day, attempt)
            if not planned.items:
                return await self._empty(feed, day, own_day, adapter, planned.errors, attempt)
            cday, note = planned.day, planned.note
            plan = tuple(s.paper.arxiv_id for s in planned.items)
            await repo.set_plan(feed.id, day, plan, content_day=cday)
            ranked = {s.paper.arxiv_id: s for s in planned.items}
        if ranked is None:
            ranked = await self.planned(
                cday, plan, topic=feed.topic, platform=ch.platform, workspace=ch.workspace
            )
        if root is None:
            header = digest_header(cday, len(plan), feed.topic, note=note)
            await self._renew(feed, day)
            ref = await adapter.open_thread(ch, header, header.thread_title or "Daily Papers")
            root, thread_id = ref.message_id, ref.thread_id or ref.message_id
            await repo.set_root(feed.id, day, root, thread_id)
        thread = PostedRef(channel=ch, message_id=root, thread_id=thread_id)
        posted, count = set(claim.posted), 0
        for rank, arxiv_id in enumerate(plan, 1):
            if arxiv_id in posted:
                continue
            item = ranked.get(arxiv_id)
            if item is None:
                log.warning("feed %s %s: planned paper %s is gone", feed.id, day, arxiv_id)
                continue
            await self._renew(feed, day)
            sent = await adapter.post_in_thread(thread, digest_item(item, rank))
            await repo.add_posted(feed.id, day, arxiv_id, sent.message_id)
            count += 1
        await repo.finish(feed.id, day, DeliveryStatus.DONE, note)
        self.retries.clear(feed.id, day)
        resumed = f" (resumed after {len(posted)})" if claim.root_message_id else ""
        log.info("feed %s %s: posted %d of %d papers%s", feed.id, day, count, len(plan), resumed)
        done = f"Posted the thread for {day_label(cday)} ({counted(len(plan), 'paper')})."
        return f"{done} {note}" if note else done

    async def _empty(
        self,
        feed: Feed,
        day: date,
        cday: date,
        adapter: ChatAdapter,
        errors: dict[str, str],
        attempt: Attempt,
    ) -> str:
        assert feed.id is not None
        repo = self.deliveries
        names = source_names(errors)
        if errors and not attempt.final:
            detail = clip(f"{names} could not be reached: " + reasons(errors))
            delay = self.retries.backoff(feed.id, day, attempt.now)
            await repo.release(feed.id, day, self.owner, note=detail)
            log.warning(
                "feed %s %s: no papers yet, retrying in %s: %s", feed.id, day, delay, detail
            )
            if attempt.manual:
                return (
                    f"{names} could not be reached, so nothing was posted; "
                    "try /papers post-now again in a few minutes."
                )
            return f"{names} could not be reached; retrying in {delay}"
        reason = f"No papers today: {names} could not be reached." if errors else None
        if errors:
            log.error(
                "feed %s %s: %s still failing when the grace window ended: %s",
                feed.id,
                day,
                names,
                reasons(errors),
            )
        self.retries.clear(feed.id, day)
        if feed.empty_day is EmptyDay.SKIP:
            note = f"{names} could not be reached" if errors else None
            await repo.finish(feed.id, day, DeliveryStatus.SKIPPED, note)
            return "No papers for that day; nothing was posted (this feed skips empty days)."
        await self._renew(feed, day)
        ref = await adapter.send(feed.channel, empty_day(cday, reason))
        await repo.set_root(feed.id, day, ref.message_id, ref.thread_id or ref.message_id)
        await repo.finish(feed.id, day, DeliveryStatus.DONE, reason or "empty day")
        return "No papers for that day; posted a short note."

"""Which papers a daily thread shows: the feed's ranked list of its content day, fetching the
day first when the store has nothing for it (fresh install, missed fetch). One fetch per day
per run is shared by every feed that needs it; an admin's post-now waits for it only so long,
then shows the latest day stored, saying why."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from bot.ingest import IngestReport
from bot.models import Feed, ScoredPaper
from bot.ports import InterimReply, PaperRepo
from bot.present.replies import confirm
from bot.present.text import day_label

log = logging.getLogger(__name__)

SOURCE_NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}

IngestDay = Callable[[date], Awaitable[IngestReport]]
# DeliveryRepo.posted_before: (feed id, day) -> papers its earlier threads posted
PostedBefore = Callable[[int, date], Awaitable[set[str]]]


async def nothing_posted(feed_id: int, day: date) -> set[str]:
    return set()


def repeats_note(skipped: int) -> str:
    what = "paper" if skipped == 1 else "papers"
    return f"{skipped} {what} of this day left out: this channel already had them."


class RankDay(Protocol):
    """``Digests.digest``: a day's papers ranked for a feed."""

    async def __call__(
        self,
        day: date,
        *,
        top: int = 10,
        topic: str | None = None,
        platform: str = "console",
        workspace: str = "local",
    ) -> list[ScoredPaper]: ...


class Stopping(Exception):
    """The process is shutting down (the stopping event): stop between two messages."""


@dataclass
class Attempt:
    now: datetime
    final: bool = False  # the grace window is over: no more waiting for the sources
    manual: bool = False  # an admin's post-now: answers are for a person, not the log
    fetches: dict[date, asyncio.Future[IngestReport]] = field(default_factory=dict)
    # how long to wait for a fetch (post-now's or the scheduled posts'; None: until it ends)
    wait: float | None = None
    # post-now only: how to tell the admin it is fetching
    progress: InterimReply | None = None


@dataclass(frozen=True)
class Plan:
    items: list[ScoredPaper]
    errors: dict[str, str]  # source name -> why it failed (or did not answer in time)
    day: date  # the HF day these papers are from
    note: str | None = None  # why ``day`` is not the post's own content day


def source_names(errors: Mapping[str, str]) -> str:
    return " and ".join(SOURCE_NAMES.get(n, n) for n in errors)


def reasons(errors: Mapping[str, str]) -> str:
    """The sources' sentences joined into one ("…later; …later"), without ".;"."""
    return "; ".join(e.strip().rstrip(".") for e in errors.values())


def stored_day_note(day: date) -> str:
    """Why a thread shows ``day`` (resumed: the first attempt's exact reason is gone)."""
    label = day_label(day)
    return f"The sources could not be reached, so this thread shows {label}, the latest day stored."


def clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Planner:
    def __init__(
        self,
        *,
        papers: PaperRepo,
        rank: RankDay,
        ingest: IngestDay,
        sources: Sequence[str],
        stopping: asyncio.Event,
        posted_before: PostedBefore = nothing_posted,
    ) -> None:
        self.posted_before = posted_before
        self.papers = papers
        self.rank = rank
        self.ingest = ingest
        self.sources = tuple(sources)
        self.stopping = stopping
        self._fetches: set[asyncio.Future[IngestReport]] = set()

    async def plan(self, feed: Feed, cday: date, attempt: Attempt) -> Plan:
        """The ranked list to post, and the sources that failed on the fetch it needed.
        Never a paper this channel already got in an earlier daily thread; a thread short
        because of that says so in its header."""
        skipped: list[int] = []
        plan = await self._plan(feed, cday, attempt, skipped)
        if not skipped or not skipped[-1] or len(plan.items) >= feed.top_n:
            return plan
        note = repeats_note(skipped[-1])
        return replace(plan, note=f"{plan.note} {note}" if plan.note else note)

    async def _plan(self, feed: Feed, cday: date, attempt: Attempt, skipped: list[int]) -> Plan:
        ch = feed.channel
        had = await self.posted_before(feed.id, cday) if feed.id is not None else set()

        async def ranked(day: date) -> list[ScoredPaper]:
            items = await self.rank(
                day,
                top=feed.top_n + len(had),
                topic=feed.topic,
                platform=ch.platform,
                workspace=ch.workspace,
            )
            fresh = [s for s in items if s.paper.arxiv_id not in had]
            skipped.append(len(items) - len(fresh))
            return fresh[: feed.top_n]

        # Whether the day is in the store is checked before ranking, not after: a fetch
        # finishing in between (the start-up fetch job, another feed) must not turn a full
        # day into an "empty" one.
        if await self.papers.featured_on(cday):
            return Plan(await ranked(cday), {}, cday)
        fetch = attempt.fetches.get(cday)
        if fetch is None:  # one fetch per day per run, shared by every feed that needs it
            fetch = attempt.fetches[cday] = self._start_fetch(cday)
        if attempt.progress is not None:
            names = source_names(dict.fromkeys(self.sources, "")) or "the sources"
            await attempt.progress(
                confirm(f"Fetching today's papers ({day_label(cday)}) from {names}…")
            )
        report = await self._wait_for(fetch, attempt.wait)
        if report is None:  # the wait is over: go on with what the store has (or retry later)
            fetch.cancel()  # the fetch jobs fetch the day again on their own schedule
            errors = {s: f"no answer within {attempt.wait:g} s" for s in self.sources}
        else:
            errors = dict(report.errors)
        items = await ranked(cday)
        if items or not errors or not attempt.manual:
            return Plan(items, errors, cday)
        stored = [d for d in await self.papers.days_with_papers(10) if d <= cday]
        if not stored:
            return Plan([], errors, cday)
        why = (
            f"{source_names(errors)} did not answer within {attempt.wait:g} s"
            if report is None
            else f"{source_names(errors)} could not be reached"
        )
        note = f"{why}, so this thread shows {day_label(stored[0])}, the latest day stored."
        log.info("feed %s: %s", feed.id, note)  # the admin who asked reads it in the answer
        return Plan(await ranked(stored[0]), errors, stored[0], note)

    def _start_fetch(self, day: date) -> asyncio.Future[IngestReport]:
        fetch = asyncio.ensure_future(self.ingest(day))
        self._fetches.add(fetch)
        fetch.add_done_callback(self._fetches.discard)
        return fetch

    async def _wait_for(
        self, fetch: asyncio.Future[IngestReport], patience: float | None
    ) -> IngestReport | None:
        """The fetch's report; None after ``patience`` seconds (None: no limit). Neither
        running out of patience nor our own cancellation cancels the shared fetch; shutting
        down stops the wait at once (the claim is released: nothing was posted yet)."""
        stopping = asyncio.ensure_future(self.stopping.wait())
        waiting: set[asyncio.Future[object]] = {fetch, stopping}  # type: ignore[arg-type]
        try:
            done, _ = await asyncio.wait(
                waiting, timeout=patience, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopping.cancel()
        if stopping in done:
            raise Stopping
        if fetch in done and not fetch.cancelled():  # another feed's wait may have cancelled it
            return fetch.result()
        return None

    def cancel_fetches(self) -> list[asyncio.Future[IngestReport]]:
        """Shutdown: cancel the fetches in flight (nothing was posted for them yet); returns
        them, to wait for their end."""
        running = list(self._fetches)
        for fetch in running:
            fetch.cancel()
        return running

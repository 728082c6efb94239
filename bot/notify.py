"""Subscription DMs: one message per user per (their local) day with the new papers matching
their topics, at their own DM time in their own zone (bot.dm_schedule), at most their DM size.

A Notification row per (subscription, paper) is written with the DM record, after the DM
went out, so a paper is never sent twice and a failed DM is tried again after a pause that
grows from 1 to 15 minutes. A record that fails after its DM went out is kept in memory and
retried at the start of every run, and that user is skipped meanwhile: the DM is never sent
again for it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot import query
from bot import taste as T
from bot.dm_schedule import day_start, due_day
from bot.models import Paper, PersonSettings, Subscriber, Subscription, UserRef
from bot.ports import (
    ChatAdapter,
    DeliveryError,
    DMClosedError,
    NotificationRepo,
    PaperRepo,
    SubscriptionRepo,
)
from bot.present.lists import dm_digest
from bot.retries import Retries

log = logging.getLogger(__name__)

NEW_PAPER_DAYS = 2  # "new" = featured today or in the two days before (UTC)
# A DM that failed is tried again after 1, 2, 4, 8, then every 15 minutes (the job runs every
# minute: without a pause a rate-limited or failing platform would be asked every minute).
RETRY_MAX = timedelta(minutes=15)  # between tries of a failing DM (1, 2, 4, 8, 15 min)
FEW_USERS = 100  # due people whose topics are read one by one; more: all topics in one read
CLOSED_DMS_NOTICE = (
    "I couldn't send you your daily topic digest because your direct messages "
    "are closed, so your subscriptions are paused. Open your DMs, then run "
    "/papers subscribe again to resume."
)


# ``TasteService.for_person``: the person's taste (own votes first, then the team's), or None
PersonTaste = Callable[[UserRef], Awaitable[T.Taste | None]]


async def no_taste(user: UserRef) -> T.Taste | None:
    return None


def by_taste(papers: list[Paper], taste: T.Taste | None) -> list[Paper]:
    """``papers`` best first for the person; without a taste, unchanged (stable sort)."""
    if taste is None:
        return papers
    scores = taste.scores(papers)
    return sorted(papers, key=lambda p: -scores.get(p.arxiv_id, 0.0))


def _key(user: UserRef) -> tuple[str, str, str]:
    return (user.platform, user.workspace, user.user_id)


@dataclass(frozen=True, slots=True)
class Due:
    """A person whose DM is due: their settings and the local day the DM is for."""

    person: Subscriber
    settings: PersonSettings
    day: date

    def mark(self, papers: int) -> tuple[date, int, tuple[int, int]]:
        """What a check of their topics against these new papers depends on."""
        return (self.day, papers, self.person.topics)


class Notifier:
    def __init__(
        self,
        *,
        papers: PaperRepo,
        subscriptions: SubscriptionRepo,
        notifications: NotificationRepo,
        adapters: Mapping[str, ChatAdapter],
        defaults: PersonSettings,
        subscribers: Callable[[], Awaitable[Sequence[Subscriber]]],
        taste_of: PersonTaste = no_taste,
    ) -> None:
        self.taste_of = taste_of
        self.papers = papers
        self.subscriptions = subscriptions
        self.notifications = notifications
        self.adapters = adapters
        self.defaults = defaults  # the server's DM settings, for what people did not choose
        self.subscribers = subscribers  # PersonSettingsRepo.subscribers
        # The notify job and every fetch job call notify(); two overlapping runs would both
        # pass the "DM sent today?" check and send twice. Another process on the same database
        # is kept out by a (person, day) claim row taken before sending.
        self._lock = asyncio.Lock()
        self.owner = uuid.uuid4().hex
        # DMs that went out but whose record failed: (platform, workspace, user id, day).
        self._unrecorded: dict[tuple[str, str, str, date], list[tuple[int, str]]] = {}
        # Whose DM failed, for which day: not tried again before a growing pause.
        self._retries: Retries[tuple[str, str, str]] = Retries(cap=RETRY_MAX)
        # Whose topics matched nothing new, on which day, papers and topics (Due.mark).
        self._nothing: dict[tuple[str, str, str], tuple[date, int, tuple[int, int]]] = {}

    async def notify(self, now: datetime, *, force: bool = False) -> int:
        """Send today's DMs that are due; returns how many went out."""
        async with self._lock:
            return await self._notify(now, force=force)

    async def _record(self, user: UserRef, day: date, pairs: list[tuple[int, str]]) -> bool:
        key = (user.platform, user.workspace, user.user_id, day)
        try:
            await self.notifications.record_dm(user, day, pairs)
        except Exception:
            self._unrecorded[key] = pairs
            log.exception(
                "DM to %s/%s went out but its record failed; retrying the record only",
                user.platform,
                user.user_id,
            )
            return False
        self._unrecorded.pop(key, None)
        return True

    async def _record_pending(self) -> None:
        for (platform, workspace, user_id, day), pairs in list(self._unrecorded.items()):
            await self._record(UserRef(platform, workspace, user_id), day, pairs)

    async def _due(self, now: datetime, force: bool) -> list[Due]:
        """The people whose DM is due now, with their settings and their local day; not those
        who had that day's DM (or whose DM is being recorded). No topic or paper is read."""
        due: list[Due] = []
        for person in await self.subscribers():
            user = person.user
            if user.platform not in self.adapters:
                continue
            mine = person.choices.over(self.defaults)  # an unknown zone: the server's
            day = due_day(now, mine, force=force)
            if day is None or (*_key(user), day) in self._unrecorded:
                continue
            retry_at = self._retries.at(_key(user), day)
            if force or retry_at is None or now >= retry_at:
                due.append(Due(person, mine, day))
        done: dict[date, set[tuple[str, str, str]]] = {}
        for day in sorted({d.day for d in due}):
            done[day] = await self.notifications.dm_users_on(day)
        # A local day is at most ~26 hours long, from 14 hours ahead of UTC to 12 behind.
        last = await self.notifications.last_dms(now - timedelta(days=2)) if due else {}
        return [
            d
            for d in due
            if _key(d.person.user) not in done[d.day]
            and not (
                (sent := last.get(_key(d.person.user))) and sent >= day_start(d.day, d.settings)
            )
        ]

    async def _topics(self, users: list[UserRef]) -> dict[UserRef, list[Subscription]]:
        """The active topics of ``users``: a read each for a few, one read of all for many."""
        out: dict[UserRef, list[Subscription]] = defaultdict(list)
        if len(users) <= FEW_USERS:
            for user in users:
                out[user] = [s for s in await self.subscriptions.list_for(user) if not s.paused]
            return out
        wanted = {_key(u): u for u in users}
        for sub in await self.subscriptions.all_active():
            owner = wanted.get(_key(sub.user))
            if owner is not None:
                out[owner].append(sub)
        return out

    async def _notify(self, now: datetime, *, force: bool) -> int:
        await self._record_pending()
        self._retries.forget_before(now - timedelta(days=2))  # days long gone
        due = await self._due(now, force)
        if not due:
            return 0
        today = now.astimezone(UTC).date()
        candidates = await self.papers.featured_between(
            today - timedelta(days=NEW_PAPER_DAYS), today
        )
        if not candidates:
            return 0
        # Someone due whose topics found nothing new stays due all day: check them again
        # only when the new papers or their topics changed, not every minute.
        papers_mark = hash(tuple(candidates))
        if not force:
            due = [d for d in due if self._nothing.get(_key(d.person.user)) != d.mark(papers_mark)]
        if not due:
            return 0
        topics = await self._topics([d.person.user for d in due])
        queries = []
        parsed_by_text: dict[str, query.ParsedQuery] = {}  # many people follow the same topics
        for user_subs in topics.values():
            for sub in user_subs:
                parsed = parsed_by_text.get(sub.query)
                if parsed is None:
                    parsed = parsed_by_text[sub.query] = query.parse(sub.query)
                if sub.id is not None and not parsed.error and not parsed.is_empty:
                    queries.append((sub.id, parsed))
        matched = await self.papers.match_many(queries, candidates)
        # Read once per run, not once per user: which pairs went out before, and the matched
        # papers themselves.
        sent_pairs = await self.notifications.sent_pairs(sorted(matched))
        all_ids = sorted({a for ids in matched.values() for a in ids})
        papers = await self.papers.get_many(all_ids)
        sent = 0
        for d in due:
            user, mine, day = d.person.user, d.settings, d.day
            matches, pairs = [], []
            for sub in topics.get(user, []):
                assert sub.id is not None
                unsent = [a for a in matched.get(sub.id, []) if (sub.id, a) not in sent_pairs]
                if unsent:
                    matches.append((sub.query, unsent))
                    pairs += [(sub.id, a) for a in unsent]
            if not matches:
                self._nothing[_key(user)] = d.mark(papers_mark)
                continue
            taste = await self.taste_of(user)
            message = dm_digest(
                day,
                [
                    (q, by_taste([papers[i] for i in ids if i in papers], taste))
                    for q, ids in matches
                ],
                limit=mine.dm_size,
            )
            adapter = self.adapters[user.platform]
            if not await self.notifications.claim_dm(user, day, self.owner):
                continue  # sent by another process meanwhile, or being sent by it now
            try:  # with the outbound policy's deadline: a hung DM is a DeliveryError
                await adapter.send_dm(user, message)
            except DMClosedError:
                await self.notifications.release_dm(user, day, self.owner)
                await self.subscriptions.pause_user(user, CLOSED_DMS_NOTICE)
                log.info("paused subscriptions of %s/%s: DMs closed", user.platform, user.user_id)
                continue
            except DeliveryError as exc:
                log.warning(
                    "DM to %s/%s failed, will retry: %s",
                    user.platform,
                    user.user_id,
                    exc,
                )
                await self.notifications.release_dm(user, day, self.owner)
                self._retries.backoff(_key(user), day, now)
                continue
            except Exception:  # one user's bad DM never stops the others'
                await self.notifications.release_dm(user, day, self.owner)
                log.exception("DM to %s/%s failed, will retry", user.platform, user.user_id)
                self._retries.backoff(_key(user), day, now)
                continue
            self._retries.clear(_key(user), day)
            sent += 1
            await self._record(user, day, pairs)
        return sent

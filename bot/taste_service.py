"""The current taste of a workspace or a person: stored in the database, retrained on demand.

A vote (or a person's first reply to a paper) bumps the workspace's taste-inputs version in
the same transaction (storage). Asking for a taste compares the stored model's version with
it and retrains when they differ, so a vote counts in the very next ranking; no nightly job.
The model lives in the SQLite file and survives a restart; a few decoded models are kept in
memory. Training (scikit-learn) runs in a worker thread, one at a time per taste.

Person tastes (DMs): trained on the whole workspace's signals with the person's own weighing
``bot.taste.PERSON_WEIGHT`` times more ("own votes first, then the team's"). A person with no
signals of their own gets the workspace's taste.

Phase 2 calls: ``for_workspace`` / ``for_person`` -> ``bot.taste.values(taste, papers)`` ->
``bot.ranking.score_papers(..., taste=...)``; ``explain`` for ``/papers why``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass

from bot import taste as T
from bot.models import Paper, UserRef
from bot.ports import Clock, DiscussionRepo, Store, TasteRepo, VoteRepo

log = logging.getLogger(__name__)

WORKSPACE = ""  # the user_id of a workspace's own taste
BACKGROUND = 2000  # newest featured papers contrasted with the votes
CACHE = 64  # decoded models kept in memory


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything a workspace's tastes learn from, as read from the store."""

    version: int
    signals: tuple[T.Signal, ...]
    background: tuple[Paper, ...]

    def has(self, user_id: str) -> bool:
        return any(s.user_id == user_id for s in self.signals)


class TasteService:
    def __init__(
        self,
        *,
        tastes: TasteRepo,
        votes: VoteRepo,
        discussions: DiscussionRepo,
        clock: Clock,
        background: int = BACKGROUND,
    ) -> None:
        self.tastes = tastes
        self.votes = votes
        self.discussions = discussions
        self.clock = clock
        self.background = background
        self._cache: OrderedDict[tuple[str, str, str, int], T.Taste | None] = OrderedDict()
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    @classmethod
    def of(cls, store: Store, clock: Clock, *, background: int = BACKGROUND) -> TasteService:
        """The service over ``store``'s three repositories it reads (tests, the bench)."""
        return cls(
            tastes=store.tastes,
            votes=store.votes,
            discussions=store.discussions,
            clock=clock,
            background=background,
        )

    async def for_workspace(self, platform: str, workspace: str) -> T.Taste | None:
        """The workspace's taste; None before anyone voted (the ranking stays as it was)."""
        return await self._current(platform, workspace, WORKSPACE)

    async def for_person(self, user: UserRef) -> T.Taste | None:
        """The person's taste for their DMs: their own signals first, then the team's."""
        version = await self.tastes.inputs_version(user.platform, user.workspace)
        own = await self.votes.labelled(user.platform, user.workspace, user.user_id)
        if not own:
            own_replies = await self.discussions.participation(
                user.platform, user.workspace, user.user_id
            )
            if not own_replies:
                return await self._current(user.platform, user.workspace, WORKSPACE, version)
        return await self._current(user.platform, user.workspace, user.user_id, version)

    async def signals(self, platform: str, workspace: str) -> Signals:
        """The workspace's votes, discussion participation and background papers."""
        version = await self.tastes.inputs_version(platform, workspace)
        votes = await self.votes.labelled(platform, workspace)
        replies = await self.discussions.participation(platform, workspace)
        background = await self.tastes.background(self.background) if votes or replies else []
        found = [T.Signal(user, paper, value) for user, paper, value in votes]
        found += [T.Signal(user, paper, 1, "discussion") for user, paper in replies]
        return Signals(version, tuple(found), tuple(background))

    async def explain(
        self, taste: T.Taste, paper: Paper, platform: str, workspace: str, user_id: str = WORKSPACE
    ) -> T.Explanation:
        """Why ``paper`` has its taste: terms up and down, and the voted papers it learned
        most from (their titles; no names)."""
        data = await self.signals(platform, workspace)
        rows = T.examples(data.signals, person=user_id or None)
        return taste.explain(paper, rows)

    # ------------------------------------------------------------------ internals
    async def _current(
        self, platform: str, workspace: str, user_id: str, version: int | None = None
    ) -> T.Taste | None:
        tastes = self.tastes
        if version is None:
            version = await tastes.inputs_version(platform, workspace)
        key = (platform, workspace, user_id, version)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        lock = self._locks.setdefault((platform, workspace, user_id), asyncio.Lock())
        async with lock:
            if key in self._cache:  # another caller trained it while this one waited
                return self._cache[key]
            taste = await self._stored(platform, workspace, user_id, version)
            if taste is None:
                taste = await self._train(platform, workspace, user_id)
            self._remember(key, taste)
            return taste

    async def _stored(
        self, platform: str, workspace: str, user_id: str, version: int
    ) -> T.Taste | None:
        stored = await self.tastes.get(platform, workspace, user_id)
        if stored is None or stored.version != version:
            return None
        try:
            return T.Taste.from_bytes(stored.model)
        except T.TasteFormatError as exc:
            log.warning("retraining the taste of %s:%s: %s", platform, workspace, exc)
            return None

    async def _train(self, platform: str, workspace: str, user_id: str) -> T.Taste | None:
        data = await self.signals(platform, workspace)
        rows = T.examples(data.signals, data.background, person=user_id or None)
        try:
            taste = await asyncio.to_thread(T.train, rows, version=data.version)
        except Exception:  # a ranking without a taste beats no ranking
            log.exception("could not learn the taste of %s:%s", platform, workspace)
            return None
        if taste is None:
            await self.tastes.forget(platform, workspace, user_id)
        else:
            await self.tastes.put(platform, workspace, user_id, data.version, taste.to_bytes())
        return taste

    def _remember(self, key: tuple[str, str, str, int], taste: T.Taste | None) -> None:
        self._cache[key] = taste
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)

"""What the core needs from the outside world, as Protocols: ``storage/`` and ``adapters/``
implement them; the core depends only on this file (the chat side is in
:mod:`bot.chat_ports`, re-exported here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.chat_ports import (
    ChatAdapter,
    CommandHandler,
    DeliveryError,
    DMClosedError,
    FileUploads,
    InterimReply,
    Permalinks,
    PostedRef,
    interim_reply,
)
from bot.models import (
    ChannelRef,
    Delivery,
    DeliveryStatus,
    Discussion,
    Feed,
    Paper,
    PersonChoices,
    SearchHit,
    SourceBatch,
    Subscriber,
    Subscription,
    UserRef,
    WeekTally,
)

# The chat ports, re-exported: the core imports every port from here. (mypy exports the
# names defined below anyway; __all__ only has to name the imported ones.)
__all__ = [
    "ChatAdapter",
    "CommandHandler",
    "DMClosedError",
    "DeliveryError",
    "FileUploads",
    "InterimReply",
    "Permalinks",
    "PostedRef",
    "interim_reply",
]

if TYPE_CHECKING:
    from bot.query import ParsedQuery


class SourceError(Exception):
    """An upstream could not give us a usable answer; the message is one clear sentence."""


class SubscriptionLimitError(Exception):
    """The user already has the maximum number of subscriptions."""


class DuplicateSubscriptionError(Exception):
    """The user already follows this exact topic."""


class PaperSource(Protocol):
    name: str

    async def fetch_day(self, day: date) -> SourceBatch: ...


class Clock(Protocol):
    def now(self) -> datetime: ...  # aware, UTC


class PaperRepo(Protocol):
    async def upsert(self, batch: SourceBatch) -> int: ...
    async def log_fetch(
        self,
        source: str,
        day: date | None,
        started: datetime,
        ok: bool,
        papers: int,
        error: str | None,
    ) -> None: ...
    async def last_fetch(self) -> datetime | None: ...
    async def get(self, arxiv_id: str) -> Paper | None: ...
    async def get_many(self, ids: Sequence[str]) -> dict[str, Paper]: ...
    async def count(self) -> int: ...
    async def search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        within: Sequence[str] | None = None,
        workspace: str | None = None,
    ) -> tuple[list[SearchHit], int, bool]:
        """(hits, total, exact): broad queries rank only their newest matches."""
        ...

    async def match_many(
        self, queries: Sequence[tuple[int, ParsedQuery]], within: Sequence[str]
    ) -> dict[int, list[str]]: ...
    async def relevance(self, query: ParsedQuery, arxiv_ids: Sequence[str]) -> dict[str, float]: ...
    async def featured_on(self, day: date) -> list[Paper]: ...
    async def featured_between(self, since: date, until: date) -> list[str]: ...
    async def days_with_papers(self, limit: int = 1) -> list[date]: ...
    async def recent(self, prefix: str, limit: int) -> list[Paper]: ...
    async def save_query(self, key: str, query: str) -> None: ...
    async def saved_query(self, key: str) -> str | None: ...


class VoteRepo(Protocol):
    async def toggle(
        self, user: UserRef, arxiv_id: str, at: datetime | None = None, value: int = 1
    ) -> tuple[bool, int]:
        """Toggle a +1 (up) or -1 (down) vote: the same again withdraws it, the other one
        replaces it. (the caller now has this vote, the paper's up-votes here)."""
        ...

    async def counts(self, platform: str, workspace: str, ids: Sequence[str]) -> dict[str, int]:
        """Up-votes per paper (down-votes are never a score)."""
        ...

    async def has_voted(self, user: UserRef, arxiv_id: str) -> bool:
        """Whether the caller has up-voted the paper."""
        ...

    async def vote_of(self, user: UserRef, arxiv_id: str) -> int: ...  # +1, -1, or 0: none

    async def labelled(
        self, platform: str, workspace: str, user_id: str | None = None
    ) -> list[tuple[str, Paper, int]]:
        """(user_id, paper, +1/-1) of the workspace's votes (or one person's), oldest first."""
        ...

    async def leaderboard(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int]]: ...
    async def week(self, channel: ChannelRef, start: datetime, end: datetime) -> WeekTally: ...


class SubscriptionRepo(Protocol):
    async def add(self, sub: Subscription, *, max_per_user: int) -> Subscription: ...
    async def list_for(self, user: UserRef) -> list[Subscription]: ...
    async def remove(self, user: UserRef, which: str) -> int: ...
    async def all_active(self) -> list[Subscription]: ...
    async def pause_user(self, user: UserRef, reason: str) -> int: ...
    async def resume_user(self, user: UserRef) -> int: ...
    async def pop_notice(self, user: UserRef) -> str | None: ...


class NotificationRepo(Protocol):
    async def unsent(self, sub_id: int, arxiv_ids: Sequence[str]) -> list[str]: ...
    async def mark_sent(self, pairs: Sequence[tuple[int, str]]) -> None: ...
    async def dm_sent_on(self, user: UserRef, day: date) -> bool: ...
    async def record_dm(
        self, user: UserRef, day: date, pairs: Sequence[tuple[int, str]]
    ) -> None: ...
    async def dm_users_on(self, day: date) -> set[tuple[str, str, str]]: ...
    # when each person's latest DM sent since ``since`` was recorded
    async def last_dms(self, since: datetime) -> dict[tuple[str, str, str], datetime]: ...
    async def claim_dm(
        self, user: UserRef, day: date, owner: str, lease_seconds: int = 600
    ) -> bool: ...
    async def release_dm(self, user: UserRef, day: date, owner: str) -> None: ...
    async def sent_pairs(self, sub_ids: Sequence[int]) -> set[tuple[int, str]]: ...


class PersonSettingsRepo(Protocol):  # what each person chose with /papers settings
    async def get(self, user: UserRef) -> PersonChoices: ...
    async def change(self, user: UserRef, changes: PersonChoices) -> PersonChoices: ...
    async def subscribers(self) -> list[Subscriber]: ...  # with active topics


class FeedRepo(Protocol):
    async def upsert(self, feed: Feed) -> Feed: ...
    async def get(self, channel: ChannelRef) -> Feed | None: ...
    async def get_by_id(self, feed_id: int) -> Feed | None: ...
    async def disable(self, feed_id: int, reason: str | None) -> None: ...
    async def enabled_since(self, feed_id: int) -> datetime | None: ...
    async def enabled(self) -> list[Feed]: ...
    async def all(self) -> list[Feed]: ...


class DeliveryRepo(Protocol):
    async def posted_before(self, feed_id: int, day: date) -> set[str]: ...
    async def claim(
        self,
        feed_id: int,
        day: date,
        owner: str,
        lease_seconds: int = 120,
        *,
        reopen: bool = False,
    ) -> Delivery | None: ...
    async def renew(self, feed_id: int, day: date, owner: str) -> bool: ...
    async def release(
        self, feed_id: int, day: date, owner: str, note: str | None = None
    ) -> None: ...
    async def get(self, feed_id: int, day: date) -> Delivery | None: ...
    async def set_plan(
        self,
        feed_id: int,
        day: date,
        plan: Sequence[str],
        *,
        content_day: date | None = None,
    ) -> None:
        """Fix the ids to post (in rank order) and the HF day they are from."""
        ...

    async def set_root(self, feed_id: int, day: date, root_id: str, thread_id: str) -> None: ...
    async def add_posted(self, feed_id: int, day: date, arxiv_id: str, message_id: str) -> None: ...
    async def finish(
        self, feed_id: int, day: date, status: DeliveryStatus, note: str | None
    ) -> None: ...
    async def last(self, feed_id: int) -> Delivery | None: ...
    async def message_for(self, feed_id: int, day: date, arxiv_id: str) -> str | None: ...


class DiscussionRepo(Protocol):
    async def claim(
        self, channel: ChannelRef, arxiv_id: str, user_id: str, at: datetime | None = None
    ) -> Discussion | None: ...
    async def get(self, channel: ChannelRef, arxiv_id: str) -> Discussion | None: ...
    async def opened(
        self, channel: ChannelRef, arxiv_id: str, root_id: str, thread_id: str
    ) -> None: ...
    async def forget(self, channel: ChannelRef, arxiv_id: str) -> None: ...
    async def paper_for(
        self, platform: str, workspace: str, *, thread_id: str | None, reply_to: str | None
    ) -> str | None: ...
    async def add_reply(
        self,
        platform: str,
        workspace: str,
        message_id: str,
        arxiv_id: str,
        user_id: str,
        at: datetime,
    ) -> bool: ...
    async def activity(
        self, platform: str, workspace: str, ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]: ...
    async def most_discussed(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int, int]]: ...
    async def participation(
        self, platform: str, workspace: str, user_id: str | None = None
    ) -> list[tuple[str, Paper]]:
        """(user_id, paper) once per person who replied in a paper's discussion."""
        ...


@dataclass(frozen=True, slots=True)
class StoredTaste:
    version: int  # TasteRepo.inputs_version it was trained on
    model: bytes  # bot.taste.Taste.to_bytes
    trained_at: datetime


class TasteRepo(Protocol):
    async def inputs_version(self, platform: str, workspace: str) -> int:
        """Bumped by every vote change and every person's first reply to a paper."""
        ...

    async def get(self, platform: str, workspace: str, user_id: str = "") -> StoredTaste | None: ...
    async def put(
        self, platform: str, workspace: str, user_id: str, version: int, model: bytes
    ) -> bool:
        """Store unless a model of a newer version is there; user_id '' is the workspace's."""
        ...

    async def forget(self, platform: str, workspace: str, user_id: str = "") -> None: ...
    async def background(self, limit: int) -> list[Paper]:
        """The newest featured papers, newest day first."""
        ...


class KeyValue(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str) -> None: ...


class Store(Protocol):
    """Every repository the core uses, on one database."""

    @property
    def papers(self) -> PaperRepo: ...
    @property
    def votes(self) -> VoteRepo: ...
    @property
    def subscriptions(self) -> SubscriptionRepo: ...
    @property
    def notifications(self) -> NotificationRepo: ...
    @property
    def person_choices(self) -> PersonSettingsRepo: ...
    @property
    def feeds(self) -> FeedRepo: ...
    @property
    def deliveries(self) -> DeliveryRepo: ...
    @property
    def recaps(self) -> DeliveryRepo: ...  # weekly recaps, claimed as daily threads are
    @property
    def kv(self) -> KeyValue: ...
    @property
    def discussions(self) -> DiscussionRepo: ...
    @property
    def tastes(self) -> TasteRepo: ...

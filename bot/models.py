"""Domain objects. Frozen dataclasses: values, not records with behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Platform(StrEnum):
    DISCORD = "discord"
    SLACK = "slack"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper, keyed by its arXiv id without version (``2411.01234``)."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published_at: datetime | None = None
    version: int | None = None
    hf_upvotes: int | None = None
    hf_comments: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    thumbnail: str | None = None

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"

    @property
    def on_hf(self) -> bool:
        """Whether Hugging Face has a page for this paper. Only HF reports upvotes, so a paper
        stored without them came from arXiv alone; HF has no old-style ids (hep-th/9901001)."""
        return self.hf_upvotes is not None and "/" not in self.arxiv_id

    @property
    def hf_url(self) -> str | None:
        """The paper's HF page, or None when HF does not have it (see :attr:`on_hf`)."""
        return f"https://huggingface.co/papers/{self.arxiv_id}" if self.on_hf else None


@dataclass(frozen=True, slots=True)
class FeaturedOn:
    """The day a source featured a paper (HF: UTC date of ``submittedOnDailyAt``)."""

    day: date
    arxiv_id: str
    source: str
    source_rank: int


@dataclass(frozen=True, slots=True)
class SourceBatch:
    """What one fetch (or one imported file) yields; stored in short transactions."""

    papers: tuple[Paper, ...] = ()
    featured: tuple[FeaturedOn, ...] = ()
    source: str = ""

    def __len__(self) -> int:
        return len(self.papers)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: str
    workspace: str
    channel: str


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is calling: enough to check permissions and scope votes and subscriptions."""

    platform: str
    workspace: str
    user_id: str
    display_name: str = ""
    is_admin: bool = False
    # May they post (and open threads) in the channel they act in? The platform says, as it
    # says is_admin; True where the adapter has nothing to check (console, DMs).
    may_post: bool = True


class EmptyDay(StrEnum):
    SKIP = "skip"
    NOTE = "note"


ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as commands take them


@dataclass(frozen=True, slots=True)
class Feed:
    """ "Post a daily thread in this channel"."""

    channel: ChannelRef
    post_time: time
    timezone: str
    top_n: int = 10
    topic: str | None = None
    weekdays: frozenset[int] = ALL_WEEKDAYS  # Monday = 0
    empty_day: EmptyDay = EmptyDay.NOTE
    created_by: str = ""
    enabled: bool = True
    disabled_reason: str | None = None
    id: int | None = None
    weekly_day: int | None = None  # the weekday of its weekly recap (Monday = 0); None: none


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    SKIPPED = "skipped"
    MISSED = "missed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    feed_id: int
    day: date
    status: DeliveryStatus
    root_message_id: str | None = None
    thread_id: str | None = None
    posted: tuple[str, ...] = ()  # arxiv ids already posted into the thread
    plan: tuple[str, ...] | None = None  # ids chosen at the first attempt, in rank order
    note: str | None = None
    updated_at: datetime | None = None
    owner: str | None = None  # the run holding a claim; None once released or finished
    content_day: date | None = None  # the HF day the thread shows (set with the plan)


@dataclass(frozen=True, slots=True)
class Subscription:
    user: UserRef
    query: str
    id: int | None = None
    paused: bool = False
    paused_reason: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    platform: str
    workspace: str
    user_id: str
    arxiv_id: str


@dataclass(frozen=True, slots=True)
class Component:
    """One named part of a score: its signal's value and its weight (from Settings)."""

    name: str  # hf_upvotes, votes, stars, relevance, freshness, discussion, taste
    value: float
    weight: float

    @property
    def points(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True, slots=True)
class ScoredPaper:
    """A paper with its score and the human reason for it. ``components``, in order, sum
    (weight × value) to the unrounded score; ``score`` is that sum rounded to 4 places."""

    paper: Paper
    score: float
    reason: str
    votes: int = 0
    relevance: float | None = None
    components: tuple[Component, ...] = ()

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)


@dataclass(frozen=True, slots=True)
class SearchHit:
    paper: Paper
    rank: float  # bm25: lower is better
    votes: int = 0


@dataclass(frozen=True, slots=True)
class PaperStats:
    """Local signals kept beside a paper."""

    votes: int = 0
    featured_days: tuple[date, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Discussion:
    """One discussion thread per (channel, paper)."""

    channel: ChannelRef
    arxiv_id: str
    root_message_id: str | None = None
    thread_id: str | None = None
    opened_by: str = ""


@dataclass(frozen=True, slots=True)
class Discussed:
    """A paper's discussion over a week: counted replies, people, and where its thread is
    (this channel's first, else another channel's of the workspace; None: replies only in a
    daily thread)."""

    paper: Paper
    replies: int
    people: int
    where: Discussion | None = None


@dataclass(frozen=True, slots=True)
class WeekTally:
    """A workspace's week for the weekly recap: who voted, what was up-voted, discussed."""

    voters: int  # distinct people with an up-vote in the week
    votes: int  # up-votes cast in the week
    upvoted: tuple[tuple[Paper, int], ...] = ()  # most up-votes in the week first
    discussed: tuple[Discussed, ...] = ()  # most counted replies in the week first

    @property
    def empty(self) -> bool:
        return not self.votes and not any(d.replies for d in self.discussed)


@dataclass(frozen=True, slots=True)
class PersonSettings:
    """One person's daily-DM settings, with the server's values where they set none."""

    dm_time: time  # local time in ``timezone`` when the day's DM may go out
    timezone: str  # IANA zone name
    dms: bool = True  # False: DMs paused, topics kept
    dm_size: int = 10  # at most this many papers in one DM (1–25)


def known_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this machine has (ZoneInfo caches what it loads)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class PersonChoices:
    """What one person chose with /papers settings; None is "the server's default", so a
    new server default moves everyone who never chose."""

    dm_time: time | None = None
    timezone: str | None = None
    dms: bool | None = None
    dm_size: int | None = None

    def over(self, defaults: PersonSettings) -> PersonSettings:
        """These choices over ``defaults`` (the server's values); a chosen zone this machine
        no longer knows (a tzdata update removed it) gives way to the server's."""
        return PersonSettings(
            dm_time=defaults.dm_time if self.dm_time is None else self.dm_time,
            timezone=self.timezone
            if self.timezone is not None and known_zone(self.timezone)
            else defaults.timezone,
            dms=defaults.dms if self.dms is None else self.dms,
            dm_size=defaults.dm_size if self.dm_size is None else self.dm_size,
        )

    def merged(self, changes: PersonChoices) -> PersonChoices:
        """These choices with the ones ``changes`` sets replaced."""
        return PersonChoices(
            dm_time=self.dm_time if changes.dm_time is None else changes.dm_time,
            timezone=changes.timezone or self.timezone,
            dms=self.dms if changes.dms is None else changes.dms,
            dm_size=self.dm_size if changes.dm_size is None else changes.dm_size,
        )


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Someone with active topics, as the notify job first reads them: what they chose of
    their DM settings, and a mark of their active topics that changes whenever those do."""

    user: UserRef
    choices: PersonChoices
    topics: tuple[int, int]  # (newest active topic id, how many active topics)

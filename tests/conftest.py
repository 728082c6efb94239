"""Shared fixtures: real SQLite files, a real Services, a fake clock and a recording adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.messages import Message
from bot.models import ChannelRef, SourceBatch, UserRef
from bot.ports import DeliveryError, PostedRef
from bot.sources.files import parse_file
from storage.db import Database
from storage.store import Repositories

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
HF_DAY = date(2026, 9, 24)  # the day of tests/fixtures/daily_papers_2026-09-24_3items.json


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings that ignore the developer's environment and .env file."""
    values: dict[str, Any] = {
        "database": tmp_path / "test.db",
        "timezone": "UTC",
        "sources": ["hf"],
        "http_retries": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class StaticSource:
    """A PaperSource serving fixed batches per day; ``fail`` makes it raise SourceError."""

    def __init__(self, name: str = "hf", batches: dict[date, SourceBatch] | None = None) -> None:
        self.name = name
        self.batches = batches or {}
        self.fail: str | None = None
        self.calls: list[date] = []

    async def fetch_day(self, day: date) -> SourceBatch:
        from bot.ports import SourceError

        self.calls.append(day)
        if self.fail:
            raise SourceError(self.fail)
        return self.batches.get(day, SourceBatch(source=self.name))


@dataclass
class RecordingAdapter:
    """A ChatAdapter that records what it is asked to post; faults can be injected."""

    platform: str = "console"
    posts: list[tuple[str, str, Message]] = field(default_factory=list)
    dms: list[tuple[UserRef, Message]] = field(default_factory=list)
    fail_after: int | None = None  # raise after this many successful posts
    fault: Exception | None = None
    channel_problem: str | None = None
    closed_dms: set[str] = field(default_factory=set)
    _n: int = 0

    def _next(self) -> str:
        if self.fail_after is not None and self._n >= self.fail_after:
            raise self.fault or DeliveryError("injected crash")
        self._n += 1
        return f"m{self._n}"

    async def start(self) -> None: ...
    async def close(self) -> None: ...

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        mid = self._next()
        self.posts.append(("send", mid, message))
        return PostedRef(channel, mid)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        mid = self._next()
        self.posts.append(("thread", mid, header))
        return PostedRef(channel, mid, thread_id=f"t{mid}")

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        mid = self._next()
        self.posts.append((f"in:{thread.thread_id}", mid, message))
        return PostedRef(thread.channel, mid, thread.thread_id)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        self.posts.append(("edit", ref.message_id, message))

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        from bot.ports import DMClosedError

        if user.user_id in self.closed_dms:
            raise DMClosedError()
        self.dms.append((user, message))
        return PostedRef(ChannelRef(self.platform, user.workspace, "dm"), self._next())

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        self.posts.append(("ephemeral", "-", message))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return self.channel_problem

    def thread_items(self) -> list[Message]:
        return [m for kind, _, m in self.posts if kind.startswith("in:")]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "settings(**values): Settings values for this test's services (not the env)"
    )


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """``@pytest.mark.settings(timezone=...)`` sets values: the services are built from
    Settings once, as in production, so a test says what it needs before they are built."""
    marker = request.node.get_closest_marker("settings")
    return make_settings(tmp_path, **(marker.kwargs if marker else {}))


@pytest.fixture
async def store(settings: Settings, clock: FakeClock) -> AsyncIterator[Repositories]:
    db = await Database.open(settings.database)
    try:
        yield Repositories(db, clock)
    finally:
        await db.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 9, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def source() -> StaticSource:
    return StaticSource()


@pytest.fixture
async def engine(
    settings: Settings, store: Repositories, clock: FakeClock, source: StaticSource
) -> Services:
    return build_services(settings, store, [source], clock)


@pytest.fixture
async def filled(engine: Services, store: Repositories) -> Services:
    """An engine whose store holds the in-repo fixtures (HF day 2026-09-24, arXiv, RSS)."""
    for path in sorted(FIXTURES.glob("*.json")) + sorted(FIXTURES.glob("*.xml")):
        await store.papers.upsert(parse_file(path))
    return engine


def alice(admin: bool = False) -> UserRef:
    return UserRef("console", "ws1", "alice", "Alice", is_admin=admin)


def bob(admin: bool = False) -> UserRef:
    return UserRef("console", "ws1", "bob", "Bob", is_admin=admin)


CHANNEL = ChannelRef("console", "ws1", "general")


TOPICS = [
    "diffusion sampling",
    "gaussian splatting",
    "retrieval augmented generation",
    "state space models",
    "protein folding",
    "speech recognition",
]


def make_batch(day: date, n: int, *, prefix: str = "2609.2", upvotes: int = 100) -> SourceBatch:
    """``n`` papers featured on ``day``, HF upvotes falling with rank, varied topics."""
    from bot.models import FeaturedOn, Paper

    papers, featured = [], []
    for i in range(n):
        arxiv_id = f"{prefix}{i:04d}"
        topic = TOPICS[i % len(TOPICS)]
        papers.append(
            Paper(
                arxiv_id=arxiv_id,
                title=f"Paper {i} on {topic}",
                abstract=f"We study {topic}. The heraldic method is simple and fast.",
                authors=(f"Author {i}", "Second Author"),
                categories=("cs.LG",),
                published_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC),
                hf_upvotes=max(0, upvotes - i),
                hf_comments=0,
            )
        )
        featured.append(FeaturedOn(day, arxiv_id, "hf", i + 1))
    return SourceBatch(tuple(papers), tuple(featured), "hf")


def fixture_ids() -> list[str]:
    data = json.loads((FIXTURES / "daily_papers_2026-09-24_3items.json").read_text())
    return [item["paper"]["id"] for item in data]

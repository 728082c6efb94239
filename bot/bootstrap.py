"""The core's composition: every service is built here, and only here, from Settings, the
store's repositories, the paper sources and a clock (``bot.app`` supplies the real ones,
tests their own). No service receives another whole: each gets the repositories, settings
values and callables it uses. The handlers get theirs by parameter name (bot.inject).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, TypeVar, runtime_checkable

from bot import handlers
from bot.actions import ACTIONS
from bot.commands import COMMANDS
from bot.config import Settings
from bot.delivery.plan import Planner
from bot.delivery.publisher import Publisher, PublishPolicy
from bot.digest import Digests, weights_from
from bot.discussion import Discussions
from bot.dispatch import Dispatcher
from bot.ingest import Ingest
from bot.inject import InjectionError, bind, bind_table
from bot.jobs import Jobs
from bot.metrics import Metrics, NullMetrics
from bot.models import Paper, PersonSettings, SourceBatch, UserRef
from bot.notify import Notifier
from bot.outbound import Outbound
from bot.ports import (
    ChatAdapter,
    Clock,
    PaperRepo,
    PaperSource,
    PersonSettingsRepo,
    SourceError,
    Store,
)
from bot.ratelimit import CommandLimiter
from bot.taste_service import TasteService

K = TypeVar("K")

LINK_FETCH_DEADLINE = 8.0  # seconds a pasted link may wait for its paper to be fetched


@runtime_checkable
class IdSource(Protocol):
    """A source that can fetch given papers by id (arXiv's id_list): for pasted links."""

    name: str

    async def fetch_ids(self, ids: Sequence[str]) -> SourceBatch: ...


@dataclass(repr=False)
class Services:
    """What the composition built: for ``bot.app``, the CLI, the scheduler and tests.
    No service receives this; it only holds them."""

    settings: Settings
    clock: Clock
    store: Store
    metrics: Metrics
    stopping: asyncio.Event
    ingest: Ingest
    digests: Digests
    tastes: TasteService
    publisher: Publisher
    notifier: Notifier
    discussions: Discussions
    dispatcher: Dispatcher
    jobs: Jobs
    # platform -> adapter, behind the outbound policy; shared (read-only) with the services
    adapters: dict[str, ChatAdapter] = field(default_factory=dict)

    def attach(self, adapter: ChatAdapter) -> ChatAdapter:
        """Serve ``adapter``'s platform, behind the one outbound policy (deadline, error
        mapping, metrics; every capability forwarded). Returns the wrapped adapter."""
        wrapped = Outbound(adapter, metrics=self.metrics)
        self.adapters[adapter.platform] = wrapped
        return wrapped

    async def drain(self, grace: float) -> None:
        """Shutdown: stop starting new posts and wait (bounded) for in-flight ones, which
        finish their current message and record their progress."""
        self.stopping.set()
        await self.publisher.drain(grace)


def build_services(
    settings: Settings,
    store: Store,
    sources: Sequence[PaperSource],
    clock: Clock,
    metrics: Metrics | None = None,
) -> Services:
    metrics = metrics or NullMetrics()
    adapters: dict[str, ChatAdapter] = {}
    stopping = asyncio.Event()
    ingest = Ingest(sources, store.papers, clock, metrics, deadline=settings.fetch_deadline)
    tastes = TasteService(
        tastes=store.tastes, votes=store.votes, discussions=store.discussions, clock=clock
    )
    digests = Digests(
        store.papers, store.votes, store.discussions, weights_from(settings), tastes.for_workspace
    )
    publisher = Publisher(
        deliveries=store.deliveries,
        feeds=store.feeds,
        planner=Planner(
            papers=store.papers,
            rank=digests.digest,
            ingest=ingest,
            sources=ingest.names,
            stopping=stopping,
            posted_before=store.deliveries.posted_before,
        ),
        planned=digests.planned,
        adapters=adapters,
        clock=clock,
        stopping=stopping,
        policy=PublishPolicy(
            grace=timedelta(hours=settings.publish_grace_hours),
            lease_seconds=settings.delivery_lease_seconds,
            post_now_wait=settings.post_now_wait,
            fetch_wait=settings.publish_fetch_wait,
        ),
        recaps=store.recaps,
        week=store.votes.week,
    )
    notifier = Notifier(
        papers=store.papers,
        subscriptions=store.subscriptions,
        notifications=store.notifications,
        adapters=adapters,
        defaults=server_settings(settings),
        subscribers=store.person_choices.subscribers,
        taste_of=tastes.for_person,
    )
    discussions = Discussions(
        papers=store.papers,
        votes=store.votes,
        discussions=store.discussions,
        feeds=store.feeds,
        deliveries=store.deliveries,
        kv=store.kv,
        adapters=adapters,
        clock=clock,
    )
    deps: dict[str, object] = {
        # repositories, by their name in the store
        "papers": store.papers,
        "votes": store.votes,
        "subscriptions": store.subscriptions,
        "feeds": store.feeds,
        "discussions": store.discussions,
        "person_choices": store.person_choices,
        # services, or the one thing of theirs a handler uses
        "clock": clock,
        "digests": digests,
        "tastes": tastes,
        "adapters": adapters,
        "open_discussion": discussions.discuss,
        "set_discuss": discussions.set_enabled,
        "outlook": publisher.outlook,
        "publish_now": publisher.post_now,
        "fetch_papers": _paper_fetcher(sources, store.papers, LINK_FETCH_DEADLINE),
        # settings values
        "max_subscriptions": settings.max_subscriptions,
        "dm_time": settings.dm_time,
        "default_timezone": settings.timezone,
        "server_settings": server_settings(settings),
        "person_settings": _person_settings(store.person_choices, server_settings(settings)),
    }
    dispatcher = Dispatcher(
        commands=bind_table(_complete(handlers.COMMANDS, [c.path for c in COMMANDS]), deps),
        actions=bind_table(_complete(handlers.ACTIONS, list(ACTIONS)), deps),
        completers=bind_table(
            _complete(
                handlers.COMPLETERS,
                {o.autocomplete for c in COMMANDS for o in c.options if o.autocomplete},
            ),
            deps,
        ),
        limiter=CommandLimiter(settings.command_rate_limit),
        pop_notice=store.subscriptions.pop_notice,
        record_reply=discussions.record_reply,
        metrics=metrics,
        links=bind(handlers.LINKS, deps),
        home=bind(handlers.HOME, deps),
    )
    jobs = Jobs(
        ingest=ingest,
        publish_due=publisher.publish_due,
        notify=notifier.notify,
        refresh_standings=discussions.refresh_standings,
        sources=settings.sources,
        clock=clock,
        stopping=stopping,
    )
    return Services(
        settings=settings,
        clock=clock,
        store=store,
        metrics=metrics,
        stopping=stopping,
        ingest=ingest,
        digests=digests,
        tastes=tastes,
        publisher=publisher,
        notifier=notifier,
        discussions=discussions,
        dispatcher=dispatcher,
        jobs=jobs,
        adapters=adapters,
    )


def _paper_fetcher(
    sources: Sequence[PaperSource], papers: PaperRepo, deadline: float
) -> Callable[[Sequence[str]], Awaitable[list[Paper]]]:
    """``fetch_papers(ids)``: the papers fetched by id from the first source that can
    (arXiv), stored (no featured rows) and returned; none when no source can. A failure or
    the overall ``deadline`` raises SourceError."""
    by_id = [s for s in sources if isinstance(s, IdSource)]

    async def fetch_papers(ids: Sequence[str]) -> list[Paper]:
        if not by_id or not ids:
            return []
        try:
            async with asyncio.timeout(deadline):
                batch = await by_id[0].fetch_ids(ids)
        except TimeoutError as exc:
            raise SourceError(f"{by_id[0].name} did not answer within {deadline:g} s") from exc
        if batch.papers:
            await papers.upsert(SourceBatch(papers=batch.papers, source=batch.source))
        return list(batch.papers)

    return fetch_papers


def server_settings(settings: Settings) -> PersonSettings:
    """The DM settings of everyone who chose none: PAPERHERALD_DM_TIME in
    PAPERHERALD_TIMEZONE, DMs on, the default DM size."""
    return PersonSettings(dm_time=settings.dm_time, timezone=settings.timezone)


def _person_settings(
    choices: PersonSettingsRepo, defaults: PersonSettings
) -> Callable[[UserRef], Awaitable[PersonSettings]]:
    """``person_settings(user)``: what the person chose (/papers settings) over the server's
    values, read each time (a change applies at once)."""

    async def person_settings(user: UserRef) -> PersonSettings:
        return (await choices.get(user)).over(defaults)

    return person_settings


def _complete(
    table: Mapping[K, handlers.Handler], declared: Iterable[K]
) -> Mapping[K, handlers.Handler]:
    """``table``, after checking that everything declared has a handler in it."""
    missing = [key for key in declared if key not in table]
    if missing:
        raise InjectionError(f"declared without a handler: {missing}")
    return table

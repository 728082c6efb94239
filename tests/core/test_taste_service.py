"""The taste service: retrained when the votes change, stored in the SQLite file, read back
after a restart without retraining."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import taste as T
from bot.clock import FakeClock
from bot.config import Settings
from bot.models import FeaturedOn, Paper, SourceBatch, UserRef
from bot.ranking import Weights, score_papers
from bot.taste_service import TasteService
from storage.db import Database
from storage.store import Repositories
from tests.taste_corpus import topical

DAYS = [date(2026, 9, d) for d in (21, 22, 23)]
TODAY = date(2026, 9, 24)
ALICE = UserRef("console", "local", "alice")
BOB = UserRef("console", "local", "bob")


def day_papers(day: date) -> list[Paper]:
    return topical("3d", 4, day, upvotes=8) + topical("llm", 4, day, upvotes=60)


async def seed(store: Repositories) -> None:
    for day in [*DAYS, TODAY]:
        papers = day_papers(day)
        await store.papers.upsert(
            SourceBatch(
                tuple(papers),
                tuple(FeaturedOn(day, p.arxiv_id, "hf", r) for r, p in enumerate(papers, 1)),
                source="hf",
            )
        )


async def upvote_3d(store: Repositories, who: UserRef = ALICE) -> None:
    for day in DAYS:
        for p in topical("3d", 4, day):
            await store.votes.toggle(who, p.arxiv_id)


def ranked(taste: T.Taste | None) -> list[str]:
    papers = day_papers(TODAY)
    out = score_papers(
        papers, day=TODAY, votes={}, weights=Weights(), taste=T.values(taste, papers)
    )
    return [s.paper.arxiv_id for s in out]


async def test_no_votes_no_taste(store: Repositories, clock: FakeClock) -> None:
    await seed(store)
    service = TasteService.of(store, clock)
    assert await service.for_workspace("console", "local") is None
    assert await service.for_person(ALICE) is None
    assert await store.tastes.get("console", "local") is None


async def test_a_vote_counts_in_the_very_next_ranking(
    store: Repositories, clock: FakeClock
) -> None:
    await seed(store)
    service = TasteService.of(store, clock)
    before = ranked(await service.for_workspace("console", "local"))
    assert all("llm" in i for i in before[:4])
    await upvote_3d(store)
    taste = await service.for_workspace("console", "local")
    assert taste is not None and taste.version == 12
    assert all("3d" in i for i in ranked(taste)[:4])
    stored = await store.tastes.get("console", "local")
    assert stored is not None and stored.version == 12
    # Withdrawing every vote: no taste again, and the stored model is dropped.
    for day in DAYS:
        for p in topical("3d", 4, day):
            await store.votes.toggle(ALICE, p.arxiv_id)
    assert await service.for_workspace("console", "local") is None
    assert await store.tastes.get("console", "local") is None


async def test_the_taste_survives_a_restart_without_retraining(
    settings: Settings, store: Repositories, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(store)
    await upvote_3d(store)
    first = await TasteService.of(store, clock).for_workspace("console", "local")
    assert first is not None

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("retrained after a restart")

    monkeypatch.setattr(T, "train", no_training)
    again = await Database.open(settings.database)
    try:
        service = TasteService.of(Repositories(again, clock), clock)
        loaded = await service.for_workspace("console", "local")
        assert loaded is not None and loaded.terms == first.terms
        papers = day_papers(TODAY)
        assert loaded.scores(papers) == pytest.approx(first.scores(papers), abs=1e-6)
    finally:
        await again.close()


async def test_an_unreadable_stored_taste_is_retrained(
    store: Repositories, clock: FakeClock
) -> None:
    await seed(store)
    await upvote_3d(store)
    version = await store.tastes.inputs_version("console", "local")
    await store.tastes.put("console", "local", "", version, b"garbage")
    taste = await TasteService.of(store, clock).for_workspace("console", "local")
    assert taste is not None
    stored = await store.tastes.get("console", "local")
    assert stored is not None and T.Taste.from_bytes(stored.model).terms == taste.terms


async def test_a_persons_taste_starts_from_their_own_votes(
    store: Repositories, clock: FakeClock
) -> None:
    await seed(store)
    for day in DAYS:  # Bob up-votes the LLM papers, Alice the 3D ones
        for p in topical("llm", 4, day):
            await store.votes.toggle(BOB, p.arxiv_id)
    service = TasteService.of(store, clock)
    carol = UserRef("console", "local", "carol")
    team = await service.for_workspace("console", "local")
    assert await service.for_person(carol) is team  # no votes of her own: the team's
    await upvote_3d(store)
    alice = await service.for_person(ALICE)
    assert alice is not None
    assert all("3d" in i for i in ranked(alice)[:4])
    assert await store.tastes.get("console", "local", "alice") is not None


async def test_discussion_participation_alone_makes_a_taste(
    store: Repositories, clock: FakeClock
) -> None:
    await seed(store)
    at = datetime(2026, 9, 23, 12, tzinfo=UTC)
    for n, p in enumerate(p for day in DAYS for p in topical("3d", 4, day)):
        await store.discussions.add_reply("console", "local", f"m{n}", p.arxiv_id, "alice", at)
    taste = await TasteService.of(store, clock).for_workspace("console", "local")
    assert taste is not None
    assert all("3d" in i for i in ranked(taste)[:4])


async def test_explain_lists_terms_and_voted_titles(store: Repositories, clock: FakeClock) -> None:
    await seed(store)
    await upvote_3d(store)
    service = TasteService.of(store, clock)
    taste = await service.for_workspace("console", "local")
    assert taste is not None
    paper = topical("3d", 1, TODAY)[0]
    why = await service.explain(taste, paper, "console", "local")
    assert why.up and why.value > 0
    voted = {p.title for day in DAYS for p in topical("3d", 4, day)}
    assert why.learned_from and all(lf.title in voted for lf in why.learned_from)

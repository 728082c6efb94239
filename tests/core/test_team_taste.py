"""Team taste in the rankings: through the dispatcher and handlers, on real SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.models import FeaturedOn, Paper, SourceBatch, UserRef
from bot.ranking import score_papers
from storage.db import Database
from storage.store import Repositories
from tests.conftest import StaticSource, alice, fixture_ids
from tests.taste_corpus import topical

EARLIER = [date(2026, 9, d) for d in (21, 22, 23, 24)]
TODAY = date(2026, 9, 25)  # the clock's day
WS = {"platform": "console", "workspace": "ws1"}


CODE = {"llm": 1, "3d": 2}


def papers_of(topic: str, day: date, upvotes: int) -> list[Paper]:
    """``topical`` papers under real arXiv ids: 2609.1DDnn for LLM, 2609.2DDnn for 3D."""
    return [
        replace(p, arxiv_id=f"2609.{CODE[topic]}{day:%d}{i:02d}")
        for i, p in enumerate(topical(topic, 5, day, upvotes=upvotes))
    ]


def day_papers(day: date) -> list[Paper]:
    # the crowd prefers the LLM papers: HF upvotes put them first
    return papers_of("llm", day, 80) + papers_of("3d", day, 5)


async def seed(store: Repositories) -> None:
    for day in [*EARLIER, TODAY]:
        papers = day_papers(day)
        await store.papers.upsert(
            SourceBatch(
                tuple(papers),
                tuple(FeaturedOn(day, p.arxiv_id, "hf", r) for r, p in enumerate(papers, 1)),
                source="hf",
            )
        )


async def vote(store: Repositories, topic: str, value: int, who: UserRef | None = None) -> None:
    for day in EARLIER:
        for p in papers_of(topic, day, 0):
            await store.votes.toggle(who or alice(), p.arxiv_id, value=value)


def topics(ids: list[str]) -> list[str]:
    return ["3d" if i.startswith("2609.2") else "llm" for i in ids]


async def test_cold_start_is_the_crowd_order(engine: Services, store: Repositories) -> None:
    await seed(store)
    ranked = await engine.digests.digest(TODAY, top=10, **WS)
    old = score_papers(
        day_papers(TODAY), day=TODAY, votes={}, weights=engine.digests.weights, activity={}
    )
    assert [(s.paper.arxiv_id, s.score) for s in ranked] == [
        (s.paper.arxiv_id, s.score) for s in old
    ]
    assert all(c.name != "taste" for s in ranked for c in s.components)


async def test_earlier_votes_reorder_the_next_day(engine: Services, store: Repositories) -> None:
    await seed(store)
    before = await engine.dispatcher.handle_text(alice(), "/papers today 3")
    await vote(store, "3d", +1)
    ranked = await engine.digests.digest(TODAY, top=5, **WS)
    assert topics([s.paper.arxiv_id for s in ranked]) == ["3d"] * 5
    after = await engine.dispatcher.handle_text(alice(), "/papers today 3")
    assert before.text != after.text
    first_3d = day_papers(TODAY)[5]
    assert first_3d.title in after.text and first_3d.title not in before.text


async def test_a_downvote_demotes_similar_papers(engine: Services, store: Repositories) -> None:
    await seed(store)
    await vote(store, "3d", +1)
    await vote(store, "llm", -1, UserRef("console", "ws1", "bob"))
    ranked = await engine.digests.digest(TODAY, top=10, **WS)
    taste = {
        s.paper.arxiv_id: dict((c.name, c.value) for c in s.components)["taste"] for s in ranked
    }
    assert all(v < 0 for i, v in taste.items() if i.startswith("2609.1"))
    assert topics([s.paper.arxiv_id for s in ranked])[-5:] == ["llm"] * 5


async def test_taste_persists_across_a_restart(
    settings: Settings, store: Repositories, clock: FakeClock, engine: Services
) -> None:
    await seed(store)
    await vote(store, "3d", +1)
    first = await engine.digests.digest(TODAY, top=10, **WS)
    again = await Database.open(settings.database)
    try:
        fresh = build_services(settings, Repositories(again, clock), [StaticSource()], clock)
        second = await fresh.digests.digest(TODAY, top=10, **WS)
    finally:
        await again.close()
    assert [(s.paper.arxiv_id, s.score) for s in first] == [
        (s.paper.arxiv_id, s.score) for s in second
    ]
    assert topics([s.paper.arxiv_id for s in second])[0] == "3d"


async def test_downvote_toggles_and_replaces_an_upvote(
    filled: Services, store: Repositories
) -> None:
    pid = fixture_ids()[0]
    me = alice()
    up = await filled.dispatcher.handle_text(me, f"/papers upvote {pid}")
    assert "1 vote here" in up.text
    down = await filled.dispatcher.handle_text(me, f"/papers downvote {pid}")
    assert down.text.startswith("👎") and "\n" not in down.text
    assert await store.votes.vote_of(me, pid) == -1
    assert (await store.votes.counts("console", "ws1", [pid])).get(pid, 0) == 0
    click = await filled.dispatcher.handle_action(me, f"downvote:{pid}")
    assert click.text.startswith("Removed your 👎") and await store.votes.vote_of(me, pid) == 0
    await filled.dispatcher.handle_text(me, f"/papers downvote {pid}")
    await filled.dispatcher.handle_action(me, f"upvote:{pid}")
    assert await store.votes.vote_of(me, pid) == 1


async def test_downvote_of_an_unknown_or_malformed_id_changes_nothing(
    filled: Services, store: Repositories
) -> None:
    version = await store.tastes.inputs_version("console", "ws1")
    for raw in ("2101.99999", "not-an-id", "../../etc"):
        reply = await filled.dispatcher.handle_text(alice(), f"/papers downvote {raw}")
        assert reply.is_error and "\n" not in reply.text and "Traceback" not in reply.text
    assert await store.tastes.inputs_version("console", "ws1") == version
    assert await store.votes.labelled("console", "ws1") == []


async def test_why_parts_sum_to_the_score_and_name_what_it_learned(
    engine: Services, store: Repositories
) -> None:
    await seed(store)
    cold = await engine.dispatcher.handle_text(
        alice(), f"/papers why {day_papers(TODAY)[5].arxiv_id}"
    )
    assert "No taste yet" in cold.text and "taste " not in cold.text.split("No taste")[0]
    await vote(store, "3d", +1)
    await vote(store, "llm", -1, UserRef("console", "ws1", "bob"))
    target = day_papers(TODAY)[5]
    ranked = await engine.digests.digest(TODAY, top=10, **WS)
    (scored,) = [s for s in ranked if s.paper.arxiv_id == target.arxiv_id]
    assert sum(c.points for c in scored.components) == pytest.approx(scored.score, abs=1e-3)
    reply = await engine.dispatcher.handle_text(alice(), f"/papers why {target.arxiv_id}")
    assert not reply.is_error
    lines = reply.text.splitlines()
    assert f"scores {scored.score:.3f}" in lines[0]
    parts = [float(line.rsplit("=", 1)[1]) for line in lines if " × " in line]
    assert len(parts) == 7  # HF upvotes, votes here, stars, topic, freshness, discussion, taste
    total = float(next(line for line in lines if line.strip().startswith("score")).split()[-1])
    assert sum(parts) == pytest.approx(total, abs=5e-3)
    assert total == pytest.approx(scored.score, abs=1e-3)
    assert "Taste pushed up by:" in reply.text and "Learned most from:" in reply.text
    assert "alice" not in reply.text.lower() and "bob" not in reply.text.lower()
    assert "your team likes:" in scored.reason


async def test_why_of_an_unknown_id_is_one_sentence(engine: Services) -> None:
    reply = await engine.dispatcher.handle_text(alice(), "/papers why 2101.99999")
    assert reply.is_error and "\n" not in reply.text

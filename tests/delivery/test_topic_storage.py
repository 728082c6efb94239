"""A topic means the same after it is stored: the DM run parses the stored text again
(issue 18, item 10), and topics stored by the previous describe() still match."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.bootstrap import Services
from bot.clock import FakeClock
from bot.models import FeaturedOn, Paper, SourceBatch, Subscription
from storage.store import Repositories
from tests.conftest import alice
from tests.delivery.conftest import Recorder, at_utc

TODAY = date(2026, 9, 25)

_PAPERS = [
    # (title, authors, abstract)
    ("Energy-Based Models", ("Yann LeCun", "Ada Lovelace"), "A tutorial."),
    ("Saddle Points", ("Yann Dauphin",), "As LeCun noted, saddles abound."),
    ("Capsules", ("Geoffrey Hinton",), "Routing by agreement."),
    ("Hinge Losses", ("Ada Hinkley",), "Margins."),
    ("Diffusion Models Beat GANs", ("Alan van der Berg",), "Diffusion for images."),
    ("Diffusion Der Sampler", ("Grace Hopper",), "Der is a word here; diffusion too."),
    ("Diffusion Policies", ("Grace Hopper",), "Robots that act."),
]


def _batch() -> SourceBatch:
    papers = tuple(
        Paper(
            arxiv_id=f"2609.25{i:03d}",
            title=title,
            abstract=abstract,
            authors=authors,
            published_at=datetime.combine(TODAY, time(0), tzinfo=UTC),
            hf_upvotes=10,
        )
        for i, (title, authors, abstract) in enumerate(_PAPERS, 1)
    )
    featured = tuple(
        FeaturedOn(day=TODAY, arxiv_id=p.arxiv_id, source="hf", source_rank=i)
        for i, p in enumerate(papers, 1)
    )
    return SourceBatch(papers=papers, featured=featured, source="hf")


@pytest.fixture
async def papers(store: Repositories, clock: FakeClock) -> None:
    clock.set(at_utc(2026, 9, 25, 7, 0))
    await store.papers.upsert(_batch())


async def _dm_titles(engine: Services, chat: Recorder) -> set[str]:
    assert await engine.notifier.notify(at_utc(2026, 9, 25, 9, 0)) == 1
    [(_, dm)] = chat.dms
    return {line[2:] for line in dm.text.splitlines()[1:] if line.startswith("- ")}


@pytest.mark.parametrize(
    "topic, titles",
    [
        ('author:"yann lecun"', {"Energy-Based Models"}),
        ("author:hin*", {"Capsules", "Hinge Losses"}),
        ('-author:"van der" diffusion', {"Diffusion Der Sampler", "Diffusion Policies"}),
    ],
)
async def test_a_subscribed_topic_matches_what_was_typed(
    engine: Services, chat: Recorder, papers: None, topic: str, titles: set[str]
) -> None:
    reply = await engine.dispatcher.handle_text(alice(), f"/papers subscribe {topic}")
    assert "Subscribed" in reply.text, reply.text
    assert await _dm_titles(engine, chat) == titles


async def test_a_topic_stored_by_the_old_describe_still_matches(
    engine: Services, store: Repositories, chat: Recorder, papers: None
) -> None:
    """A row written before the change (old describe() text), read by today's DM run and
    found again by its text for /papers unsubscribe."""
    old = "author:hinton OR author:lecun -saddle"
    await store.subscriptions.add(Subscription(user=alice(), query=old), max_per_user=10)
    assert await _dm_titles(engine, chat) == {"Capsules", "Energy-Based Models"}
    reply = await engine.dispatcher.handle_text(alice(), f"/papers unsubscribe {old}")
    assert "Unsubscribed" in reply.text, reply.text

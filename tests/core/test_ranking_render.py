from __future__ import annotations

from datetime import UTC, date, datetime

from bot.models import Paper
from bot.present.feeds import digest_header
from bot.present.lists import dm_digest
from bot.present.text import first_sentences, one_line_summary, shorten_authors
from bot.ranking import Weights, reason_line, scaled_relevance, score_papers

DAY = date(2026, 9, 24)


def p(arxiv_id: str, **kw: object) -> Paper:
    base: dict[str, object] = {
        "arxiv_id": arxiv_id,
        "title": arxiv_id,
        "abstract": "x",
        "published_at": datetime(2026, 9, 23, tzinfo=UTC),
    }
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_upvotes_votes_and_stars_each_lift_a_paper() -> None:
    papers = [p("a", hf_upvotes=10), p("b", hf_upvotes=10, github_stars=5000), p("c", hf_upvotes=3)]
    ranked = score_papers(papers, day=DAY, votes={"c": 40}, weights=Weights())
    assert [s.paper.arxiv_id for s in ranked] == ["c", "b", "a"]
    assert ranked[0].reason == "3 HF upvotes · 40 votes here · new (published Wed 23 Sep)"
    assert ranked[1].reason == "10 HF upvotes · ★5k on GitHub · new (published Wed 23 Sep)"


def test_ties_keep_the_source_order_and_freshness_counts() -> None:
    same = [p("a"), p("b")]
    assert [s.paper.arxiv_id for s in score_papers(same, day=DAY, votes={}, weights=Weights())] == [
        "a",
        "b",
    ]
    old = p("old", published_at=datetime(2026, 8, 1, tzinfo=UTC))
    ranked = score_papers([old, p("new")], day=DAY, votes={}, weights=Weights())
    assert ranked[0].paper.arxiv_id == "new"


def test_topic_relevance_appears_in_the_reason() -> None:
    rel = scaled_relevance({"a": -4.0, "b": -1.0})
    assert rel == {"a": 1.0, "b": 0.25}
    ranked = score_papers(
        [p("b"), p("a")],
        day=DAY,
        votes={},
        weights=Weights(),
        relevance_bm25={"a": -4.0, "b": -1.0},
        topic="diffusion",
    )
    assert ranked[0].paper.arxiv_id == "a" and "matches 'diffusion'" in ranked[0].reason
    assert reason_line(p("z")) == ""  # nothing stands out, and no day to call it new on


def test_author_lists_are_shortened() -> None:
    assert shorten_authors([]) == "Unknown authors"
    assert shorten_authors(["A", "B", "C", "D"]) == "A, B, C, D"
    assert shorten_authors([chr(65 + i) for i in range(15)]) == "A, B, C +12"


def test_summaries_prefer_hf_and_stop_at_a_sentence() -> None:
    assert first_sentences("We do X. Then Y happens.") == "We do X."
    assert (
        first_sentences("Results improve by 3.5 points. Next.") == "Results improve by 3.5 points."
    )
    long = "word " * 200
    assert first_sentences(long).endswith("…") and len(first_sentences(long)) <= 300
    assert one_line_summary(p("a", ai_summary="HF says so.")) == "HF says so."


def test_digest_header_names_the_day() -> None:
    msg = digest_header(DAY, 10)
    assert msg.text == "Daily Papers · Thu 24 Sep · 10 papers"
    assert msg.thread_title == "Papers · Thu 24 Sep" and not msg.ephemeral


def test_a_dm_shows_at_most_ten_cards_and_says_how_many_more() -> None:
    from bot.messages import PaperCard

    papers = [p(f"2609.{i:05d}") for i in range(25)]
    msg = dm_digest(DAY, [("diffusion", papers[:15]), ("splatting", papers[10:])])
    cards = [b for b in msg.blocks if isinstance(b, PaperCard)]
    assert len(cards) == 10 and len({c.arxiv_id for c in cards}) == 10
    assert msg.text.startswith("25 new papers for your topics")
    assert "…and 15 more" in msg.text

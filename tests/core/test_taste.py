"""The taste (bot/taste.py) and its place in the ranking (bot/ranking.py): pure, no I/O."""

from __future__ import annotations

import io
import math
import pickle
import struct
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot import taste as T
from bot.models import Paper
from bot.ranking import Weights, score_papers
from tests.taste_corpus import TOPICS, topical

DAY = date(2026, 9, 24)
DAYS = [date(2026, 9, d) for d in (21, 22, 23)]


def votes_for(topic: str, value: int, users: tuple[str, ...] = ("alice", "bob")) -> list[T.Signal]:
    """Every user votes ``value`` on the papers about ``topic`` of the three earlier days."""
    return [T.Signal(u, p, value) for day in DAYS for p in topical(topic, 4, day) for u in users]


def earlier_days() -> list[Paper]:
    return [p for day in DAYS for t in ("3d", "llm", "speech") for p in topical(t, 4, day)]


def order(ranked: list) -> list[str]:  # type: ignore[type-arg]
    return [s.paper.arxiv_id for s in ranked]


def old_score(p: Paper, day: date, votes: int, w: Weights) -> float:
    """The ranking's formula before tastes existed, verbatim."""
    return (
        w.hf_upvotes * math.log1p(p.hf_upvotes or 0)
        + w.votes * math.log1p(votes)
        + w.stars * math.log1p(p.github_stars or 0)
        + w.relevance * 0.0
        + w.freshness
        * (0.5 ** (max(0, (day - p.published_at.date()).days) / 3.0) if p.published_at else 0.0)
        + w.discussion * math.log1p(0)
    )


# ----------------------------------------------------------------------------- features


def test_features_cover_title_abstract_keywords_authors_and_categories() -> None:
    p = Paper(
        "2609.00001",
        "Gaussian Splatting",
        "We render scenes.",
        authors=("Ada Lovelace", "B", "C", "D", "E", "Last Author"),
        categories=("cs.CV",),
        ai_keywords=("Novel View Synthesis",),
    )
    terms = T.features(p)
    assert terms.count("gaussian") == T.TITLE_REPEAT
    assert {"render", "scenes", "kw:novel view synthesis", "au:ada lovelace", "cat:cs.cv"} <= set(
        terms
    )
    assert "au:last author" in terms and "au:d" not in terms  # first 3 and last 2 authors
    assert T.display_term("au:ada lovelace", p) == "Ada Lovelace"
    assert T.display_term("kw:novel view synthesis", p) == "Novel View Synthesis"
    assert T.features(Paper("2609.00002", "", "")) == []


def test_tfidf_is_scikit_learns_tfidf_vectorizer() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    rows = T.examples(votes_for("3d", 1), earlier_days())
    design = T.matrix(rows)
    assert design is not None
    vocab, idf, x = design
    vec = TfidfVectorizer(analyzer=lambda d: d, vocabulary=vocab, sublinear_tf=True)
    expected = vec.fit_transform([T.features(e.paper) for e in rows])
    assert np.allclose(vec.idf_, idf)
    assert abs(expected - x).max() < 1e-12


# ----------------------------------------------------------------------------- cold start


def test_no_votes_no_taste_and_the_ranking_is_exactly_todays() -> None:
    assert T.examples([], earlier_days()) == []
    assert T.train([]) is None
    assert T.learn([], earlier_days()) is None
    assert T.values(None, earlier_days()) is None
    papers = [
        replace(p, hf_upvotes=u)
        for p, u in zip(topical("3d", 6, DAY), (5, 50, 0, 7, 300, 1), strict=True)
    ]
    votes = {papers[2].arxiv_id: 3}
    w = Weights()
    ranked = score_papers(papers, day=DAY, votes=votes, weights=w, taste=None)
    assert [s.score for s in ranked] == [
        round(old_score(s.paper, DAY, votes.get(s.paper.arxiv_id, 0), w), 4) for s in ranked
    ]
    assert order(ranked) == order(score_papers(papers, day=DAY, votes=votes, weights=w))
    assert all(s.component("taste") is None for s in ranked)


def test_components_sum_to_the_score() -> None:
    taste = T.learn(votes_for("3d", 1), earlier_days())
    assert taste is not None
    papers = topical("3d", 3, DAY) + topical("llm", 3, DAY, upvotes=200)
    for s in score_papers(papers, day=DAY, votes={}, weights=Weights(), taste=taste.scores(papers)):
        names = [c.name for c in s.components]
        assert names == [
            "hf_upvotes",
            "votes",
            "stars",
            "relevance",
            "freshness",
            "discussion",
            "taste",
        ]
        assert math.isclose(sum(c.weight * c.value for c in s.components), s.score, abs_tol=5e-5)
        assert s.component("taste").weight == Weights().taste  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- learning


def test_votes_on_earlier_days_move_the_next_days_order() -> None:
    """The crowd (HF upvotes) prefers the LLM papers; a team that up-voted 3D papers for
    three days gets the 3D papers first."""
    today = topical("3d", 4, DAY, upvotes=8) + topical("llm", 4, DAY, upvotes=60)
    w = Weights()
    crowd = order(score_papers(today, day=DAY, votes={}, weights=w))
    assert all(i.startswith("2609.llm") for i in crowd[:4])
    taste = T.learn(votes_for("3d", 1), earlier_days())
    assert taste is not None
    ranked = order(score_papers(today, day=DAY, votes={}, weights=w, taste=taste.scores(today)))
    assert all(i.startswith("2609.3d") for i in ranked[:4])


def test_a_downvote_demotes_similar_papers() -> None:
    """Down-votes alone make a taste: papers like the down-voted ones fall below ordinary
    ones with the same HF upvotes."""
    taste = T.learn(votes_for("llm", -1), earlier_days())
    assert taste is not None
    today = topical("llm", 3, DAY, upvotes=40) + topical("speech", 3, DAY, upvotes=40)
    values = taste.scores(today)
    assert all(values[p.arxiv_id] < 0 for p in today[:3])
    ranked = order(score_papers(today, day=DAY, votes={}, weights=Weights(), taste=values))
    assert all(i.startswith("2609.speech") for i in ranked[:3])


def test_one_vote_is_a_small_nudge() -> None:
    (one,) = votes_for("3d", 1, users=("alice",))[:1]
    taste = T.learn([one], earlier_days())
    assert taste is not None and taste.strength == pytest.approx(0.25)
    values = taste.scores(topical("3d", 4, DAY) + topical("llm", 4, DAY))
    assert max(abs(v) for v in values.values()) <= 0.25
    assert max(values.values()) > 0  # it does count


def test_a_paper_with_no_text_scores_zero() -> None:
    taste = T.learn(votes_for("3d", 1), earlier_days())
    assert taste is not None
    empty = Paper("2609.99999", "", "")
    assert taste.score(empty) == 0.0
    assert taste.scores([empty]) == {"2609.99999": 0.0}
    why = taste.explain(empty, T.examples(votes_for("3d", 1)))
    assert why == T.Explanation(0.0, (), (), ())


def test_voted_papers_without_text_teach_nothing() -> None:
    blank = [T.Signal("alice", Paper(f"2609.0000{i}", "", ""), 1) for i in range(3)]
    assert T.learn(blank, earlier_days()) is None


def test_a_persons_own_votes_come_first() -> None:
    """Alice up-votes 3D; Bob and Carol up-vote LLM papers. Alice's taste prefers 3D, the
    team's prefers LLM."""
    signals = votes_for("3d", 1, users=("alice",)) + votes_for("llm", 1, users=("bob", "carol"))
    background = earlier_days()
    team = T.learn(signals, background)
    alice = T.learn(signals, background, person="alice")
    assert team is not None and alice is not None
    a3d, allm = topical("3d", 1, DAY)[0], topical("llm", 1, DAY)[0]
    assert team.score(allm) > team.score(a3d)
    assert alice.score(a3d) > alice.score(allm)


def test_examples_gather_signals_per_paper() -> None:
    p, q = topical("3d", 2, DAY)
    rows = T.examples(
        [
            T.Signal("alice", p, 1),
            T.Signal("bob", p, -1),
            T.Signal("alice", q, 1, "discussion"),
            T.Signal("alice", q, -1),  # her vote overrides her reply
            T.Signal("bob", q, 1, "discussion"),
        ],
        [p, *topical("llm", 1, DAY)],
    )
    by_id = {e.paper.arxiv_id: e for e in rows}
    assert by_id[p.arxiv_id].target == 0.0 and by_id[p.arxiv_id].weight == 2.0
    w = T.PARTICIPATION_WEIGHT
    assert by_id[q.arxiv_id].target == pytest.approx((-1 + w) / (1 + w))
    assert len(rows) == 3  # p is not background too
    assert [e.target for e in rows][-1] == 0.0


def test_explain_names_terms_and_the_papers_it_learned_from() -> None:
    signals = votes_for("3d", 1) + votes_for("llm", -1)
    taste = T.learn(signals, earlier_days())
    assert taste is not None
    paper = topical("3d", 1, DAY)[0]
    why = taste.explain(paper, T.examples(signals))
    assert why.value == pytest.approx(taste.score(paper)) and why.value > 0
    assert why.up and all(t.contribution > 0 for t in why.up)
    assert {t.term for t in why.up} & set(TOPICS["3d"]) | {"Gaussian Splatting"}
    assert all(t.contribution < 0 for t in why.down)
    assert len(why.learned_from) == 3
    assert all(lf.target > 0 and lf.arxiv_id.startswith("2609.3d") for lf in why.learned_from)


# ----------------------------------------------------------------------------- storing


def test_a_model_round_trips_through_bytes() -> None:
    taste = T.learn(votes_for("3d", 1) + votes_for("llm", -1), earlier_days(), version=7)
    assert taste is not None
    blob = taste.to_bytes()
    back = T.Taste.from_bytes(blob)
    assert back.version == 7 and back.terms == taste.terms and back.strength == taste.strength
    papers = topical("3d", 3, DAY) + topical("llm", 3, DAY) + topical("speech", 3, DAY)
    assert back.scores(papers) == pytest.approx(taste.scores(papers), abs=1e-6)
    assert len(blob) < 50_000


class Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("pickle ran",))


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"not zlib",
        zlib.compress(b"something else"),
        zlib.compress(pickle.dumps(Boom())),
        zlib.compress(T.MAGIC + struct.pack("<I", 2) + b"{}"),
    ],
)
def test_anything_but_a_stored_taste_is_refused(
    blob: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(T.TasteFormatError):
        T.Taste.from_bytes(blob)
    assert "pickle ran" not in capsys.readouterr().out


def test_object_arrays_are_refused_not_unpickled() -> None:
    """np.load(allow_pickle=False): an array of objects in the blob is an error, never run."""
    header = b'{"format": "paperherald-taste/1", "terms": ["a"], "strength": 1, "center": 0}'
    body = io.BytesIO()
    body.write(T.MAGIC + struct.pack("<I", len(header)) + header)
    np.save(body, np.array([Boom()], dtype=object), allow_pickle=True)
    np.save(body, np.array([1.0], dtype=np.float32))
    with pytest.raises(T.TasteFormatError):
        T.Taste.from_bytes(zlib.compress(body.getvalue()))


def test_an_oversized_blob_is_refused() -> None:
    with pytest.raises(T.TasteFormatError, match="too large"):
        T.Taste.from_bytes(zlib.compress(b"\0" * (T.MAX_BLOB + 1)))


def test_the_taste_weight_is_a_setting_with_the_rankings_default(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    assert make_settings(tmp_path).weight_taste == Weights().taste
    assert make_settings(tmp_path, weight_taste=2.5).weight_taste == 2.5

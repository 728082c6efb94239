"""Pure scoring: a day's papers for a feed, each with the reason for its score.

score = w_hf·log(1+HF upvotes) + w_votes·log(1+local votes) + w_stars·log(1+GitHub stars)
        + w_rel·relevance (bm25 of the feed topic, scaled to 0..1 within the day)
        + w_fresh·freshness (1 on the day of publication, halving every 3 days)
        + w_disc·log(1+replies in the paper's discussions here)
        + w_taste·taste (the workspace's or person's learned taste, -1..1; bot/taste.py)

Each scored paper carries these as named components (value, weight); without a taste there
is no taste component and the score is exactly what it was before tastes existed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date

from bot.models import Component, Paper, ScoredPaper

FRESHNESS_HALF_LIFE_DAYS = 3.0


@dataclass(frozen=True, slots=True)
class Weights:
    hf_upvotes: float = 1.0
    votes: float = 1.5
    stars: float = 0.3
    relevance: float = 1.0
    freshness: float = 0.5
    discussion: float = 0.8
    # A taste is -1..1; log(1+HF upvotes) is about 2..6 within a day. At 5, a paper of the
    # team's kind (taste ~+0.8) beats one with 30x its HF upvotes that the team's votes put
    # below ordinary (~-0.3): bench/taste.py's weight sweep.
    taste: float = 5.0


def freshness(paper: Paper, day: date) -> float:
    if paper.published_at is None:
        return 0.0
    age = max(0, (day - paper.published_at.date()).days)
    return float(0.5 ** (age / FRESHNESS_HALF_LIFE_DAYS))


def scaled_relevance(bm25: Mapping[str, float]) -> dict[str, float]:
    """SQLite's bm25 is negative, lower is better; map it to 0..1, best = 1."""
    if not bm25:
        return {}
    best = min(bm25.values())
    if best >= 0:
        return {k: 1.0 for k in bm25}
    return {k: max(0.0, v / best) for k, v in bm25.items()}


def compact(n: int) -> str:
    if n >= 1000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    return str(n)


def activity_text(replies: int, people: int) -> str:
    return (
        f"💬 {replies} repl{'ies' if replies != 1 else 'y'} · "
        f"{people} {'people' if people != 1 else 'person'}"
    )


def discussion_text(replies: int, people: int) -> str:
    """A paper's discussion: its replies, or that it was opened and has none yet."""
    return activity_text(replies, people) if replies else "💬 discussion opened, no replies yet"


NEW_WITHIN_DAYS = 2  # "new" only for a paper published at most this long before the day shown


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def reason_line(
    paper: Paper,
    *,
    votes: int = 0,
    day: date | None = None,
    topic: str | None = None,
    relevance: float | None = None,
    activity: tuple[int, int] | None = None,
) -> str:
    """The one line that says why a paper is listed, the same everywhere (threads, today,
    top, discussed, a paper's card), its parts always in this order:

    ``74 HF upvotes · 3 votes here · ★1.2k on GitHub · 💬 4 replies · 2 people ·
    matches 'diffusion' · new (published Wed 23 Sep)``

    ▲ is kept for this workspace's votes (the Upvote button), so HF upvotes are spelled out.
    ``activity`` is (replies, people) of the paper's discussions; (0, 0) is a discussion
    opened with no replies yet. "new" is said only for a paper published at most
    ``NEW_WITHIN_DAYS`` days before ``day``, the day the list shows. Empty when nothing
    stands out.
    """
    parts = []
    if paper.hf_upvotes:
        parts.append(_plural(paper.hf_upvotes, "HF upvote", "HF upvotes"))
    if votes:
        parts.append(_plural(votes, "vote here", "votes here"))
    if paper.github_stars:
        parts.append(f"★{compact(paper.github_stars)} on GitHub")
    if activity is not None:
        parts.append(discussion_text(*activity))
    if topic and relevance:
        parts.append(f"matches '{topic}'")
    if day is not None and paper.published_at is not None:
        published = paper.published_at.astimezone(UTC).date()
        if (day - published).days <= NEW_WITHIN_DAYS:
            parts.append(f"new (published {published:%a} {published.day} {published:%b})")
    return " · ".join(parts)


def score_papers(
    papers: Sequence[Paper],
    *,
    day: date,
    votes: Mapping[str, int],
    weights: Weights,
    relevance_bm25: Mapping[str, float] | None = None,
    topic: str | None = None,
    activity: Mapping[str, tuple[int, int]] | None = None,
    taste: Mapping[str, float] | None = None,
) -> list[ScoredPaper]:
    """Rank ``papers`` best first. Ties keep the input order (the source's own ranking).
    ``taste``: arxiv_id -> the learned taste (bot.taste.Taste.scores), a paper missing from
    it counting 0; None (no taste learned yet) leaves the score exactly as without tastes."""
    rel = scaled_relevance(relevance_bm25 or {})
    scored = []
    for index, paper in enumerate(papers):
        v = votes.get(paper.arxiv_id, 0)
        r = rel.get(paper.arxiv_id) if relevance_bm25 is not None else None
        act = (activity or {}).get(paper.arxiv_id)
        parts = [
            Component("hf_upvotes", math.log1p(paper.hf_upvotes or 0), weights.hf_upvotes),
            Component("votes", math.log1p(v), weights.votes),
            Component("stars", math.log1p(paper.github_stars or 0), weights.stars),
            Component("relevance", r or 0.0, weights.relevance),
            Component("freshness", freshness(paper, day), weights.freshness),
            Component("discussion", math.log1p(act[0] if act else 0), weights.discussion),
        ]
        if taste is not None:
            parts.append(Component("taste", taste.get(paper.arxiv_id, 0.0), weights.taste))
        # Left to right from the first term, as the one expression this replaced: the same
        # floating-point sum, so a ranking without a taste is bit-for-bit the old one.
        score = parts[0].weight * parts[0].value
        for part in parts[1:]:
            score += part.weight * part.value
        scored.append(
            (
                score,
                -index,
                ScoredPaper(
                    paper=paper,
                    score=round(score, 4),
                    reason=reason_line(
                        paper, votes=v, day=day, topic=topic, relevance=r, activity=act
                    ),
                    votes=v,
                    relevance=r,
                    components=tuple(parts),
                ),
            )
        )
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [s for _, _, s in scored]

"""Reading the store: search, a day's ranked digest, the newest stored day.

Every ranking of papers goes through here (``bot.ranking.score_papers`` with the configured
weights), for commands, the CLI and the daily threads alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date

from bot import query
from bot import taste as T
from bot.config import Settings
from bot.models import ScoredPaper
from bot.ports import DiscussionRepo, PaperRepo, VoteRepo
from bot.ranking import Weights, score_papers


def weights_from(settings: Settings) -> Weights:
    return Weights(
        hf_upvotes=settings.weight_hf_upvotes,
        votes=settings.weight_votes,
        stars=settings.weight_stars,
        relevance=settings.weight_relevance,
        freshness=settings.weight_freshness,
        discussion=settings.weight_discussion,
        taste=settings.weight_taste,
    )


# ``TasteService.for_workspace``: (platform, workspace) -> the workspace's taste, or None
WorkspaceTaste = Callable[[str, str], Awaitable[T.Taste | None]]


async def no_taste(platform: str, workspace: str) -> T.Taste | None:
    return None


TASTE_MATTERS = 1.0  # taste points from which the reason line names what the team likes


def with_taste_reason(scored: ScoredPaper, taste: T.Taste | None) -> ScoredPaper:
    """``scored`` with ``your team likes: gaussian splatting, 3D`` ending its reason line
    when the taste lifted it by at least ``TASTE_MATTERS`` points."""
    points = sum(c.points for c in scored.components if c.name == "taste")
    if taste is None or points < TASTE_MATTERS:
        return scored
    liked = [t.term for t in taste.explain(scored.paper, terms=2).up]
    if not liked:
        return scored
    line = f"your team likes: {', '.join(liked)}"
    return replace(scored, reason=f"{scored.reason} · {line}" if scored.reason else line)


class Digests:
    def __init__(
        self,
        papers: PaperRepo,
        votes: VoteRepo,
        discussions: DiscussionRepo,
        weights: Weights,
        taste: WorkspaceTaste = no_taste,
    ) -> None:
        self.papers = papers
        self.votes = votes
        self.discussions = discussions
        self.weights = weights
        self.taste = taste

    async def search(
        self,
        text: str,
        *,
        limit: int = 10,
        offset: int = 0,
        platform: str = "console",
        workspace: str = "local",
    ) -> tuple[list[ScoredPaper], int, query.ParsedQuery]:
        parsed = query.parse(text)
        if parsed.error or parsed.is_empty:
            return [], 0, parsed
        hits, total, _ = await self.papers.search(parsed, limit=limit, offset=offset)
        votes = await self.votes.counts(platform, workspace, [h.paper.arxiv_id for h in hits])
        out = [
            ScoredPaper(
                paper=h.paper,
                score=round(-h.rank, 4),
                reason="",
                votes=votes.get(h.paper.arxiv_id, 0),
            )
            for h in hits
        ]
        return out, total, parsed

    async def digest(
        self,
        day: date,
        *,
        top: int = 10,
        topic: str | None = None,
        platform: str = "console",
        workspace: str = "local",
    ) -> list[ScoredPaper]:
        """The day's papers ranked for a feed: HF upvotes, local votes, stars, topic,
        freshness, discussion and the workspace's taste; the top ``top`` of ALL the day's
        papers (matching the topic). Without a taste (no votes yet) exactly the old order."""
        papers = await self.papers.featured_on(day)
        bm25: dict[str, float] | None = None
        label = None
        if topic:
            parsed = query.parse(topic)
            if parsed.error:
                raise ValueError(parsed.error)
            bm25 = await self.papers.relevance(parsed, [p.arxiv_id for p in papers])
            papers = [p for p in papers if p.arxiv_id in bm25]
            label = parsed.describe()
        ids = [p.arxiv_id for p in papers]
        votes = await self.votes.counts(platform, workspace, ids)
        activity = await self.discussions.activity(platform, workspace, ids)
        taste = await self.taste(platform, workspace)
        ranked = score_papers(
            papers,
            day=day,
            votes=votes,
            weights=self.weights,
            relevance_bm25=bm25,
            topic=label,
            activity=activity,
            taste=T.values(taste, papers),
        )
        return [with_taste_reason(s, taste) for s in ranked[:top]]

    async def planned(
        self,
        day: date,
        plan: Sequence[str],
        *,
        topic: str | None = None,
        platform: str = "console",
        workspace: str = "local",
    ) -> dict[str, ScoredPaper]:
        """Scores and reasons for the papers of a resumed thread (votes may have moved; the
        order is fixed), also for those no longer featured that day or matching the topic."""
        wanted = set(plan)
        items = await self.digest(
            day, top=10_000, topic=topic, platform=platform, workspace=workspace
        )
        found = {s.paper.arxiv_id: s for s in items if s.paper.arxiv_id in wanted}
        missing = [i for i in plan if i not in found]
        if missing:
            papers = await self.papers.get_many(missing)
            votes = await self.votes.counts(platform, workspace, missing)
            gone = [papers[i] for i in missing if i in papers]
            taste = await self.taste(platform, workspace)
            for s in score_papers(
                gone,
                day=day,
                votes=votes,
                weights=self.weights,
                taste=T.values(taste, gone),
            ):
                found[s.paper.arxiv_id] = s
        return found

    async def latest_day(self) -> date | None:
        days = await self.papers.days_with_papers(1)
        return days[0] if days else None

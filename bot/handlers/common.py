"""What several handlers share: finding the paper a user means, and today's date."""

from __future__ import annotations

from datetime import UTC, date

from bot import arxiv_ids
from bot.models import Paper
from bot.ports import Clock, PaperRepo


async def known_paper(raw: str, papers: PaperRepo) -> Paper | str:
    """The stored paper ``raw`` (an id or URL) names, or the sentence saying why not."""
    key = arxiv_ids.normalise(raw)
    if key is None:
        return f"{raw[:60]!r} is not an arXiv id or URL (try 2411.01234)."
    paper = await papers.get(key)
    if paper is None:
        return (
            f"I don't have {key} yet. Look for it with /papers search and words from its "
            "title, or ask an admin to fetch the day it was featured "
            "(paperherald fetch --date YYYY-MM-DD)."
        )
    return paper


def utc_today(clock: Clock) -> date:
    return clock.now().astimezone(UTC).date()

"""Helpers for per-person DM tests: papers featured on given days, and "DMs at these UTC
minutes" runs of the notify job through a FakeClock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.models import FeaturedOn, Paper, SourceBatch


def featured(day: date, *titles: str, start: int = 1) -> SourceBatch:
    """Papers featured on HF on ``day``; ids derive from the day so days never collide
    (``start``: the number of the first, for more papers on a day already used)."""
    papers = tuple(
        Paper(
            arxiv_id=f"{day:%y%m}.{day.day:02d}{start + i:03d}",
            title=title,
            abstract=f"{title}. We report results.",
            published_at=datetime.combine(day, time(0), tzinfo=UTC),
            hf_upvotes=10,
        )
        for i, title in enumerate(titles)
    )
    rows = tuple(
        FeaturedOn(day=day, arxiv_id=p.arxiv_id, source="hf", source_rank=i + 1)
        for i, p in enumerate(papers)
    )
    return SourceBatch(papers=papers, featured=rows, source="hf")


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)

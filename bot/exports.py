"""The lists a workspace can export as a citation file, platform-free.

``collect`` reads a list from the store, ``bot.cite.FORMATS`` writes it, ``filename`` names
the file. The CLI (bot/cli_export.py) uses them today; chat's ``/papers export`` calls the
same three.

- ``week`` / ``month``: the leaderboard of the past 7 / 30 days (papers featured or voted on
  in the window, by this workspace's votes + HF upvotes): what ``/papers top week|month``
  shows, not cut at 10.
- ``top``: every paper this workspace has voted for, all time, ranked the same way.
- ``discussed``: every paper discussed in this workspace, by replies and people.
- ``mine``: one person's votes, newest first.

A list holds at most ``EXPORT_LIMIT`` papers; ``ExportList.truncated`` says when there were
more, so the caller can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.cite import FORMATS
from bot.models import Paper, UserRef
from bot.period import Period

LISTS = ("week", "month", "top", "discussed", "mine")
# 2,000 papers of 10 authors and a 1,200-character abstract: 1 MB of BibTeX, 3.4 MB of RIS,
# 4.8 MB of CSL-JSON, so every format fits a 10 MB chat attachment.
EXPORT_LIMIT = 2000
# The same windows as /papers top week|month (bot.period).
WINDOWS = (Period.WEEK, Period.MONTH)
_ALL_TIME = date(1970, 1, 1)


class ExportVotes(Protocol):
    async def leaderboard(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int]]: ...
    async def voted_papers(
        self, platform: str, workspace: str, limit: int
    ) -> list[tuple[Paper, int]]: ...
    async def voted_by(self, user: UserRef, limit: int) -> list[Paper]: ...


class ExportDiscussions(Protocol):
    async def most_discussed(
        self, platform: str, workspace: str, since: date, until: date, limit: int
    ) -> list[tuple[Paper, int, int]]: ...


class ExportStore(Protocol):
    """What exporting reads (storage.store.Repositories has it)."""

    @property
    def votes(self) -> ExportVotes: ...
    @property
    def discussions(self) -> ExportDiscussions: ...


class ExportUsageError(ValueError):
    """The request cannot name a list (unknown list or format, ``mine`` without a person)."""


@dataclass(frozen=True, slots=True)
class ExportList:
    name: str
    papers: tuple[Paper, ...]
    truncated: bool = False  # the list had more than the papers kept


async def collect(
    store: ExportStore,
    name: str,
    platform: str,
    workspace: str,
    today: date,
    user_id: str | None = None,
    limit: int = EXPORT_LIMIT,
) -> ExportList:
    """The papers of list ``name`` for a workspace, best first (``mine``: newest vote first).
    ``user_id`` is required for ``mine`` and ignored otherwise."""
    probe = limit + 1  # one more than kept tells whether the list was cut
    if name in WINDOWS:
        since, _ = Period(name).window(today)
        ranked = await store.votes.leaderboard(platform, workspace, since, today, probe)
        papers = [p for p, _ in ranked]
    elif name == "top":
        papers = [p for p, _ in await store.votes.voted_papers(platform, workspace, probe)]
    elif name == "discussed":
        rows = await store.discussions.most_discussed(platform, workspace, _ALL_TIME, today, probe)
        papers = [p for p, _, _ in rows]
    elif name == "mine":
        if not user_id:
            raise ExportUsageError("The list mine needs to know whose votes to export.")
        papers = await store.votes.voted_by(UserRef(platform, workspace, user_id), probe)
    else:
        raise ExportUsageError(f"There is no list {name!r}; the lists are {', '.join(LISTS)}.")
    return ExportList(name, tuple(papers[:limit]), truncated=len(papers) > limit)


def render(papers: tuple[Paper, ...] | list[Paper], fmt: str) -> str:
    """The file's text in format ``fmt`` (bibtex, ris, csl-json)."""
    found = FORMATS.get(fmt)
    if found is None:
        raise ExportUsageError(f"There is no format {fmt!r}; the formats are {', '.join(FORMATS)}.")
    return found.write(papers)


def filename(name: str, fmt: str, today: date) -> str:
    """``paperherald-week-2026-09-25.bib``."""
    return f"paperherald-{name}-{today.isoformat()}{FORMATS[fmt].extension}"


def empty_sentence(name: str, who: str = "You") -> str:
    """One sentence for an empty list; ``who`` names the person for ``mine``."""
    sentences = {
        "week": "No paper was featured or voted on in the past 7 days, so there is nothing "
        "to export.",
        "month": "No paper was featured or voted on in the past 30 days, so there is nothing "
        "to export.",
        "top": "Nobody here has upvoted a paper yet, so there is nothing to export.",
        "discussed": "No paper has been discussed here yet, so there is nothing to export.",
        "mine": f"{who} {'have' if who == 'You' else 'has'} not upvoted a paper here yet, so "
        "there is nothing to export.",
    }
    return sentences[name]


def truncated_sentence(count: int) -> str:
    return f"The list is longer than {count:,} papers; the file holds the first {count:,}."

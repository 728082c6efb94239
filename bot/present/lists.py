"""Lists of papers: today's ranking, search results, leaderboards, a DM digest, topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.actions import SEARCH_PAGE, encode
from bot.messages import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Header,
    Message,
    Text,
)
from bot.models import Paper, ScoredPaper, Subscription
from bot.period import Period
from bot.present.papers import paper_card
from bot.present.text import day_label
from bot.query import COUNT_CAP
from bot.ranking import discussion_text, reason_line


def ranked_list(title: str, items: Sequence[ScoredPaper], note: str | None = None) -> Message:
    """A whole ranked list in one message (``/papers today``)."""
    blocks: list[Block] = [Header(title)]
    if note:
        blocks.append(Context(note))
    for i, item in enumerate(items, 1):
        blocks.append(paper_card(item.paper, votes=item.votes, reason=item.reason, rank=i))
    lines = [
        title,
        *([note] if note else []),
        *(f"{i}. {s.paper.title}" for i, s in enumerate(items, 1)),
    ]
    return Message(text="\n".join(lines), blocks=tuple(blocks))


def search_results(
    query_text: str,
    papers: Sequence[tuple[Paper, int]],
    *,
    total: int,
    page: int,
    page_size: int,
    query_key: str,
    notes: Sequence[str] = (),
    exact: bool = True,
) -> Message:
    if total == 0:
        text = f"No papers match {query_text}. Try fewer words, or a prefix like diffus*."
        return Message(text=text, blocks=(Text(text),))
    pages = (min(total, COUNT_CAP) + page_size - 1) // page_size
    first = (page - 1) * page_size + 1
    shown = f"{min(total, COUNT_CAP):,}+" if total > COUNT_CAP or not exact else f"{total:,}"
    title = f"Results {first}–{first + len(papers) - 1} of {shown} for {query_text}"
    blocks: list[Block] = [Header(title)]
    blocks += [Context(n) for n in notes]
    if not exact:
        blocks.append(
            Context(
                "A broad search: papers with your words in the title come first, newest first. "
                "Add words or filters to narrow it."
            )
        )
    for i, (paper, votes) in enumerate(papers, first):
        blocks.append(paper_card(paper, votes=votes, rank=i))
    nav = []
    if page > 1:
        nav.append(Button("◀ Previous", encode(SEARCH_PAGE, query_key, page - 1), "previous"))
    if page < pages:
        nav.append(Button("Next ▶", encode(SEARCH_PAGE, query_key, page + 1), "next"))
    if nav:
        blocks.append(Actions(tuple(nav)))
    blocks.append(Context(f"Page {page} of {pages}"))
    lines = [title] + [f"{i}. {p.title}" for i, (p, _) in enumerate(papers, first)]
    return Message(text="\n".join(lines), blocks=tuple(blocks))


def top_list(period: Period, rows: Sequence[tuple[Paper, int]], day: date | None = None) -> Message:
    """The leaderboard; ``day`` is today, for the "new" part of each reason line."""
    title = f"Top papers {period.phrase}"
    if not rows:
        text = f"{title}: nothing yet. Upvote papers with ▲ to build the leaderboard."
        return Message(text=text, blocks=(Text(text),))
    blocks: list[Block] = [Header(title)]
    lines = [title]
    for i, (paper, votes) in enumerate(rows, 1):
        line = reason_line(paper, votes=votes, day=day)
        blocks.append(paper_card(paper, votes=votes, rank=i, reason=line))
        lines.append(f"{i}. {paper.title}" + (f" ({line})" if line else ""))
    return Message(text="\n".join(lines), blocks=tuple(blocks))


def discussed_list(period: Period, rows: Sequence[tuple[Paper, int, int]]) -> Message:
    title = f"Most discussed {period.phrase}"
    if not rows:
        text = f"{title}: no discussions yet. Click 💬 Discuss on a paper to start one."
        return Message(text=text, blocks=(Text(text),))
    blocks: list[Block] = [Header(title)]
    for i, (paper, replies, people) in enumerate(rows, 1):
        line = reason_line(paper, activity=(replies, people))
        blocks.append(paper_card(paper, rank=i, reason=line))
    lines = [title] + [
        f"{i}. {p.title} ({discussion_text(r, n)})" for i, (p, r, n) in enumerate(rows, 1)
    ]
    return Message(text="\n".join(lines), blocks=tuple(blocks))


def dm_digest(
    day: date, matches: Sequence[tuple[str, Sequence[Paper]]], *, limit: int = 10
) -> Message:
    """One DM: up to ``limit`` cards, grouped by topic, and how many more matched."""
    total = len({p.arxiv_id for _, papers in matches for p in papers})
    title = f"{total} new paper{'s' if total != 1 else ''} for your topics · {day_label(day)}"
    blocks: list[Block] = [Header(title)]
    lines = [title]
    seen: set[str] = set()
    for query, papers in matches:
        fresh = [p for p in papers if p.arxiv_id not in seen][: max(0, limit - len(seen))]
        if not fresh:
            continue
        blocks.append(Divider())
        blocks.append(Context(f"Matches for {query}"))
        for p in fresh:
            seen.add(p.arxiv_id)
            blocks.append(paper_card(p))
            lines.append(f"- {p.title}")
    if total > len(seen):
        more = f"…and {total - len(seen)} more; search them with /papers search <topic>."
        blocks.append(Context(more))
        lines.append(more)
    blocks.append(Context("Manage topics with /papers subscriptions."))
    return Message(text="\n".join(lines), blocks=tuple(blocks), ephemeral=False)


def subscriptions_list(
    subs: Sequence[Subscription], max_subs: int, dm_line: str | None = None
) -> Message:
    """The person's topics, and ``dm_line``: their DM settings (bot.present.settings)."""
    settings = (dm_line + ". Change with /papers settings.") if dm_line else None
    if not subs:
        text = 'You have no subscriptions. Try /papers subscribe "gaussian splatting" -survey'
        if settings:
            return Message(text=f"{text}\n{settings}", blocks=(Text(text), Context(settings)))
        return Message(text=text, blocks=(Text(text),))
    lines = [
        f"#{s.id}  {s.query}" + ("  (paused: " + (s.paused_reason or "") + ")" if s.paused else "")
        for s in subs
    ]
    title = f"Your subscriptions ({len(subs)}/{max_subs})"
    blocks: tuple[Block, ...] = (
        Header(title),
        Text("\n".join(lines)),
        *((Context(settings),) if settings else ()),
        Context(
            "New matches arrive as one direct message a day. "
            "Remove one with /papers unsubscribe <topic or #id>, or all of them with "
            "/papers unsubscribe all."
        ),
    )
    text = "\n".join([title, *lines, *([settings] if settings else [])])
    return Message(text=text, blocks=blocks)

"""Pure rendering: papers, results and lists -> neutral Messages. No platform limits here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions import ABSTRACT, DISCUSS, SEARCH_PAGE, UPVOTE, encode
from bot.messages import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Header,
    Link,
    Message,
    PaperCard,
    Text,
)
from bot.models import Feed, Paper, ScoredPaper, Subscription
from bot.period import Period
from bot.query import COUNT_CAP
from bot.ranking import discussion_text, reason_line
from bot.schedule import Outlook

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def shorten_authors(authors: Sequence[str], keep: int = 3) -> str:
    if not authors:
        return "Unknown authors"
    if len(authors) <= keep + 1:
        return ", ".join(authors)
    return ", ".join(authors[:keep]) + f" +{len(authors) - keep}"


def first_sentences(text: str, n: int = 1, limit: int = 300) -> str:
    text = " ".join(text.split())
    parts = _SENTENCE_END.split(text)
    out = " ".join(parts[:n])
    if len(out) > limit:
        cut = out[: limit - 1].rsplit(" ", 1)[0]
        out = cut.rstrip(",;:") + "…"
    return out


def one_line_summary(paper: Paper) -> str:
    if paper.ai_summary:
        return first_sentences(paper.ai_summary, n=2)
    return first_sentences(paper.abstract) if paper.abstract else ""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 paper", "3 papers", "1,200 papers"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def top_title(n: int) -> str:
    """ "Top paper" for one, "Top 5 papers" for more."""
    return "Top paper" if n == 1 else f"Top {counted(n, 'paper')}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def upvote_button(arxiv_id: str, votes: int) -> Button:
    return Button(
        label=f"▲ Upvote · {votes}" if votes else "▲ Upvote",
        action=encode(UPVOTE, arxiv_id),
        command=f"/papers upvote {arxiv_id}",
        style="primary",
    )


def paper_links(paper: Paper) -> tuple[Link, ...]:
    links = [Link("arXiv", paper.abs_url), Link("PDF", paper.pdf_url)]
    if paper.hf_url:
        links.append(Link("HF", paper.hf_url))
    if paper.github_repo:
        links.append(Link("Code", paper.github_repo))
    if paper.project_page and paper.project_page != paper.github_repo:
        links.append(Link("Project", paper.project_page))
    return tuple(links)


def paper_card(
    paper: Paper,
    *,
    votes: int = 0,
    reason: str | None = None,
    rank: int | None = None,
    full_abstract: bool = False,
    discuss: bool = True,
) -> PaperCard:
    """A paper's card; ``reason`` is its line from ``bot.ranking.reason_line``."""
    buttons = [upvote_button(paper.arxiv_id, votes)]
    if discuss:
        buttons.append(
            Button(
                "💬 Discuss", encode(DISCUSS, paper.arxiv_id), f"/papers discuss {paper.arxiv_id}"
            )
        )
    if not full_abstract:
        buttons.append(
            Button("Abstract", encode(ABSTRACT, paper.arxiv_id), f"/papers paper {paper.arxiv_id}")
        )
    return PaperCard(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        url=paper.hf_url or paper.abs_url,
        authors=shorten_authors(paper.authors),
        summary=one_line_summary(paper),
        categories=paper.categories[:4],
        reason=reason or None,
        rank=rank,
        links=paper_links(paper),
        buttons=tuple(buttons),
        thumbnail=paper.thumbnail,
        abstract=paper.abstract if full_abstract else None,
        published=paper.published_at.date().isoformat() if paper.published_at else None,
    )


def card_message(card: PaperCard, *, ephemeral: bool = True) -> Message:
    prefix = f"{card.rank}. " if card.rank else ""
    return Message(text=f"{prefix}{card.title} — {card.url}", blocks=(card,), ephemeral=ephemeral)


def paper_message(paper: Paper, votes: int, activity: tuple[int, int] | None = None) -> Message:
    line = reason_line(paper, votes=votes, activity=activity)
    card = paper_card(paper, votes=votes, reason=line, full_abstract=True)
    return card_message(card)


def discussion_root(paper: Paper, votes: int, activity: tuple[int, int] | None) -> Message:
    """The channel message a discussion thread hangs on: the paper's card, public."""
    line = reason_line(paper, votes=votes, activity=activity)
    card = paper_card(paper, votes=votes, reason=line, discuss=False)
    return Message(
        text=f"Discussion: {paper.title} — {card.url}",
        blocks=(card,),
        ephemeral=False,
        thread_title=paper.title,
    )


def discussion_seed(paper: Paper, opened_by: str) -> Message:
    """First message in a discussion: what the paper says, where to read it, who asked."""
    gist = paper.ai_summary or first_sentences(paper.abstract, n=2, limit=600)
    links = "  ·  ".join(f"{link.label}: {link.url}" for link in paper_links(paper))
    who = f"Discussion opened by {opened_by}. Reply in this thread." if opened_by else ""
    blocks: tuple[Block, ...] = (Text(gist), Context(links), *((Context(who),) if who else ()))
    return Message(text=f"{gist}\n{links}\n{who}".strip(), blocks=blocks, ephemeral=False)


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


def digest_header(
    day: date, count: int, topic: str | None = None, note: str | None = None
) -> Message:
    what = f"{count} paper{'s' if count != 1 else ''}"
    title = f"Daily Papers · {day_label(day)} · {what}"
    blocks: list[Block] = [Header(title)]
    if topic:
        blocks.append(Context(f"Topic: {topic}"))
    if note:
        blocks.append(Context(note))
    return Message(
        text=title,
        blocks=tuple(blocks),
        ephemeral=False,
        thread_title=f"Papers · {day_label(day)}" + (f" · {topic}" if topic else ""),
    )


def digest_item(item: ScoredPaper, rank: int) -> Message:
    return card_message(
        paper_card(item.paper, votes=item.votes, reason=item.reason, rank=rank), ephemeral=False
    )


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


def empty_day(day: date, reason: str | None = None) -> Message:
    text = reason or "No new papers today — see you tomorrow."
    title = f"Daily Papers · {day_label(day)}"
    return Message(text=f"{title}: {text}", blocks=(Header(title), Text(text)), ephemeral=False)


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


def subscriptions_list(subs: Sequence[Subscription], max_subs: int) -> Message:
    if not subs:
        text = 'You have no subscriptions. Try /papers subscribe "gaussian splatting" -survey'
        return Message(text=text, blocks=(Text(text),))
    lines = [
        f"#{s.id}  {s.query}" + ("  (paused: " + (s.paused_reason or "") + ")" if s.paused else "")
        for s in subs
    ]
    title = f"Your subscriptions ({len(subs)}/{max_subs})"
    blocks: tuple[Block, ...] = (
        Header(title),
        Text("\n".join(lines)),
        Context(
            "New matches arrive as one direct message a day. "
            "Remove one with /papers unsubscribe <topic or #id>, or all of them with "
            "/papers unsubscribe all."
        ),
    )
    return Message(text=title + "\n" + "\n".join(lines), blocks=blocks)


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


def _at(when: datetime, feed: Feed) -> str:
    local = when.astimezone(ZoneInfo(feed.timezone))
    return f"{day_label(local.date())} {local:%H:%M}"


def _next_line(feed: Feed, outlook: Outlook) -> str | None:
    post = outlook.next_post
    if not feed.enabled or post is None:
        return None
    line = (
        f"Next post: {_at(post.at, feed)} ({feed.timezone}), "
        f"papers of {day_label(post.content_day)}"
    )
    if not outlook.due:
        return line
    if outlook.last_live and outlook.last is not None and outlook.last.day == post.day:
        return f"{line} — being posted now"
    if not outlook.scheduled:
        return f"{line} — due; no scheduler runs here, so /papers post-now posts it"
    if outlook.retry_at is not None:
        return f"{line} — due; the next try is at {_at(outlook.retry_at, feed)}"
    return f"{line} — due; it goes out within a minute"


def _last_line(outlook: Outlook) -> str | None:
    last = outlook.last
    if last is None:
        return None
    what = f"Last thread: {day_label(last.day)}"
    if outlook.last_content_day is not None:
        what += f", papers of {day_label(outlook.last_content_day)}"
    note = f": {last.note}" if last.note else ""
    status = last.status.value
    if status == "done":
        if last.plan is None:  # the empty-day note
            why = note if last.note != "empty day" else ""
            return f"{what} — no papers, a short note was posted{why}"
        return f"{what} — posted{note}"
    if status == "skipped":
        return f"{what} — skipped (no papers){note}"
    if status in ("missed", "failed"):
        return f"{what} — {status}{note}"
    # claimed: posting right now, or given up for a later run (after a failure, at shutdown)
    planned = len(last.plan) if last.plan else 0
    if outlook.last_live:
        so_far = f" ({len(last.posted)} of {planned} papers so far)" if planned else ""
        return f"{what} — being posted now{so_far}"
    if last.root_message_id is not None:
        return (
            f"{what} — stopped after {len(last.posted)} of {planned} papers{note}; "
            "the next run finishes it"
        )
    return f"{what} — not posted yet{note}"


def feed_status(feed: Feed | None, outlook: Outlook | None = None) -> Message:
    if feed is None:
        text = (
            "This channel has no daily thread. An admin can start one with "
            "/papers channel setup 09:00 Europe/Berlin 10."
        )
        return Message(text=text, blocks=(Text(text),))
    outlook = outlook or Outlook()
    state = "on" if feed.enabled else "off"
    lines = [
        f"Daily thread: {state}" + (f" ({feed.disabled_reason})" if feed.disabled_reason else ""),
        f"Time: {feed.post_time:%H:%M} {feed.timezone}, top {feed.top_n}",
        f"Topic: {feed.topic or 'all papers'}",
        "Empty days: " + ("a short note" if feed.empty_day.value == "note" else "no post"),
    ]
    lines += [line for line in (_next_line(feed, outlook), _last_line(outlook)) if line]
    text = "\n".join(lines)
    return Message(text=text, blocks=(Header("Daily thread in this channel"), Text(text)))


def confirm(text: str, *, ephemeral: bool = True) -> Message:
    return Message(text=text, blocks=(Text(text),), ephemeral=ephemeral)

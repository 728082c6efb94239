"""Papers: today's ranking, search (and its pages), one paper, leaderboards, votes."""

from __future__ import annotations

import hashlib

from bot import actions, arxiv_ids, query
from bot.commands import CommandCall
from bot.digest import Digests
from bot.handlers.common import known_paper, utc_today
from bot.messages import Message, error
from bot.models import UserRef
from bot.period import DEFAULT_PERIOD, Period
from bot.ports import Clock, DiscussionRepo, PaperRepo, VoteRepo
from bot.present.lists import discussed_list, ranked_list, search_results, top_list
from bot.present.papers import downvote_toggled, paper_message, vote_toggled
from bot.present.text import day_label, top_title

SEARCH_PAGE_SIZE = 5


def query_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


async def today(caller: UserRef, call: CommandCall, clock: Clock, digests: Digests) -> Message:
    n = int(call.get("n") or 10)
    day = utc_today(clock)
    where = {"platform": caller.platform, "workspace": caller.workspace}
    items = await digests.digest(day, top=n, **where)
    note = None
    if not items:
        latest = await digests.latest_day()
        if latest is None:
            return error("No papers are stored yet; they arrive with the next fetch.")
        note = f"No papers yet for {day_label(day)}; here is {day_label(latest)}."
        day = latest
        items = await digests.digest(latest, top=n, **where)
    return ranked_list(f"{top_title(len(items))} · {day_label(day)}", items, note=note)


async def search(caller: UserRef, call: CommandCall, papers: PaperRepo, votes: VoteRepo) -> Message:
    return await search_page(caller, str(call.get("query") or ""), 1, papers, votes)


async def search_page_click(
    caller: UserRef, call: actions.ActionCall, papers: PaperRepo, votes: VoteRepo
) -> Message:
    text = await papers.saved_query(call.get("query_key"))
    if text is None:
        return error("That search has expired; run /papers search again.")
    return await search_page(caller, text, int(call.get("page")), papers, votes)


async def search_page(
    caller: UserRef, text: str, page: int, papers: PaperRepo, votes: VoteRepo
) -> Message:
    parsed = query.parse(text)
    if parsed.error:
        return error(parsed.error)
    if parsed.is_empty:
        return error("Type at least one word to search for, e.g. /papers search diffusion.")
    if not parsed.has_terms and not parsed.has_filters:
        return error("Add a word to search for besides the exclusions.")
    key = query_key(text)
    page = max(1, page)
    offset = (page - 1) * SEARCH_PAGE_SIZE
    try:
        hits, total, exact = await papers.search(
            parsed, limit=SEARCH_PAGE_SIZE, offset=offset, workspace=caller.workspace
        )
    except query.QueryTooBroad as exc:
        return error(str(exc))
    if not hits and total and offset >= total:
        return error("There are no more results.")
    if total > SEARCH_PAGE_SIZE:  # only paged results need the query behind their buttons
        await papers.save_query(key, text)
    counts = await votes.counts(caller.platform, caller.workspace, [h.paper.arxiv_id for h in hits])
    return search_results(
        parsed.describe(),
        [(h.paper, counts.get(h.paper.arxiv_id, 0)) for h in hits],
        total=total,
        page=page,
        page_size=SEARCH_PAGE_SIZE,
        query_key=key,
        notes=parsed.notes,
        exact=exact,
    )


async def paper(
    caller: UserRef,
    call: CommandCall,
    papers: PaperRepo,
    votes: VoteRepo,
    discussions: DiscussionRepo,
) -> Message:
    return await show_paper(caller, str(call.get("id")), papers, votes, discussions)


async def abstract_click(
    caller: UserRef,
    call: actions.ActionCall,
    papers: PaperRepo,
    votes: VoteRepo,
    discussions: DiscussionRepo,
) -> Message:
    return await show_paper(caller, call.get("arxiv_id"), papers, votes, discussions)


async def show_paper(
    caller: UserRef, raw: str, papers: PaperRepo, votes: VoteRepo, discussions: DiscussionRepo
) -> Message:
    found = await known_paper(raw, papers)
    if isinstance(found, str):
        return error(found)
    ids = [found.arxiv_id]
    counts = await votes.counts(caller.platform, caller.workspace, ids)
    activity = await discussions.activity(caller.platform, caller.workspace, ids)
    return paper_message(found, counts.get(found.arxiv_id, 0), activity.get(found.arxiv_id))


async def top(
    caller: UserRef,
    call: CommandCall,
    clock: Clock,
    votes: VoteRepo,
    discussions: DiscussionRepo,
) -> Message:
    period = Period(str(call.get("period") or DEFAULT_PERIOD))
    since, until = period.window(utc_today(clock))
    if call.get("by") == "discussed":
        discussed = await discussions.most_discussed(
            caller.platform, caller.workspace, since, until, 10
        )
        return discussed_list(period, discussed)
    rows = await votes.leaderboard(caller.platform, caller.workspace, since, until, 10)
    return top_list(period, rows, day=until)


async def upvote(
    caller: UserRef, call: CommandCall, papers: PaperRepo, votes: VoteRepo, clock: Clock
) -> Message:
    return await toggle(caller, str(call.get("id")), +1, papers, votes, clock)


async def upvote_click(
    caller: UserRef, call: actions.ActionCall, papers: PaperRepo, votes: VoteRepo, clock: Clock
) -> Message:
    return await toggle(caller, call.get("arxiv_id"), +1, papers, votes, clock)


async def downvote(
    caller: UserRef, call: CommandCall, papers: PaperRepo, votes: VoteRepo, clock: Clock
) -> Message:
    return await toggle(caller, str(call.get("id")), -1, papers, votes, clock)


async def downvote_click(
    caller: UserRef, call: actions.ActionCall, papers: PaperRepo, votes: VoteRepo, clock: Clock
) -> Message:
    return await toggle(caller, call.get("arxiv_id"), -1, papers, votes, clock)


async def toggle(
    caller: UserRef, raw: str, value: int, papers: PaperRepo, votes: VoteRepo, clock: Clock
) -> Message:
    """▲ (+1) or 👎 Not for me (-1): toggles; either replaces the caller's other vote on the
    paper (the store does, in one transaction). An unknown or malformed id changes nothing."""
    found = await known_paper(raw, papers)
    if isinstance(found, str):
        return error(found)
    on, count = await votes.toggle(caller, found.arxiv_id, clock.now(), value=value)
    return vote_toggled(found, on, count) if value > 0 else downvote_toggled(found, on, count)


async def complete_papers(prefix: str, papers: PaperRepo) -> list[tuple[str, str]]:
    key = arxiv_ids.normalise(prefix) or prefix
    return [(f"{p.arxiv_id} · {p.title}"[:100], p.arxiv_id) for p in await papers.recent(key, 25)]

"""Paste a link, get the paper: the cards of the papers a message links to (Discord's
"Show paper" message command, Slack's link unfurls, the console). A linked paper the store
does not have is fetched into it first (``fetch_papers``: arXiv by id, bounded by a deadline);
when none can be had, one sentence."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot import arxiv_ids
from bot.messages import Block, Message, error
from bot.models import Paper, UserRef
from bot.ports import DiscussionRepo, PaperRepo, SourceError, VoteRepo
from bot.present.papers import paper_card
from bot.ranking import reason_line

MAX_TEXT = 8000  # characters of a message read for links (Discord: 4,000; Slack: 40,000)
MAX_CARDS = 5  # cards in one answer

log = logging.getLogger(__name__)

FetchPapers = Callable[[Sequence[str]], Awaitable[list[Paper]]]


async def cards_for_links(
    caller: UserRef,
    text: str,
    papers: PaperRepo,
    votes: VoteRepo,
    discussions: DiscussionRepo,
    fetch_papers: FetchPapers,
) -> Message:
    keys = arxiv_ids.find_all(text[:MAX_TEXT])
    if not keys:
        return error("That message has no arXiv, Hugging Face or arXiv DOI link.")
    wanted = keys[:MAX_CARDS]
    stored = {key: p for key in wanted if (p := await papers.get(key)) is not None}
    missing = [key for key in wanted if key not in stored]
    if missing:
        try:
            stored.update((p.arxiv_id, p) for p in await fetch_papers(missing))
        except SourceError as exc:
            log.warning("fetching linked papers %s failed: %s", missing, exc)
    found = [stored[key] for key in wanted if key in stored]
    if not found:
        some = "that paper" if len(keys) == 1 else "any of those papers"
        return error(
            f"I don't have {some} yet ({', '.join(keys[:3])}{'…' if len(keys) > 3 else ''}). "
            "Look with /papers search, or ask an admin to fetch the day it was featured."
        )
    ids = [p.arxiv_id for p in found]
    counts = await votes.counts(caller.platform, caller.workspace, ids)
    activity = await discussions.activity(caller.platform, caller.workspace, ids)
    blocks: tuple[Block, ...] = tuple(
        paper_card(
            p,
            votes=counts.get(p.arxiv_id, 0),
            reason=reason_line(
                p, votes=counts.get(p.arxiv_id, 0), activity=activity.get(p.arxiv_id)
            ),
        )
        for p in found
    )
    text_out = "\n".join(f"{p.title} — {p.hf_url or p.abs_url}" for p in found)
    return Message(text=text_out, blocks=blocks, ephemeral=True)

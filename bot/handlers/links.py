"""Paste a link, get the paper: the cards of the papers a message links to (Discord's
"Show paper" message command, Slack's link unfurls). Only papers the store has: a link to
one it does not know gets no card, and a text with none known gets one sentence."""

from __future__ import annotations

from bot import arxiv_ids
from bot.messages import Block, Message, error
from bot.models import UserRef
from bot.ports import DiscussionRepo, PaperRepo, VoteRepo
from bot.present.papers import paper_card
from bot.ranking import reason_line

MAX_TEXT = 8000  # characters of a message read for links (Discord: 4,000; Slack: 40,000)
MAX_CARDS = 5  # cards in one answer


async def cards_for_links(
    caller: UserRef, text: str, papers: PaperRepo, votes: VoteRepo, discussions: DiscussionRepo
) -> Message:
    keys = arxiv_ids.find_all(text[:MAX_TEXT])
    if not keys:
        return error("That message has no arXiv, Hugging Face or arXiv DOI link.")
    found = [p for key in keys[:MAX_CARDS] if (p := await papers.get(key)) is not None]
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

"""Citing one paper in chat: its BibTeX entry, to copy (lists go out as files: /papers export)."""

from __future__ import annotations

from bot import actions
from bot import cite as citations
from bot.commands import CommandCall
from bot.handlers.common import known_paper
from bot.messages import Code, Context, Message, error
from bot.ports import PaperRepo

# What fits a chat message with room to spare (Discord: 2,000 characters of content). An
# entry is never cut (a cut entry would not parse): a longer one is refused with a sentence.
CHAT_ENTRY_MAX = 1900


async def cite(call: CommandCall, papers: PaperRepo) -> Message:
    return await cite_paper(str(call.get("id")), papers)


async def cite_click(call: actions.ActionCall, papers: PaperRepo) -> Message:
    return await cite_paper(call.get("arxiv_id"), papers)


async def cite_paper(raw: str, papers: PaperRepo) -> Message:
    found = await known_paper(raw, papers)
    if isinstance(found, str):
        return error(found)
    entry = citations.bibtex([found])
    if len(entry) > CHAT_ENTRY_MAX:
        authors = len(found.authors)
        return error(
            f"The BibTeX entry for {found.arxiv_id} is {len(entry):,} characters "
            f"({authors:,} author{'s' if authors != 1 else ''}), too long for a chat message; "
            f"arXiv has it at {found.abs_url}."
        )
    hint = "BibTeX, as arXiv exports it, with the DOI arXiv assigned."
    return Message(text=entry, blocks=(Code(entry, "bibtex"), Context(hint)))

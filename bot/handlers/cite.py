"""Citing in chat: one paper's BibTeX entry to copy (/papers cite), a list as a file
(/papers export, the same lists and writers as ``paperherald export``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot import actions, exports
from bot import cite as citations
from bot.cite import FORMATS
from bot.commands import CommandCall
from bot.handlers.common import known_paper, utc_today
from bot.messages import Attachment, Code, Context, Message, Text, error
from bot.models import UserRef
from bot.ports import Clock, DiscussionRepo, PaperRepo, VoteRepo

FORMAT_NAMES = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}

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


@dataclass(frozen=True, slots=True)
class _Lists:
    """What bot.exports.collect reads, from the repositories handlers get."""

    votes: exports.ExportVotes
    discussions: exports.ExportDiscussions


async def export(
    caller: UserRef, call: CommandCall, votes: VoteRepo, discussions: DiscussionRepo, clock: Clock
) -> Message:
    name, fmt = str(call.get("list") or "week"), str(call.get("format") or "bibtex")
    today = utc_today(clock)
    lists = _Lists(votes, discussions)  # type: ignore[arg-type]  # the store's repos have both
    found = await exports.collect(
        lists, name, caller.platform, caller.workspace, today, caller.user_id
    )
    if not found.papers:
        return error(exports.empty_sentence(name))
    count = len(found.papers)
    text = f"{count:,} paper{'s' if count != 1 else ''} of the list {name}, as {FORMAT_NAMES[fmt]}."
    if found.truncated:
        text += " " + exports.truncated_sentence(count)
    data = exports.render(found.papers, fmt).encode("utf-8")
    file = Attachment(exports.filename(name, fmt, today), FORMATS[fmt].media_type, data)
    return Message(text=text, blocks=(Text(text),), attachment=file)

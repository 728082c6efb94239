"""One paper: its card and buttons, the one-paper view, a discussion's root and seed, a vote."""

from __future__ import annotations

from bot.actions import ABSTRACT, CITE, DISCUSS, DOWNVOTE, UPVOTE, encode
from bot.messages import (
    Block,
    Button,
    Context,
    Link,
    Message,
    PaperCard,
    Text,
)
from bot.models import Paper
from bot.present.text import first_sentences, one_line_summary, shorten_authors
from bot.ranking import reason_line


def upvote_button(arxiv_id: str, votes: int) -> Button:
    return Button(
        label=f"▲ Upvote · {votes}" if votes else "▲ Upvote",
        action=encode(UPVOTE, arxiv_id),
        command=f"/papers upvote {arxiv_id}",
        style="primary",
    )


def downvote_button(arxiv_id: str) -> Button:
    """👎: the same label for everyone (a signal for the ranking, not a public count)."""
    return Button(
        label="👎 Not for me",
        action=encode(DOWNVOTE, arxiv_id),
        command=f"/papers downvote {arxiv_id}",
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
    buttons = [upvote_button(paper.arxiv_id, votes), downvote_button(paper.arxiv_id)]
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
    else:  # the one-paper view: the place to ask for a citation
        buttons.append(
            Button("Cite", encode(CITE, paper.arxiv_id), f"/papers cite {paper.arxiv_id}")
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


def vote_toggled(paper: Paper, voted: bool, count: int) -> Message:
    """The answer to an upvote: what happened, and the button's new count (relabelled in place)."""
    what = "Upvoted" if voted else "Removed your vote from"
    votes = f"{count} vote{'s' if count != 1 else ''}"
    text = f"{'▲' if voted else '△'} {what} “{paper.title}” ({votes} here)."
    return Message(
        text=text,
        blocks=(Text(text),),
        button_updates=(upvote_button(paper.arxiv_id, count),),
    )


def downvote_toggled(paper: Paper, down: bool, count: int) -> Message:
    """The answer to a 👎: one line, and the upvote button's count (a 👎 replaces an upvote)."""
    if down:
        text = f"👎 Noted: “{paper.title}” is not for you; papers like it rank lower here."
    else:
        text = f"Removed your 👎 from “{paper.title}”."
    return Message(
        text=text,
        blocks=(Text(text),),
        button_updates=(upvote_button(paper.arxiv_id, count),),
    )

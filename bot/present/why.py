"""``/papers why``: a paper's score taken apart, and what the team's taste learned from."""

from __future__ import annotations

from datetime import date

from bot import taste as T
from bot.messages import Message, Text
from bot.models import ScoredPaper
from bot.present.text import day_label

LABELS = {
    "hf_upvotes": "HF upvotes",
    "votes": "votes here",
    "stars": "GitHub stars",
    "relevance": "topic",
    "freshness": "freshness",
    "discussion": "discussion",
    "taste": "taste",
}


def terms(found: tuple[T.TermWeight, ...]) -> str:
    return ", ".join(t.term for t in found) or "—"


def why_message(
    scored: ScoredPaper,
    day: date,
    *,
    where: str,
    explanation: T.Explanation | None,
) -> Message:
    """Each component as value × weight = points, their sum the score shown; then the taste's
    terms up and down and the voted papers it learned most from (titles, no names)."""
    paper = scored.paper
    lines = [
        f"Why “{paper.title}” ({paper.arxiv_id}) scores {scored.score:.3f} {where}, "
        f"{day_label(day)}:"
    ]
    width = max(len(v) for v in LABELS.values())
    for part in scored.components:
        label = LABELS.get(part.name, part.name)
        lines.append(
            f"  {label:<{width}}  {part.value:6.3f} × {part.weight:<4g} = {part.points:+7.3f}"
        )
    total = sum(part.points for part in scored.components)
    lines.append(f"  {'score':<{width}}  {'':6}   {'':4}   {total:+7.3f}")
    if explanation is None:
        lines.append("No taste yet: nobody here has voted, so the ranking is the crowd's.")
    else:
        lines.append(f"Taste pushed up by: {terms(explanation.up)}")
        lines.append(f"Taste pushed down by: {terms(explanation.down)}")
        if explanation.learned_from:
            lines.append("Learned most from:")
            for item in explanation.learned_from:
                mark = "👍" if item.target > 0 else "👎"
                lines.append(f"  {mark} {item.title}")
    text = "\n".join(lines)
    return Message(text=text, blocks=(Text(text),))

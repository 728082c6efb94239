"""Neutral Message -> Discord content, embeds and button rows, always within Discord's limits.

Every block kind goes through one :class:`BlockRenderers` table. Long text is cut with "…"
(:mod:`adapters.discord.limits`), never rejected: a post must not fail because an abstract is
long. The result keeps buttons as plain specs; :mod:`adapters.discord.views` turns them into a
persistent View (that needs a running event loop, embeds do not). Imports go one way:
render -> views -> limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.limits import (
    AUTHOR_MAX,
    CONTENT_MAX,
    DESCRIPTION_MAX,
    ELLIPSIS,
    EMBED_TOTAL_MAX,
    EMBEDS_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    LABEL_MAX,
    LINK_URL_MAX,
    ROW_WIDTH,
    ROWS_MAX,
    TITLE_MAX,
    clip,
    safe_url,
)
from adapters.discord.views import ButtonSpec, action_spec, build_view
from bot.messages import (
    Actions,
    BlockRenderers,
    Button,
    Code,
    Context,
    Divider,
    Header,
    Message,
    PaperCard,
    Text,
)

COMPACT_DESCRIPTION = 350  # one card among many: the summary, not the abstract
BRAND = discord.Colour(0xFFD21E)  # Hugging Face yellow

NO_MENTIONS = discord.AllowedMentions.none()


def escape(text: str) -> str:
    """Plain core text -> Discord markdown that shows literally (mentions are off anyway)."""
    return discord.utils.escape_markdown(text)


@dataclass
class Part:
    """What one block renders to."""

    lines: list[str] = field(default_factory=list)
    card: PaperCard | None = None
    embed: discord.Embed | None = None
    buttons: list[Button] = field(default_factory=list)
    links: list[ButtonSpec] = field(default_factory=list)
    nav: list[Button] = field(default_factory=list)


renderers: BlockRenderers[Part] = BlockRenderers()


@renderers.register(Header)
def _header(block: Header) -> Part:
    return Part(lines=[f"### {escape(block.text)}"])


@renderers.register(Text)
def _text(block: Text) -> Part:
    return Part(lines=[escape(block.text)])


@renderers.register(Context)
def _context(block: Context) -> Part:
    # "-#" is Discord's small-print markdown; one per line or only the first line shrinks.
    return Part(lines=[f"-# {escape(line)}" for line in block.text.splitlines() if line.strip()])


FENCE = "```"
# The fence, a language tag and two newlines; the rest of the content is the code.
CODE_MAX = CONTENT_MAX - 3 * len(FENCE) - 20


@renderers.register(Code)
def _code(block: Code) -> Part:
    # A fence inside the code would close the block: a zero-width space breaks it up.
    text = block.text.rstrip("\n").replace(FENCE, "`\u200b``")
    return Part(lines=[f"{FENCE}{block.language}\n{clip(text, CODE_MAX)}\n{FENCE}"])


@renderers.register(Divider)
def _divider(_: Divider) -> Part:
    return Part(lines=["⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯"])


@renderers.register(Actions)
def _actions(block: Actions) -> Part:
    return Part(nav=list(block.buttons))


@renderers.register(PaperCard)
def _card(card: PaperCard) -> Part:
    links = [
        ButtonSpec(clip(link.label, LABEL_MAX), url=url)
        for link in card.links
        if (url := safe_url(link.url, LINK_URL_MAX))
    ]
    return Part(card=card, embed=card_embed(card), buttons=list(card.buttons), links=links)


renderers.check_complete()


def card_embed(card: PaperCard, *, compact: bool = False) -> discord.Embed:
    rank = f"{card.rank}. " if card.rank else ""
    body = card.summary if compact or not card.abstract else card.abstract
    limit = COMPACT_DESCRIPTION if compact else DESCRIPTION_MAX
    embed = discord.Embed(
        title=clip(rank + escape(card.title), TITLE_MAX),
        url=safe_url(card.url),
        description=clip(escape(body), limit) if body else None,
        colour=BRAND,
    )
    if card.authors:
        embed.set_author(name=clip(card.authors, AUTHOR_MAX))
    if card.reason:
        embed.add_field(name="Why", value=clip(escape(card.reason), FIELD_VALUE_MAX), inline=False)
    footer = " · ".join(
        part for part in (card.arxiv_id, ", ".join(card.categories), card.published) if part
    )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_MAX))
    image = safe_url(card.thumbnail)
    if image and compact:
        embed.set_thumbnail(url=image)
    elif image:
        embed.set_image(url=image)
    return embed


def more_embed(cards: list[PaperCard]) -> discord.Embed:
    """Cards past the embed limit, folded into one list."""
    lines = []
    for card in cards:
        rank = f"{card.rank}. " if card.rank else "• "
        title = escape(clip(card.title, 150)).replace("]", "\\]")
        url = safe_url(card.url)
        lines.append(f"{rank}[{title}]({url})" if url else f"{rank}{title}")
    text = "\n".join(lines)
    if len(text) > DESCRIPTION_MAX:
        text = text[: DESCRIPTION_MAX - 2].rsplit("\n", 1)[0] + "\n" + ELLIPSIS
    return discord.Embed(title="More papers", description=text, colour=BRAND)


@dataclass
class Rendered:
    content: str
    embeds: list[discord.Embed]
    rows: list[list[ButtonSpec]]

    def view(self) -> discord.ui.View | None:
        return build_view(self.rows) if self.rows else None

    def send_kwargs(self) -> dict[str, Any]:
        """For ``send``/``send_message``/``followup.send``/``create_thread``."""
        out: dict[str, Any] = {"embeds": self.embeds, "allowed_mentions": NO_MENTIONS}
        if self.content:
            out["content"] = self.content
        view = self.view()
        if view is not None:
            out["view"] = view
        return out

    def edit_kwargs(self) -> dict[str, Any]:
        """For edits: everything is replaced, so absent parts are cleared explicitly."""
        return {
            "content": self.content or None,
            "embeds": self.embeds,
            "view": self.view(),
            "allowed_mentions": NO_MENTIONS,
        }


def _fit_embeds(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """At most 10 embeds and 6,000 characters in all: shorten the longest descriptions first."""
    embeds = embeds[:EMBEDS_MAX]
    excess = sum(len(e) for e in embeds) - EMBED_TOTAL_MAX
    for embed in sorted(embeds, key=lambda e: len(e.description or ""), reverse=True):
        if excess <= 0:
            break
        description = embed.description or ""
        keep = max(len(description) - excess, 0)
        embed.description = clip(description, keep) if keep > 1 else None
        excess -= len(description) - len(embed.description or "")
    while embeds and sum(len(e) for e in embeds) > EMBED_TOTAL_MAX:
        embeds.pop()
    return embeds


def _rows(parts: list[Part], single_card: bool, shown: set[int]) -> list[list[ButtonSpec]]:
    """Button rows: 5 a row, 5 rows; navigation is kept first, then cards in order."""
    nav = [s for p in parts for b in p.nav if (s := action_spec(b))]
    card_buttons: list[ButtonSpec] = []
    link_row: list[ButtonSpec] = []
    for index, part in enumerate(p for p in parts if p.card is not None):
        if index not in shown or part.card is None:
            continue
        # With several cards the labels say which card a button belongs to.
        prefix = "" if single_card else f"#{part.card.rank or index + 1} "
        card_buttons += [s for b in part.buttons if (s := action_spec(b, prefix))]
        if single_card:
            link_row = part.links[:ROW_WIDTH]
    nav_rows = [nav[i : i + ROW_WIDTH] for i in range(0, len(nav), ROW_WIDTH)][:ROWS_MAX]
    budget = ROWS_MAX - len(nav_rows) - (1 if link_row else 0)
    card_rows = [card_buttons[i : i + ROW_WIDTH] for i in range(0, len(card_buttons), ROW_WIDTH)]
    rows = card_rows[: max(budget, 0)] + ([link_row] if link_row else []) + nav_rows
    # custom_ids must be unique within a message (the same paper twice, e.g. in a DM digest).
    seen: set[str] = set()
    unique_rows = []
    for row in rows[:ROWS_MAX]:
        kept = []
        for spec in row:
            key = spec.custom_id or f"url:{spec.url}:{spec.label}"
            if key not in seen:
                seen.add(key)
                kept.append(spec)
        if kept:
            unique_rows.append(kept)
    return unique_rows


def render_message(message: Message) -> Rendered:
    parts = [renderers.render(block) for block in message.blocks]
    cards = [p for p in parts if p.card is not None]
    single = len(cards) == 1
    embeds: list[discord.Embed] = []
    shown: set[int] = set()
    if single and cards[0].embed is not None:
        embeds.append(cards[0].embed)
        shown.add(0)
    elif cards:
        overflow = len(cards) > EMBEDS_MAX
        room = EMBEDS_MAX - 1 if overflow else EMBEDS_MAX
        for index, part in enumerate(cards[:room]):
            assert part.card is not None
            embeds.append(card_embed(part.card, compact=True))
            shown.add(index)
        if overflow:
            embeds.append(more_embed([p.card for p in cards[room:] if p.card is not None]))
    embeds = _fit_embeds(embeds)
    shown = {i for i in shown if i < len(embeds)}
    content = clip("\n".join(line for p in parts for line in p.lines), CONTENT_MAX)
    if not content and not embeds:
        content = clip(escape(message.text), CONTENT_MAX) or ELLIPSIS  # Discord refuses empty posts
    return Rendered(content, embeds, _rows(parts, single, shown))

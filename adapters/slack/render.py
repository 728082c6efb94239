"""Neutral messages -> Slack Block Kit, always within Slack's limits.

Every piece of user or paper text is escaped (``&`` ``<`` ``>``) so ``<!channel>`` or ``<@U123>``
in a title is inert, and every length is cut with "…" here, so a long field can never make
Slack (or slack_sdk's own validators) refuse a post.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

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

log = logging.getLogger(__name__)

# Slack's limits (docs.slack.dev Block Kit reference; see shared/PLATFORM-LIMITS.md).
MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
CONTEXT_ELEMENTS = 10
ACTION_ELEMENTS = 25
IMAGE_URL = 3000
ALT_TEXT = 2000
CONTEXT_TEXT = 2000
# Slack refuses a message with ~13.2k chars of block text (msg_blocks_too_long, bolt-js #2509)
# although no single limit is hit; stay well under it.
TOTAL_TEXT = 11_000
# The top-level `text` is only the notification/fallback; Slack truncates it at 40k but ~4k
# is the practical maximum.
FALLBACK_TEXT = 3000
# A full abstract may span several sections instead of being cut at 3,000.
ABSTRACT_SECTIONS = 3

ACTION_PREFIX = "ph_"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")
_MEMORY_BLOCK_ID = re.compile(r"^phm([0-9a-f]{12})\.\d+$")


def escape(text: str) -> str:
    """Slack's three control characters; nothing else may be entity-encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What Slack sends us (slash command text) back to plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose escaped form fits ``limit``, ending between words
    when a word boundary is near the end."""
    used, end = 0, 0
    for ch in text:
        size = len(_ESCAPES.get(ch, ch))
        if used + size > limit:
            break
        used += size
        end += 1
    cut = text[:end]
    if end < len(text):
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space > len(cut) * 0.8:
            cut = cut[:space]
    return cut


def fit(text: str, limit: int) -> str:
    """Escape ``text`` and cut it so the *escaped* result has at most ``limit`` chars."""
    out = escape(text)
    if len(out) <= limit:
        return out
    return escape(_cut(text, limit - 1).rstrip()) + "…"


def clip(escaped: str, limit: int) -> str:
    """Cut text that is already escaped without leaving half an entity (``&am…``)."""
    if len(escaped) <= limit:
        return escaped
    return _ENTITY_TAIL.sub("", escaped[: limit - 1]).rstrip() + "…"


def chunks(text: str, limits: Sequence[int]) -> list[str]:
    """Escaped ``text`` in pieces, piece ``i`` at most ``limits[i]`` chars, split between
    words; the last piece ends with "…" when text is left over."""
    out: list[str] = []
    rest = text.strip()
    for i, limit in enumerate(limits):
        if not rest:
            break
        if len(escape(rest)) <= limit or i == len(limits) - 1:
            out.append(fit(rest, limit))
            break
        piece = _cut(rest, limit)
        out.append(escape(piece.rstrip()))
        rest = rest[len(piece) :].strip()
    return out


def safe_url(url: str, limit: int = 1000) -> str | None:
    """An http(s) URL usable inside ``<url|label>``, or None."""
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > limit:
        return None
    # `|` and `>` would end the link early; spaces break it.
    return escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))


def link(url: str, label: str, limit: int = 500) -> str:
    target = safe_url(url)
    text = fit(label, limit)
    return f"<{target}|{text}>" if target else text


# -- actions ----------------------------------------------------------------------------------


def encode_action(action: str) -> tuple[str, str | None]:
    """Neutral ``upvote:2411.01234`` -> (action_id ``ph_upvote``, value ``2411.01234``)."""
    name, sep, arg = action.partition(":")
    return ACTION_PREFIX + name, (arg if sep and arg else None)


def decode_action(action_id: str, value: str | None) -> str | None:
    """The inverse of :func:`encode_action`; ``#n`` suffixes keep ids unique in one block."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    name = action_id[len(ACTION_PREFIX) :].split("#", 1)[0]
    if not name:
        return None
    return f"{name}:{value}" if value else name


def memory_key(block_id: str | None) -> str | None:
    """The ephemeral-memory key carried in our block ids (see ``render_message``)."""
    m = _MEMORY_BLOCK_ID.match(block_id or "")
    return m.group(1) if m else None


def button(b: Button, taken: set[str]) -> ButtonElement | None:
    base, value = encode_action(b.action)
    if len(base) > ACTION_ID - 4 or (value is not None and len(value) > BUTTON_VALUE):
        # Cannot round-trip: drop the button rather than fail the post.
        log.warning("dropping button %r: its action does not fit Slack's limits", b.label)
        return None
    action_id, n = base, 1
    while action_id in taken:
        action_id, n = f"{base}#{n}", n + 1
    taken.add(action_id)
    return ButtonElement(
        text=PlainTextObject(text=fit(b.label, BUTTON_TEXT), emoji=True),
        action_id=action_id,
        value=value,
        style=b.style if b.style in ("primary", "danger") else None,
    )


def actions_blocks(buttons: Iterable[Button]) -> list[Block]:
    taken: set[str] = set()
    elements = [e for e in (button(b, taken) for b in buttons) if e is not None]
    return [
        ActionsBlock(elements=elements[i : i + ACTION_ELEMENTS])
        for i in range(0, len(elements), ACTION_ELEMENTS)
    ]


def relabel(
    blocks: Sequence[dict[str, Any]], updates: Sequence[Button]
) -> tuple[list[dict[str, Any]], int]:
    """Blocks as Slack sent them back, with each button whose action matches an update
    relabelled (texts from Slack are already escaped, so they are kept as they are)."""
    wanted = {u.action: u for u in updates}
    out = copy.deepcopy(list(blocks))
    changed = 0
    for block in out:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements", []):
            if element.get("type") != "button":
                continue
            action = decode_action(str(element.get("action_id", "")), element.get("value"))
            update = wanted.get(action or "")
            if update is not None:
                element["text"] = {
                    "type": "plain_text",
                    "text": fit(update.label, BUTTON_TEXT),
                    "emoji": True,
                }
                changed += 1
    return out, changed


# -- blocks -----------------------------------------------------------------------------------

renderers: BlockRenderers[list[Block]] = BlockRenderers()


# Outside our own <...> links (a literal "<" in escaped text is always ours), a bare
# http(s) URL; it stops before whitespace, "|", an escaped "<" or ">", and trailing
# punctuation.
_OUR_LINK = re.compile(r"(<[^>]*>)")
_BARE_URL = re.compile(r"https?://(?:(?!&[lg]t;)[^\s<>|])+(?<![.,;:!?)\]}'\"])")


def _link_bare_urls(text: str) -> str:
    """``verbatim`` text is not auto-linked: make its bare URLs links ourselves."""
    parts = _OUR_LINK.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside our links
        parts[i] = _BARE_URL.sub(lambda m: f"<{m.group(0)}>", parts[i])
    return "".join(parts)


def _mrkdwn(text: str, limit: int) -> MarkdownTextObject:
    """Escaped text as mrkdwn with ``verbatim``: Slack then leaves "@here", "@channel",
    "#channel" and the like written as plain text in a title or abstract alone (without
    it Slack may turn them into mentions and links). Only our own ``<url|label>`` links and
    the bare URLs we link here are links. ``limit`` is the field's length limit: URLs stay
    bare where linking them would not fit."""
    linked = _link_bare_urls(text)
    return MarkdownTextObject(text=linked if len(linked) <= limit else text, verbatim=True)


@renderers.register(Header)
def _header(block: Header) -> list[Block]:
    return [HeaderBlock(text=PlainTextObject(text=fit(block.text, HEADER_TEXT), emoji=True))]


@renderers.register(Text)
def _text(block: Text) -> list[Block]:
    parts = chunks(block.text, [SECTION_TEXT] * ABSTRACT_SECTIONS) or [" "]
    return [SectionBlock(text=_mrkdwn(part, SECTION_TEXT)) for part in parts]


@renderers.register(Context)
def _context(block: Context) -> list[Block]:
    return [ContextBlock(elements=[_mrkdwn(fit(block.text, CONTEXT_TEXT), CONTEXT_TEXT)])]


@renderers.register(Code)
def _code(block: Code) -> list[Block]:
    fence = "```"
    text = block.text.rstrip("\n").replace(fence, "`\u200b``")
    body = fit(text, SECTION_TEXT - 2 * len(fence) - 2)
    return [SectionBlock(text=MarkdownTextObject(text=f"{fence}\n{body}\n{fence}", verbatim=True))]


@renderers.register(Divider)
def _divider(_: Divider) -> list[Block]:
    return [DividerBlock()]


@renderers.register(Actions)
def _actions(block: Actions) -> list[Block]:
    return actions_blocks(block.buttons)


@renderers.register(PaperCard)
def _card(card: PaperCard) -> list[Block]:
    rank = f"{card.rank}. " if card.rank else ""
    head = f"*{rank}{link(card.url, card.title)}*"
    byline = fit(card.authors, 300) + (f" · {fit(card.published, 20)}" if card.published else "")
    reason = f"_{fit(card.reason, 300)}_" if card.reason else ""
    fixed = [head, byline, reason]
    room = SECTION_TEXT - sum(len(p) + 1 for p in fixed)
    extra: list[str] = []
    body = ""
    if card.abstract:
        # The abstract's first piece shares the title's section; the rest get their own.
        if room > 200:
            limits = [room] + [SECTION_TEXT] * (ABSTRACT_SECTIONS - 1)
            parts = chunks(card.abstract, limits)
            body, extra = (parts[0] if parts else ""), parts[1:]
        else:
            extra = chunks(card.abstract, [SECTION_TEXT] * ABSTRACT_SECTIONS)
    elif card.summary:
        body = fit(card.summary, max(room, 1))
    text = "\n".join(p for p in (head, byline, body, reason) if p)
    section = SectionBlock(text=_mrkdwn(clip(text, SECTION_TEXT), SECTION_TEXT))
    # image_url is a plain JSON field (not mrkdwn): the raw URL, checked, not escaped.
    thumb = (card.thumbnail or "").strip()
    if thumb and safe_url(thumb, IMAGE_URL):
        section.accessory = ImageElement(image_url=thumb, alt_text=fit(card.title, ALT_TEXT))
    blocks: list[Block] = [section]
    blocks += [SectionBlock(text=_mrkdwn(part, SECTION_TEXT)) for part in extra]
    small = []
    if card.categories:
        small.append(fit(" · ".join(card.categories), 300))
    links = ""
    for x in card.links:
        piece = link(x.url, x.label, 50)
        # Whole links only: a link cut in half would show its raw markup.
        if len(links) + len(piece) + 3 > CONTEXT_TEXT:
            break
        links = f"{links} · {piece}" if links else piece
    if links:
        small.append(links)
    if small:
        blocks.append(
            ContextBlock(
                elements=[
                    _mrkdwn(clip(s, CONTEXT_TEXT), CONTEXT_TEXT) for s in small[:CONTEXT_ELEMENTS]
                ]
            )
        )
    blocks += actions_blocks(card.buttons)
    return blocks


renderers.check_complete()


# -- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What goes to chat.postMessage / respond: fallback text and block dicts."""

    text: str
    blocks: list[dict[str, Any]]


def _text_size(value: object) -> int:
    if isinstance(value, dict):
        return sum(
            len(v) if k in ("text", "alt_text") and isinstance(v, str) else _text_size(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_text_size(v) for v in value)
    return 0


def render_message(message: Message, *, memory_key: str | None = None) -> SlackMessage:
    """Render within 50 blocks and the total-text budget; what does not fit is cut with a
    final context "…and N more". ``memory_key`` tags block ids so a later click on an
    ephemeral copy (whose blocks Slack does not send back) can find the blocks again."""
    groups = [[b.to_dict() for b in renderers.render(block)] for block in message.blocks]
    out: list[dict[str, Any]] = []
    size = 0
    for i, group in enumerate(groups):
        group_size = _text_size(group)
        left = len(groups) - i
        fits_all = len(out) + sum(len(g) for g in groups[i:]) <= MAX_BLOCKS and (
            size + sum(_text_size(g) for g in groups[i:]) <= TOTAL_TEXT
        )
        if not fits_all and (
            len(out) + len(group) > MAX_BLOCKS - 1 or size + group_size > TOTAL_TEXT - 100
        ):
            more = _mrkdwn(f"…and {left} more", CONTEXT_TEXT)
            out.append(ContextBlock(elements=[more]).to_dict())
            break
        out.extend(group)
        size += group_size
    if memory_key is not None:
        for n, block in enumerate(out):
            block["block_id"] = f"phm{memory_key}.{n}"
    text = fit(message.text, FALLBACK_TEXT) if message.text.strip() else "Paper Herald"
    return SlackMessage(text=text, blocks=out)

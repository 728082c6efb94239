"""Neutral messages -> readable terminal text."""

from __future__ import annotations

import re
import shutil
import textwrap

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

MAX_WIDTH = 100  # long lines read badly even on a wide terminal
MIN_WIDTH = 40
# Paper text is data: no control character (ESC sequences, C1) reaches the terminal.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
renderers: BlockRenderers[str] = BlockRenderers()


def button_text(button: Button) -> str:
    target = button.command or button.action
    return f"[{button.label} → {target}]"


def width() -> int:
    """The terminal's width (COLUMNS when piped), within reason; read per message so a
    resized terminal is followed."""
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def fill(text: str, indent: str) -> str:
    """Wrap at word boundaries only: a URL or a long word overflows rather than breaks."""
    return textwrap.fill(
        text,
        width(),
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


@renderers.register(Header)
def _header(block: Header) -> str:
    return f"== {block.text} =="


@renderers.register(Text)
def _text(block: Text) -> str:
    return block.text


@renderers.register(Context)
def _context(block: Context) -> str:
    return fill(block.text, "  ")


@renderers.register(Code)
def _code(block: Code) -> str:
    return block.text.rstrip("\n")  # as is: copied from the terminal, never rewrapped


@renderers.register(Divider)
def _divider(_: Divider) -> str:
    return "-" * 40


@renderers.register(Actions)
def _actions(block: Actions) -> str:
    return "  ".join(button_text(b) for b in block.buttons)


@renderers.register(PaperCard)
def _card(card: PaperCard) -> str:
    head = f"{card.rank}. " if card.rank else ""
    lines = [f"{head}{card.title}  ({card.arxiv_id})", f"   {card.authors}"]
    if card.categories:
        lines[-1] += "  ·  " + ", ".join(card.categories)
    if card.reason:
        lines.append(f"   {card.reason}")
    if card.abstract:
        lines.append(fill(card.abstract, "   "))
    elif card.summary:
        lines.append(fill(card.summary, "   "))
    if card.links:
        lines.append("   " + "  ".join(f"{link.label}: {link.url}" for link in card.links))
    if card.buttons:
        lines.append("   " + "  ".join(button_text(b) for b in card.buttons))
    return "\n".join(lines)


renderers.check_complete()


def render_message(message: Message) -> str:
    if not message.blocks:
        return _CONTROLS.sub("", message.text)
    return _CONTROLS.sub("", "\n".join(renderers.render(block) for block in message.blocks))

"""Short answers: confirmations, help, a notice in front of an answer, rate limits."""

from __future__ import annotations

from bot.commands import help_lines
from bot.messages import (
    Context,
    Header,
    Message,
    Text,
    error,
)


def confirm(text: str, *, ephemeral: bool = True) -> Message:
    return Message(text=text, blocks=(Text(text),), ephemeral=ephemeral)


ANY_ORDER = (
    "Optional arguments go in any order, or as name=value "
    "(time=09:00 tz=Europe/Berlin top=5 empty=skip)."
)
SEARCH_SYNTAX = (
    'Search syntax: "exact phrase", -exclude, a OR b, prefix*, author:name, '
    "cat:cs.LG, since:2025-01-01, before:2025-06-01, upvotes>:10"
)


def help_message() -> Message:
    lines = help_lines(is_admin=True)
    text = "\n".join(
        ("Paper Herald — daily papers from Hugging Face and arXiv.", *lines, ANY_ORDER)
    )
    return Message(
        text=text,
        blocks=(
            Header("Paper Herald"),
            Text("\n".join(lines)),
            Context(ANY_ORDER),
            Context(SEARCH_SYNTAX),
        ),
    )


def with_notice(notice: str, message: Message) -> Message:
    """``message`` with a one-time notice in front (subscriptions paused: DMs closed)."""
    return Message(
        text=f"{notice}\n{message.text}",
        blocks=(Context(notice), *message.blocks),
        ephemeral=message.ephemeral,
        button_updates=message.button_updates,
        thread_title=message.thread_title,
        is_error=message.is_error,
    )


def slow_down(per_minute: int) -> Message:
    return error(f"Slow down a little: you can run {per_minute} commands a minute.")


def slow_down_click() -> Message:
    return error("Slow down a little, please.")


def button_unsupported() -> Message:
    """A click on a button this version does not know (any more): an old card."""
    return error("That button is no longer supported; run the command again.")

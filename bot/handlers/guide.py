"""``/papers help``: generated from the command declarations."""

from __future__ import annotations

from bot.messages import Message
from bot.present.replies import help_message


async def show_help() -> Message:
    return help_message()

"""Persistent buttons: one DynamicItem whose custom_id carries the engine's action.

``ph:upvote:2411.01234`` survives a restart: discord.py matches the template against any
clicked custom_id once the class is registered (``client.add_dynamic_items``), so no View has
to be kept in memory per message (pitfall 8: timeout=None and a custom_id on every item).
The action after ``ph:`` is ``bot.actions``' string; what a click does with it (defer, edit
in place, answer in the parent channel) is read from its declaration, in
:mod:`adapters.discord.interactions`.

This module imports nothing of :mod:`adapters.discord.render`: render builds button specs
and asks :func:`build_view` for the View.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

import discord

from adapters.discord.limits import CUSTOM_ID_MAX, LABEL_MAX, clip
from bot.actions import MAX_LENGTH
from bot.messages import Button

log = logging.getLogger(__name__)

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}
_CARD_PREFIX = re.compile(r"^#\d+ ")
CUSTOM_ID_PREFIX = "ph:"


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A button to build: ``action`` for persistent (dynamic) buttons, ``url`` for links."""

    label: str
    action: str | None = None
    url: str | None = None
    style: str = "secondary"

    @property
    def custom_id(self) -> str | None:
        return CUSTOM_ID_PREFIX + self.action if self.action is not None else None


def action_spec(button: Button, prefix: str = "") -> ButtonSpec | None:
    custom_id = CUSTOM_ID_PREFIX + button.action
    if len(custom_id) > CUSTOM_ID_MAX:
        return None  # an action that cannot round-trip is worse than no button
    return ButtonSpec(
        clip(prefix + button.label, LABEL_MAX), action=button.action, style=button.style
    )


class ButtonHost(Protocol):
    async def on_button(
        self, interaction: discord.Interaction[Any], button: ActionButton
    ) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(CUSTOM_ID_PREFIX) + rf"(?P<action>\S{{1,{MAX_LENGTH}}})",
):
    def __init__(
        self,
        action: str,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=CUSTOM_ID_PREFIX + action),
            row=row,
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        label = getattr(item, "label", None) or "…"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match["action"], label=label, style=style)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # The client carries the adapter; a DynamicItem is rebuilt per click and holds no state.
        host: ButtonHost | None = getattr(interaction.client, "button_host", None)
        if host is None:
            log.warning("button %s clicked but no adapter is attached", self.action)
            return
        await host.on_button(interaction, self)


def build_view(rows: list[list[ButtonSpec]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for spec in row:
            if spec.url is not None:
                view.add_item(discord.ui.Button(label=spec.label, url=spec.url, row=index))
            elif spec.action is not None:
                style = STYLES.get(spec.style, discord.ButtonStyle.secondary)
                view.add_item(ActionButton(spec.action, label=spec.label, style=style, row=index))
    return view


def relabel(view: discord.ui.View, updates: tuple[Button, ...]) -> int:
    """Give the buttons of ``view`` named by ``updates`` their new labels; returns how many."""
    wanted = {CUSTOM_ID_PREFIX + b.action: b.label for b in updates}
    changed = 0
    for child in view.children:
        target = child.item if isinstance(child, discord.ui.DynamicItem) else child
        if not isinstance(target, discord.ui.Button) or target.custom_id not in wanted:
            continue
        # Keep the "#3 " that says which card a button belongs to in a list.
        prefix = m.group(0) if (m := _CARD_PREFIX.match(target.label or "")) else ""
        target.label = clip(prefix + wanted[target.custom_id], LABEL_MAX)
        changed += 1
    return changed

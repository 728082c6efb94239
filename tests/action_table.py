"""Declare a throwaway button action for one test, to show that adapters take its behaviour
from the table in ``bot.actions`` (no adapter edit needed for a new action)."""

from __future__ import annotations

import re

import pytest

from bot import actions
from bot.actions import Action, Arg

NAME = "flip"


def declare_action(
    monkeypatch: pytest.MonkeyPatch,
    *,
    deferred: bool = False,
    replaces: bool = False,
    in_parent: bool = False,
) -> Action:
    """``flip:<n>``, with the flags given, in the table until the test ends."""
    action = Action(
        NAME,
        (Arg("n", re.compile(r"[0-9]{1,3}")),),
        "a test action",
        deferred=deferred,
        replaces=replaces,
        in_parent=in_parent,
    )
    monkeypatch.setitem(actions.ACTIONS, NAME, action)
    return action

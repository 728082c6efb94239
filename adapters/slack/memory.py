"""Blocks of the ephemeral messages we sent, so a button in one can relabel it.

Slack does not send an ephemeral message's blocks back with a click (there is no
``body["message"]``), so the only way to update its Upvote count in place is to remember what
we rendered. Keys ride in our block ids; after a restart (or 256 newer messages) the
click still works, only the in-place relabel is skipped.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Any

Stored = tuple[str, list[dict[str, Any]]]


class EphemeralMemory:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, Stored] = OrderedDict()

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(6)

    def put(self, key: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self._items[key] = (text, blocks)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, key: str | None) -> Stored | None:
        return self._items.get(key) if key else None

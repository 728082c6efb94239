"""The README's command table names every declared command, and nothing that is not one."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import COMMANDS

README = Path(__file__).resolve().parents[2] / "README.md"


def table_names() -> set[str]:
    """The command names in the rows of the table (``/papers x`` or a bare ``x`` beside it)."""
    names: set[str] = set()
    for row in README.read_text(encoding="utf-8").splitlines():
        if not row.startswith("| `/papers "):
            continue
        first_cell = row.split(" | ")[0]
        for code in re.findall(r"`([^`]+)`", first_cell):
            # the name is what comes before the first argument (<x>, [x])
            names.add(re.split(r"[<\[]", code.removeprefix("/papers "))[0].strip())
    return names


def test_every_command_has_a_row() -> None:
    listed = table_names()
    missing = [c.name for c in COMMANDS if c.name not in listed]
    assert not missing, f"README's command table lacks {missing}"


def test_every_row_is_a_command() -> None:
    declared = {c.name for c in COMMANDS}
    assert table_names() <= declared

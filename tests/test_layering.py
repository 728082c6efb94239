"""The core (bot/ except the composition root) never imports a platform, SQL or storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiosqlite",
    "sqlite3",
    "storage",
    "adapters",
    "aiohttp",
}
COMPOSITION = {"app.py", "cli.py"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


CORE_FILES = sorted(
    p for p in (ROOT / "bot").rglob("*.py") if p.name not in COMPOSITION or p.parent != ROOT / "bot"
)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_platform_or_storage(path: Path) -> None:
    bad = imported_roots(path) & FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "adapters").rglob("*.py")) + sorted((ROOT / "storage").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_adapters_and_storage_use_only_the_core_interfaces(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = {
        "bot.models",
        "bot.ports",
        "bot.messages",
        "bot.commands",
        "bot.actions",
        "bot.config",
        "bot.query",
        "bot.arxiv_ids",
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            assert node.module in allowed, f"{path.relative_to(ROOT)} imports {node.module}"


def test_the_check_really_sees_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import sqlite3\nfrom discord import ui\n")
    assert imported_roots(probe) == {"sqlite3", "discord"}

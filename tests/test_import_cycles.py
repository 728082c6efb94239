"""No import cycles among the modules of bot/, storage/ and adapters/.

Every import counts: at module level, inside a function, and under ``if TYPE_CHECKING:``.
A lazy or type-only import does not make two modules that need each other any easier to read,
test or move apart; it only hides the cycle from the interpreter. ``from pkg import name``
counts as importing the module ``pkg.name`` when there is one, else ``pkg`` itself.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "storage", "adapters")

# Cycles tolerated for now, each with the reason. Empty since the redesign (issue 13) gave
# the services narrow dependencies; it may only shrink: a new cycle, or a known one that
# grows, fails; so does an entry that no longer matches what the code does.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    out = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """module -> the modules (of ``packages``) it imports anywhere in its text."""
    files = module_files(root, packages)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, path, node)
                for alias in node.names:
                    if f"{base}.{alias.name}" in files:
                        targets.add(f"{base}.{alias.name}")
                    elif base in files:
                        targets.add(base)
        targets.discard(module)
        graph[module] = targets
    return graph


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def one_cycle(graph: dict[str, set[str]], component: frozenset[str]) -> str:
    """A readable loop through ``component``: ``a -> b -> a``."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return " -> ".join([*reversed(path), start])
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return ", ".join(sorted(component))


@functools.cache
def project_graph() -> dict[str, set[str]]:
    return import_graph(ROOT, PACKAGES)


def test_no_import_cycles() -> None:
    graph = project_graph()
    new = [c for c in cycles(graph) if not any(c <= known for known in KNOWN_CYCLES)]
    assert not new, "import cycles:\n" + "\n".join(one_cycle(graph, c) for c in new)


def test_the_known_cycles_only_shrink() -> None:
    found = cycles(project_graph())
    for known, why in KNOWN_CYCLES.items():
        assert not any(m.startswith("storage.") for m in known), "storage/ has no cycles"
        inside = frozenset().union(*(c for c in found if c <= known))
        assert inside == known, (
            f"a known cycle ({why}) is now {sorted(inside) or 'gone'}: "
            f"narrow or delete its entry in KNOWN_CYCLES"
        )


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.sub.c import x\n")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\nx = 1\n"
    )
    (pkg / "d.py").write_text("import pkg.a\nfrom pkg import sub\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert graph["pkg.d"] == {"pkg.a", "pkg.sub"}
    (loop,) = cycles(graph)
    assert loop == {"pkg.a", "pkg.b", "pkg.sub.c"}
    assert one_cycle(graph, loop) == "pkg.a -> pkg.b -> pkg.sub.c -> pkg.a"

"""Static checks of what gets installed: pyproject.toml's ranges, the lock, and the imports.

The lock is uv.lock; requirements.txt (runtime, deploy/Dockerfile) and requirements-dev.txt
(runtime + test tools, the Makefile) are its pip-installable exports with a sha256 for every
file. These tests need neither uv nor a network: they read the files.
"""

from __future__ import annotations

import ast
import re
import shlex
import sys
import tomllib
import zoneinfo
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.txt"
DEV_LOCK = ROOT / "requirements-dev.txt"
HASH = re.compile(r"sha256:[0-9a-f]{64}")

# Declared but never imported, each for a reason.
NOT_IMPORTED = {"tzdata": "zoneinfo reads its data when the OS has no time zone database"}
# No cap, each for a reason.
UNCAPPED = {"tzdata": "calendar-versioned time zone data: a newer release is always right"}


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: str
    hashes: frozenset[str]


def parse_lock(text: str) -> dict[str, Pin]:
    """name -> Pin for a hash-pinned requirements file (pip's format, as uv exports it)."""
    pins: dict[str, Pin] = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *hash_options = (part.strip() for part in line.split("--hash="))
        assert hash_options, f"no --hash for {requirement!r}"
        req = Requirement(requirement)
        (spec,) = req.specifier  # exactly one specifier ...
        assert spec.operator == "==", f"{requirement!r} is not pinned with =="
        name = canonicalize_name(req.name)
        assert name not in pins, f"{name} is pinned twice"
        for value in hash_options:
            assert HASH.fullmatch(value), f"{name}: bad hash {value!r}"
        pins[name] = Pin(
            name, Version(spec.version), str(req.marker or ""), frozenset(hash_options)
        )
    return pins


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def runtime_deps() -> list[Requirement]:
    return [Requirement(d) for d in pyproject()["project"]["dependencies"]]


def dev_deps() -> list[Requirement]:
    return [Requirement(d) for d in pyproject()["project"]["optional-dependencies"]["dev"]]


@pytest.fixture(scope="module")
def runtime_lock() -> dict[str, Pin]:
    return parse_lock(RUNTIME_LOCK.read_text())


@pytest.fixture(scope="module")
def dev_lock() -> dict[str, Pin]:
    return parse_lock(DEV_LOCK.read_text())


@pytest.fixture(scope="module")
def uv_lock() -> dict[str, Any]:
    return tomllib.loads((ROOT / "uv.lock").read_text())


# --- the parser itself ----------------------------------------------------------------------


def test_lock_parser_reads_pins_markers_and_hashes() -> None:
    h1, h2 = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    text = (
        "# header\n"
        f"Foo_Bar==1.2.3 ; python_full_version >= '3.13' \\\n    --hash={h1} \\\n"
        f"    --hash={h2}\n    # via x\n"
    )
    (pin,) = parse_lock(text).values()
    assert pin == Pin(
        "foo-bar", Version("1.2.3"), 'python_full_version >= "3.13"', frozenset({h1, h2})
    )


@pytest.mark.parametrize(
    "text",
    [
        "foo==1.0\n",  # no hash
        "foo>=1.0 --hash=sha256:" + "a" * 64 + "\n",  # not pinned
        "foo==1.0 --hash=md5:abc\n",  # not a sha256
    ],
)
def test_lock_parser_rejects_unpinned_or_unhashed_lines(text: str) -> None:
    with pytest.raises(AssertionError):
        parse_lock(text)


# --- pyproject.toml's ranges ---------------------------------------------------------------


@pytest.mark.parametrize("req", runtime_deps() + dev_deps(), ids=str)
def test_each_range_starts_at_a_tested_version_and_stops_at_the_next_major(
    req: Requirement,
) -> None:
    """`>=tested,<next major` (next minor for 0.x): bug-fix and feature releases are allowed."""
    ops = {s.operator: Version(s.version) for s in req.specifier}
    assert ">=" in ops, f"{req}: no lower bound"
    lower = ops[">="]
    if canonicalize_name(req.name) in UNCAPPED:
        assert set(ops) == {">="}, req
        return
    assert set(ops) == {">=", "<"}, f"{req}: use >=X.Y.Z,<next"
    expected = f"0.{lower.minor + 1}" if lower.major == 0 else f"{lower.major + 1}"
    assert ops["<"] == Version(expected), f"{req}: cap at <{expected}"


def test_build_backend_reads_spdx_license_strings() -> None:
    (req,) = (Requirement(r) for r in pyproject()["build-system"]["requires"])
    assert req.name == "setuptools"
    assert not req.specifier.contains("76.1.0") and req.specifier.contains("77.0.3")


def test_license_is_spdx_mit_and_its_file_ships() -> None:
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    files = project["license-files"]
    assert files == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 Paper Herald contributors" in text


def test_python_classifiers_name_only_the_tested_version() -> None:
    """3.11: what make test, CI, mypy's target and the Docker base image use."""
    classifiers = pyproject()["project"]["classifiers"]
    versions = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert versions == {"3.11"}
    assert pyproject()["project"]["requires-python"] == ">=3.11"
    assert pyproject()["tool"]["mypy"]["python_version"] == "3.11"
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-", dockerfile, re.M)


def test_pyproject_points_only_at_files_in_the_repository() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert "../" not in text
    for path in re.findall(r"\b(?:tests|deploy)/[\w./-]+\.\w+", text):
        assert (ROOT / path).is_file(), path


# --- the lock --------------------------------------------------------------------------------


@pytest.mark.parametrize("req", runtime_deps(), ids=str)
def test_each_runtime_dependency_is_locked_with_hashes(
    req: Requirement, runtime_lock: dict[str, Pin], dev_lock: dict[str, Pin]
) -> None:
    name = canonicalize_name(req.name)
    assert name in runtime_lock, f"{name} is not in requirements.txt: run make lock"
    pin = runtime_lock[name]
    assert req.specifier.contains(pin.version), f"{name}=={pin.version} is outside {req}"
    assert pin.hashes
    assert dev_lock.get(name) == pin, "make test must run the versions the image ships"


@pytest.mark.parametrize("req", dev_deps(), ids=str)
def test_each_dev_dependency_is_locked_with_hashes(
    req: Requirement, dev_lock: dict[str, Pin]
) -> None:
    name = canonicalize_name(req.name)
    assert name in dev_lock, f"{name} is not in requirements-dev.txt: run make lock"
    assert req.specifier.contains(dev_lock[name].version), f"{dev_lock[name]} vs {req}"
    assert dev_lock[name].hashes


def test_runtime_lock_is_the_dev_lock_without_the_dev_tools(
    runtime_lock: dict[str, Pin], dev_lock: dict[str, Pin]
) -> None:
    for name, pin in runtime_lock.items():
        assert dev_lock.get(name) == pin, name
    assert canonicalize_name("pytest") not in runtime_lock
    assert canonicalize_name("paperherald") not in dev_lock  # the project installs with -e .


def test_exports_match_uv_lock(
    uv_lock: dict[str, Any], runtime_lock: dict[str, Pin], dev_lock: dict[str, Pin]
) -> None:
    """Same versions, same file hashes: the exports were written by uv, not edited by hand."""
    locked: dict[str, Any] = {canonicalize_name(p["name"]): p for p in uv_lock["package"]}
    for pin in [*dev_lock.values(), *runtime_lock.values()]:
        entry = locked[pin.name]
        assert Version(entry["version"]) == pin.version, pin.name
        files = [entry.get("sdist", {}), *entry.get("wheels", [])]
        assert pin.hashes == {f["hash"] for f in files if "hash" in f}, pin.name
        assert entry["source"] == {"registry": "https://pypi.org/simple"}, pin.name


def test_uv_lock_was_refreshed_after_the_last_pyproject_edit(uv_lock: dict[str, Any]) -> None:
    """What `uv lock --check` verifies, without uv: the lock was resolved for these ranges."""
    assert uv_lock["requires-python"] == pyproject()["project"]["requires-python"]
    (root,) = [p for p in uv_lock["package"] if p["name"] == "paperherald"]
    locked = {
        (canonicalize_name(r["name"]), SpecifierSet(r.get("specifier", "")), r.get("marker", ""))
        for r in root["metadata"]["requires-dist"]
    }
    declared = {(canonicalize_name(r.name), r.specifier, "") for r in runtime_deps()} | {
        (canonicalize_name(r.name), r.specifier, "extra == 'dev'") for r in dev_deps()
    }
    assert locked == declared, "pyproject.toml changed since the lock: run make lock"


# --- who installs from the lock --------------------------------------------------------------


def makefile_rules() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), with the Makefile's variables expanded."""
    text = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+) :?= ?(.*)$", text, re.M))

    def expand(s: str) -> str:
        for _ in range(5):
            s = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), s)
        return s

    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("\t") and current is not None:
            current.append(expand(line.strip().lstrip("@")))
        elif m := re.match(r"^([^\s:=#][^:=]*):(?!=)(.*)$", line):
            current = []
            rules[expand(m.group(1).strip())] = (expand(m.group(2)).split(), current)
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def test_make_installs_the_locked_set_and_reinstalls_when_the_lock_changes() -> None:
    rules = makefile_rules()
    prerequisites, recipe = rules[".venv/.installed"]
    assert {"pyproject.toml", "requirements-dev.txt"} <= set(prerequisites)
    installs = [shlex.split(line) for line in recipe if "pip install" in line]
    locked = [cmd for cmd in installs if "-r" in cmd]
    assert [cmd[cmd.index("-r") + 1] for cmd in locked] == ["requirements-dev.txt"]
    assert "--require-hashes" in locked[0]
    (project,) = [cmd for cmd in installs if "-e" in cmd]
    assert "--no-deps" in project, "the project's dependencies come from the lock only"
    for target in ("test", "run", "lint"):
        assert ".venv/.installed" in rules[target][0], target


def test_make_lock_writes_the_exports_the_way_their_headers_say() -> None:
    _prerequisites, recipe = makefile_rules()["lock"]
    commands = [shlex.split(line) for line in recipe]
    uv = [cmd for cmd in commands if Path(cmd[0]).name == "uv"]
    assert ["lock", "--upgrade"] in [cmd[1:] for cmd in uv], "make lock re-resolves"
    exports = {
        cmd[cmd.index("--output-file") + 1]: [a for a in cmd[1:] if a != "--quiet"]
        for cmd in uv
        if cmd[1] == "export"
    }
    assert set(exports) == {"requirements.txt", "requirements-dev.txt"}
    for name, args in exports.items():
        header = (ROOT / name).read_text().splitlines()[1]
        assert shlex.split(header.lstrip("# ")) == ["uv", *args], name
    assert "--no-dev" in exports["requirements.txt"]
    assert "--extra" in exports["requirements-dev.txt"]


def dockerfile_build_stage() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    buf = ""
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        name, _, args = (buf + s).partition(" ")
        out.append((name.upper(), args.strip()))
        buf = ""
    froms = [i for i, (name, _) in enumerate(out) if name == "FROM"]
    return out[froms[0] : froms[1]]


def test_dockerfile_installs_the_lock_with_hashes_then_the_project_without_deps() -> None:
    stage = dockerfile_build_stage()
    copied: set[str] = set()
    pip_installs: list[list[str]] = []
    for name, args in stage:
        if name == "COPY":
            copied.update(args.split()[:-1])
        if name == "RUN":
            for command in re.split(r"&&|;", args):
                argv = shlex.split(command)
                if argv[:2] == ["pip", "install"]:
                    assert "requirements.txt" not in argv or "requirements.txt" in copied
                    pip_installs.append(argv)
    lock_install, *others = pip_installs
    assert lock_install[lock_install.index("-r") + 1] == "requirements.txt"
    assert "--require-hashes" in lock_install
    assert others, "the project is installed after its dependencies"
    for argv in others:
        assert "--no-deps" in argv, f"{argv}: only the lock may bring dependencies"
    runs = " ".join(args for name, args in stage if name == "RUN")
    assert "pip check" in runs
    for path in pyproject()["project"]["license-files"]:
        assert path in copied, f"the wheel build needs {path}"


# --- imports against declared dependencies ---------------------------------------------------


def top_level_imports(folders: list[str]) -> list[tuple[str, str]]:
    """(module, 'file:line') for every absolute import in the folders' .py files."""
    found: list[tuple[str, str]] = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
                found += [(n.split(".")[0], where) for n in names]
    return found


def first_party() -> set[str]:
    include = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    return {p.rstrip("*.") for p in include}


@cache
def installed_providers() -> dict[str, set[str]]:
    """Top-level import name -> the installed distributions that provide it."""
    return {
        module: {canonicalize_name(d) for d in dists}
        for module, dists in packages_distributions().items()
    }


def providers(module: str) -> set[str]:
    return installed_providers().get(module, set())


def undeclared(
    imports: list[tuple[str, str]], declared: AbstractSet[str], local: AbstractSet[str]
) -> list[str]:
    bad = []
    for module, where in imports:
        if module in sys.stdlib_module_names or module in local:
            continue
        if not providers(module) & declared:
            bad.append(f"{where}: {module} (from {sorted(providers(module)) or 'nothing'})")
    return bad


def test_the_package_imports_only_stdlib_itself_and_declared_dependencies() -> None:
    declared = {canonicalize_name(r.name) for r in runtime_deps()}
    bad = undeclared(top_level_imports(sorted(first_party())), declared, first_party())
    assert not bad, "imported but not in [project] dependencies:\n" + "\n".join(bad)


def test_tests_and_bench_import_only_declared_dependencies() -> None:
    declared = {canonicalize_name(r.name) for r in runtime_deps() + dev_deps()}
    local = first_party() | {"tests", "bench"}
    bad = undeclared(top_level_imports(["tests", "bench"]), declared, local)
    assert not bad, "imported but not declared (dev extra):\n" + "\n".join(bad)


def test_every_runtime_dependency_is_imported_or_explained() -> None:
    imported = set().union(*(providers(m) for m, _ in top_level_imports(sorted(first_party()))))
    for req in runtime_deps():
        name = canonicalize_name(req.name)
        assert name in imported or name in NOT_IMPORTED, f"{name} is declared but never imported"


def test_the_import_check_flags_an_undeclared_import() -> None:
    imports = [("yarl", "x.py:1"), ("json", "x.py:2"), ("bot", "x.py:3")]
    assert undeclared(imports, {"discord-py"}, {"bot"}) == ["x.py:1: yarl (from ['yarl'])"]
    assert undeclared(imports, {"yarl"}, {"bot"}) == []


def test_time_zones_load_without_an_os_time_zone_database() -> None:
    """Where the OS has no tz database (Windows, minimal images) zoneinfo reads tzdata."""
    zoneinfo.reset_tzpath(to=[])
    try:
        berlin = zoneinfo.ZoneInfo.no_cache("Europe/Berlin")
        assert berlin.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)
        assert "America/New_York" in zoneinfo.available_timezones()
    finally:
        zoneinfo.reset_tzpath()

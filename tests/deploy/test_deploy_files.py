"""Static checks of deploy/: Dockerfile, compose.yaml, the systemd unit and .dockerignore.

No Docker engine, systemd or YAML library is needed: the files are read with small parsers
for the subset they use, and the HEALTHCHECK one-liner is compiled and run against a local
HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD", re.I)


# --- tiny parsers ------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue  # Docker drops comment lines, also inside a continuation
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        instr, _, args = (buf + s).partition(" ")
        out.append((instr.upper(), args.strip()))
        buf = ""
    assert not buf, "the Dockerfile ends inside a line continuation"
    return out


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def env_values(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, args in instructions:
        if name == "ENV":
            for item in shlex.split(args):
                key, sep, value = item.partition("=")
                assert sep, f"ENV {args!r}: use the KEY=value form"
                env[key] = value
    return env


def yaml_subset(text: str) -> Any:
    """Block mappings, lists of scalars and plain/quoted scalars: what compose.yaml uses.

    Anything outside that subset (flow style, anchors, tabs, odd indentation) raises.
    """
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if raw[indent] == "\t":
            raise ValueError(f"tab indentation: {raw!r}")
        if stripped[0] in "{[&*!|>":
            raise ValueError(f"outside the supported subset: {raw!r}")
        lines.append((indent, stripped))
    node, end = _yaml_block(lines, 0, lines[0][0])
    if end != len(lines):
        raise ValueError(f"bad indentation at {lines[end][1]!r}")
    return node


def _yaml_scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if " #" in text:
        text = text.split(" #", 1)[0].rstrip()
    if text[:1] in tuple("{[&*!|>'\""):
        raise ValueError(f"outside the supported subset: {text!r}")
    if text in ("true", "false"):
        return text == "true"
    return text


def _yaml_block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- "):
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            items.append(_yaml_scalar(lines[i][1][2:]))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        key, sep, rest = lines[i][1].partition(":")
        if not sep or (rest and not rest.startswith(" ")) or key in mapping:
            raise ValueError(f"not a mapping entry (or a duplicate key): {lines[i][1]!r}")
        i += 1
        if rest.strip():
            mapping[key] = _yaml_scalar(rest)
        elif i < len(lines) and lines[i][0] > indent:
            mapping[key], i = _yaml_block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def unit_values(text: str) -> dict[tuple[str, str], list[str]]:
    """(section, key) -> every value, in order (systemd keys such as Environment= repeat)."""
    values: dict[tuple[str, str], list[str]] = defaultdict(list)
    section = ""
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
            continue
        key, sep, value = s.partition("=")
        assert sep and section, f"not a Key=value line in a section: {s!r}"
        values[(section, key.strip())].append(value.strip())
    return values


class _UnitParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # systemd keys are case-sensitive


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule, simplified: the last matching pattern wins; a match on a parent counts."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(c, pat) for c in candidates):
            excluded = not negate
    return excluded


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions((DEPLOY / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def runtime(dockerfile: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return final_stage(dockerfile)


@pytest.fixture(scope="module")
def healthcheck_code(runtime: list[tuple[str, str]]) -> str:
    (args,) = [a for n, a in runtime if n == "HEALTHCHECK"]
    _options, sep, cmd = args.partition("CMD ")
    assert sep, "HEALTHCHECK needs a CMD"
    argv = json.loads(cmd)  # exec form: no shell needed in the image
    assert argv[:2] == ["python", "-c"] and len(argv) == 3, argv
    return str(argv[2])


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    parsed = yaml_subset((DEPLOY / "compose.yaml").read_text())
    assert isinstance(parsed, dict)
    return parsed


@pytest.fixture(scope="module")
def unit() -> dict[tuple[str, str], list[str]]:
    return unit_values((DEPLOY / "paperherald.service").read_text())


@pytest.fixture(scope="module")
def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]


# --- Dockerfile --------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_a_pinned_slim_python(
    dockerfile: list[tuple[str, str]],
) -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    froms = [a for n, a in dockerfile if n == "FROM"]
    assert len(froms) >= 2, "build and runtime stages"
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
    images = [base.group(1) if base and "${PYTHON_IMAGE}" in f else f.split()[0] for f in froms]
    for image in images:
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim-[a-z]+", image), image
    assert any(n == "COPY" and a.startswith("--from=build /opt/venv") for n, a in dockerfile)


def test_runtime_runs_as_a_non_root_user(runtime: list[tuple[str, str]]) -> None:
    users = [a for n, a in runtime if n == "USER"]
    assert users, "the runtime stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    last_user = max(i for i, (n, _) in enumerate(runtime) if n == "USER")
    assert all(n != "RUN" for n, _ in runtime[last_user:]), "no RUN after dropping root"


def test_database_lives_on_the_data_volume(runtime: list[tuple[str, str]]) -> None:
    volumes = [a for n, a in runtime if n == "VOLUME"]
    assert volumes and "/data" in json.loads(volumes[-1]), volumes
    env = env_values(runtime)
    assert env["PAPERHERALD_DATABASE"].startswith("/data/")
    assert env["PYTHONUNBUFFERED"] == "1"


def test_image_settings_are_real_settings(
    runtime: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {k: v for k, v in env_values(runtime).items() if k.startswith("PAPERHERALD_")}
    known = {env_name(field) for field in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert str(settings.database) == "/data/paperherald.db"
    assert settings.http_host == "0.0.0.0"
    assert settings.http_port == int(env["PAPERHERALD_HTTP_PORT"])


def test_entrypoint_cmd_and_stop_signal(runtime: list[tuple[str, str]]) -> None:
    by_name = {n: a for n, a in runtime}
    assert json.loads(by_name["ENTRYPOINT"]) == ["paperherald"]
    assert json.loads(by_name["CMD"]) == ["run"]
    assert by_name["STOPSIGNAL"] == "SIGTERM"
    port = env_values(runtime)["PAPERHERALD_HTTP_PORT"]
    assert by_name["EXPOSE"].split() == [port]


def test_no_secret_is_baked_into_the_image(dockerfile: list[tuple[str, str]]) -> None:
    for name, args in dockerfile:
        if name in ("ENV", "ARG", "LABEL"):
            assert not SECRET_WORDS.search(args), f"{name} {args}"
        if name in ("COPY", "ADD"):
            assert ".env" not in args.split(), f"{name} {args}"
    assert all(n != "ADD" for n, _ in dockerfile), "COPY, not ADD"


def test_copied_sources_exist_and_reach_the_build_context(
    dockerfile: list[tuple[str, str]], dockerignore: list[str]
) -> None:
    sources = []
    for name, args in dockerfile:
        if name == "COPY" and not args.startswith("--from="):
            *srcs, _dest = args.split()
            sources += srcs
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), src
        assert not dockerignore_excludes(dockerignore, src), f".dockerignore drops {src}"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in {p.rstrip("*.") for p in packages}:
        assert package in sources, f"package {package} is not copied into the build stage"
    assert pyproject["project"]["readme"] in sources  # the wheel build reads it


# --- HEALTHCHECK -------------------------------------------------------------------------


def test_healthcheck_is_python_calling_healthz_on_loopback(
    runtime: list[tuple[str, str]], healthcheck_code: str
) -> None:
    compile(healthcheck_code, "<HEALTHCHECK>", "exec")
    assert "urllib.request" in healthcheck_code and "curl" not in healthcheck_code
    assert "http://127.0.0.1:" in healthcheck_code and "/healthz" in healthcheck_code
    port = env_values(runtime)["PAPERHERALD_HTTP_PORT"]
    assert f"'{port}'" in healthcheck_code, "the fallback port matches the image's ENV"
    (args,) = [a for n, a in runtime if n == "HEALTHCHECK"]
    timeout = re.search(r"--timeout=(\d+)s", args)
    inner = re.search(r"timeout=(\d+)\)", healthcheck_code)
    assert timeout and inner and int(inner.group(1)) < int(timeout.group(1))


class _Health(BaseHTTPRequestHandler):
    healthy = True
    paths: list[str] = []  # noqa: RUF012 - shared on purpose, reset per test

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        status = 200 if self.path == "/healthz" and type(self).healthy else 503
        body = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[int]:
    _Health.paths = []
    _Health.healthy = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _run_check(code: str, port: int) -> int:
    env = {**os.environ, "PAPERHERALD_HTTP_PORT": str(port)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=30, check=False
    )
    return done.returncode


def test_healthcheck_passes_on_200_and_fails_on_503(
    healthcheck_code: str, health_server: int
) -> None:
    assert _run_check(healthcheck_code, health_server) == 0
    _Health.healthy = False
    assert _run_check(healthcheck_code, health_server) == 1
    assert _Health.paths == ["/healthz", "/healthz"]


def test_healthcheck_fails_when_nothing_listens(healthcheck_code: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the check runs
    assert _run_check(healthcheck_code, port) == 1


# --- compose.yaml ------------------------------------------------------------------------


def test_compose_has_one_service_built_from_the_dockerfile(compose: dict[str, Any]) -> None:
    assert set(compose) <= {"name", "services", "volumes"}
    (service,) = compose["services"].values()
    build = service["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert service["env_file"] == "../.env"
    assert service["restart"] == "unless-stopped"
    assert service["stop_grace_period"] == "15s"
    assert service["logging"]["options"]["max-size"]
    assert service["logging"]["options"]["max-file"]


def test_compose_keeps_data_on_a_named_volume(compose: dict[str, Any]) -> None:
    (service,) = compose["services"].values()
    mounts = [v.split(":") for v in service["volumes"]]
    (volume,) = [m[0] for m in mounts if m[1] == "/data"]
    assert volume in compose["volumes"], "a named volume, declared at the top level"


def test_compose_publishes_nothing_and_inherits_the_healthcheck(
    compose: dict[str, Any],
) -> None:
    (service,) = compose["services"].values()
    assert "ports" not in service, "Socket Mode and the Discord gateway need no inbound port"
    assert "healthcheck" not in service
    assert "environment" not in service, "settings come from ../.env, not from this file"
    text = (DEPLOY / "compose.yaml").read_text()
    assert re.search(r"^\s*#\s*ports:", text, re.M), "the commented-out ports stay documented"


def test_yaml_subset_parser_rejects_what_it_does_not_understand() -> None:
    assert yaml_subset("a:\n  b: 'x'\n  c:\n    - 1\n") == {"a": {"b": "x", "c": ["1"]}}
    for bad in ("a: 1\n a2: 2\n", "a: 1\na: 2\n", "a: {b: 1}\n", "a:\n\t- x\n", "a:b\n"):
        with pytest.raises(ValueError):
            yaml_subset(bad)


# --- systemd unit ------------------------------------------------------------------------


def test_unit_parses_as_ini_with_the_three_sections() -> None:
    parser = _UnitParser(strict=False, interpolation=None)
    parser.read_string((DEPLOY / "paperherald.service").read_text())
    assert parser.sections() == ["Unit", "Service", "Install"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_unit_runs_paperherald_as_its_own_user(unit: dict[tuple[str, str], list[str]]) -> None:
    def one(key: str) -> str:
        (value,) = unit[("Service", key)]
        return value

    assert one("Type") == "simple"
    assert one("User") == one("Group") == "paperherald"
    assert one("WorkingDirectory") == "/opt/paperherald"
    assert one("EnvironmentFile") == "/etc/paperherald/env"
    exec_start = shlex.split(one("ExecStart"))
    assert exec_start[0].startswith(one("WorkingDirectory") + "/.venv/bin/")
    assert Path(exec_start[0]).name == "paperherald" and exec_start[1:] == ["run"]
    assert one("Restart") == "on-failure"
    assert one("RestartSec")
    assert one("TimeoutStopSec") == "15"
    assert one("KillSignal") == "SIGTERM"


def test_unit_database_is_in_its_writable_state_directory(
    unit: dict[tuple[str, str], list[str]],
) -> None:
    environment = dict(v.split("=", 1) for v in unit[("Service", "Environment")])
    database = Path(environment["PAPERHERALD_DATABASE"])
    (state,) = unit[("Service", "StateDirectory")]
    (writable,) = unit[("Service", "ReadWritePaths")]
    assert database.parent == Path("/var/lib") / state == Path(writable)


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
}


@pytest.mark.parametrize(("key", "expected"), sorted(HARDENING.items()))
def test_unit_hardening(unit: dict[tuple[str, str], list[str]], key: str, expected: str) -> None:
    assert unit[("Service", key)] == [expected]


def test_unit_holds_no_secret(unit: dict[tuple[str, str], list[str]]) -> None:
    for value in unit[("Service", "Environment")]:
        assert not SECRET_WORDS.search(value.split("=", 1)[0]), value


# --- .dockerignore and the folder's index -------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "data/paperherald.db",
        ".git/HEAD",
        ".env",
        "paperherald.db-wal",
        "bot/__pycache__/cli.cpython-311.pyc",
        "paperherald.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_excludes(dockerignore: list[str], path: str) -> None:
    assert dockerignore_excludes(dockerignore, path)


def test_deploy_readme_indexes_the_deploy_files() -> None:
    text = (DEPLOY / "README.md").read_text()
    for name in ("Dockerfile", "compose.yaml", "paperherald.service"):
        assert name in text, name

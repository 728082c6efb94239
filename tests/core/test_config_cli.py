"""A bad setting stops the real ``paperherald`` command with one line naming it (exit 2).

Values are handed over the way systemd's EnvironmentFile and ``docker run --env-file`` do:
everything after ``=`` up to the end of the line, a trailing ``# comment`` included.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from bot.config import listen_error
from tests.docs.readme_session import clean_env, entry_point


def run_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(entry_point()), *args],
        cwd=tmp_path,  # no .env of the checkout
        env={**clean_env(), **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


@pytest.mark.parametrize(
    "name, value, expect",
    [
        (
            "PAPERHERALD_SLACK_HTTP_PORT",
            "3000   # default 3000",
            "PAPERHERALD_SLACK_HTTP_PORT: '3000   # default 3000' is not a whole number "
            "(comments must go on their own line)",
        ),
        (
            "PAPERHERALD_HTTP_HOST",
            "127.0.0.1      # the Docker image sets 0.0.0.0",
            "PAPERHERALD_HTTP_HOST: '127.0.0.1      # the Docker image sets 0.0.0.0' is not a "
            "host name or IP address (comments must go on their own line)",
        ),
        ("PAPERHERALD_TIMEZONE", "Berlin", "PAPERHERALD_TIMEZONE: 'Berlin' is not an IANA"),
        ("DISCORD_GUILD_IDS", "12,x", "DISCORD_GUILD_IDS: 'x' is not a whole number"),
        ("SLACK_APP_TOKEN", "xapp-1 # socket", "SLACK_APP_TOKEN: the value holds a space"),
    ],
)
def test_a_bad_setting_is_one_line_on_stderr(
    tmp_path: Path, name: str, value: str, expect: str
) -> None:
    done = run_cli(tmp_path, {name: value}, "run")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.rstrip("\n")]  # exactly one line
    assert done.stderr.startswith(f"paperherald: {expect}")
    assert "Traceback" not in done.stderr and "gaierror" not in done.stderr
    if name == "SLACK_APP_TOKEN":
        assert "xapp-1" not in done.stderr


def test_a_dotenv_file_is_checked_the_same_way(tmp_path: Path) -> None:
    # python-dotenv drops an unquoted trailing comment, but not one inside quotes.
    (tmp_path / ".env").write_text(
        "PAPERHERALD_SLACK_HTTP_PORT=3000   # dropped by the .env reader\n"
        "PAPERHERALD_HTTP_HOST='127.0.0.1  # quoted, so kept'\n"
    )
    done = run_cli(tmp_path, {}, "search", "x")
    assert done.returncode == 2
    assert done.stderr == (
        "paperherald: PAPERHERALD_HTTP_HOST: '127.0.0.1  # quoted, so kept' is not a host name"
        " or IP address (comments must go on their own line)\n"
    )


def test_an_address_not_on_this_machine_names_the_host_setting(tmp_path: Path) -> None:
    # 192.0.2.1 is TEST-NET-1: well-formed, but no interface here has it (EADDRNOTAVAIL).
    env = {"PAPERHERALD_HTTP_PORT": "8080", "PAPERHERALD_HTTP_HOST": "192.0.2.1"}
    done = run_cli(tmp_path, env, "--db", str(tmp_path / "t.db"), "run")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(
        "paperherald: PAPERHERALD_HTTP_HOST: cannot listen on '192.0.2.1' ("
    )
    assert "Traceback" not in done.stderr and "gaierror" not in done.stderr


def test_a_port_in_use_names_the_port_setting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"PAPERHERALD_HTTP_PORT": str(port), "PAPERHERALD_HTTP_HOST": "127.0.0.1"}
        done = run_cli(tmp_path, env, "--db", str(tmp_path / "t.db"), "run")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"paperherald: PAPERHERALD_HTTP_PORT: cannot listen on 127.0.0.1:{port} "
        "(Address already in use)."
    )


def test_a_host_name_that_does_not_resolve_names_the_host_setting() -> None:
    exc = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    message = str(listen_error("paperherald.internal", 3000, exc, port_variable="X_PORT"))
    assert message == (
        "PAPERHERALD_HTTP_HOST: cannot listen on 'paperherald.internal' (Name or service not "
        "known); use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
    )

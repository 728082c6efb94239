"""`paperherald doctor | head -1`: the installed script, its reader gone, exits quietly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

SCRIPT = Path(sys.executable).parent / "paperherald"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pipe") / "x.db"
    files = [str(FIXTURES / "daily_papers_2026-09-24_3items.json")]
    subprocess.run([str(SCRIPT), "--db", str(path), "import", *files], check=True, timeout=60)
    return path


def closed_reader() -> tuple[int, int]:
    """A pipe whose reader has already gone, as after `head -1` has read its line."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end, read_end


@pytest.mark.parametrize(
    ("argv", "unbuffered"),
    [
        (["doctor"], False),
        (["doctor"], True),  # PYTHONUNBUFFERED: the first print fails, not the last flush
        (["search", "diffusion"], False),
        (["search", "diffusion", "--json"], True),
        (["digest", "--date", "2026-09-24"], False),
        (["import", str(FIXTURES / "daily_papers_2026-09-24_3items.json")], False),
        (["slack-manifest"], False),
        (["--help"], False),
    ],
    ids=lambda v: " ".join(a for a in v if "/" not in a) if isinstance(v, list) else str(v),
)
def test_a_closed_pipe_ends_quietly(
    argv: list[str], unbuffered: bool, db: Path, tmp_path: Path
) -> None:
    assert SCRIPT.exists(), "run `make .venv/.installed` first"
    with socket.socket() as sock:  # doctor's services refuse at once: no network needed
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PAPERHERALD_", "SLACK"))},
            "HF_BASE_URL": base,
            "PAPERHERALD_SOURCES": "hf",
            "PAPERHERALD_DATABASE": str(db),
        }
        env.pop("DISCORD_TOKEN", None)
        env.pop("PYTHONUNBUFFERED", None)
        if unbuffered:
            env["PYTHONUNBUFFERED"] = "1"
        write_end, _ = closed_reader()
        try:
            proc = subprocess.run(
                [str(SCRIPT), *argv],
                stdout=write_end,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=env,
                timeout=60,
            )
        finally:
            os.close(write_end)
    assert proc.stderr.decode() == ""  # no BrokenPipeError, no traceback, no "Exception ignored"
    assert proc.returncode == 141  # what a shell reports for a tool cut off by its reader

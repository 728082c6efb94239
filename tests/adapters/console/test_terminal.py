"""The console answers on the terminal: the real entry point, in a real terminal (a pty) or
over a pipe. Log lines below WARNING stay away unless PAPERHERALD_LOG_LEVEL asks for them,
and a warning printed while the prompt waits goes on its own line, with the prompt shown
again after it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.entry_point import COMMAND, PtyReader, entry_env, local_hf, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")


def test_run_in_a_terminal_keeps_log_lines_off_the_prompt(tmp_path: Path) -> None:
    with local_hf(status=503) as hf:
        # One retry: each day of the start-up fetch logs a retry warning, then a failure.
        env = entry_env(tmp_path, hf.url, PAPERHERALD_HTTP_RETRIES="1")
        master, slave = os.openpty()
        proc = subprocess.Popen(
            [*COMMAND, "run"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp_path,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        screen = PtyReader(master)
        try:
            wait_for("the prompt", lambda: "papers> " in screen.text)
            wait_for("the start-up fetch to reach HF", lambda: hf.seen() >= 1)
            hf.answer()  # 503s, while the prompt waits for a line
            wait_for("both days to fail", lambda: screen.text.count("answered 503 twice") == 2)
            wait_for("the prompt again", lambda: screen.text.endswith("papers> "))
            os.write(master, b"quit\n")
            code = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            screen.close()
    text = screen.text
    assert code == 0, text
    lines = text.split("\n")
    logged = [i for i, line in enumerate(lines) if "WARNING" in line]
    assert len(logged) == 4, text  # two "retrying" and two "failed"
    for i in logged:
        assert LOG_LINE.match(lines[i]), f"a log line shares the prompt's line: {lines[i]!r}"
        assert lines[i - 1].startswith("papers> ") or LOG_LINE.match(lines[i - 1])
        assert lines[i + 1].startswith("papers> ") or LOG_LINE.match(lines[i + 1])
    assert "retrying in 0.0 s" in text
    assert " INFO " not in text and "Traceback" not in text


def chat(tmp_path: Path, script: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = entry_env(tmp_path, "http://127.0.0.1:9", **extra)  # no fetch happens in chat
    return subprocess.run(
        [*COMMAND, "chat"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )


def test_chat_prints_answers_only_unless_info_logs_are_asked_for(tmp_path: Path) -> None:
    script = "/papers help\n/papers search diffusion\n/papers channel status\n"
    quiet = chat(tmp_path, script)
    assert quiet.returncode == 0
    assert "== Paper Herald ==" in quiet.stdout and "no daily thread" in quiet.stdout
    assert quiet.stderr == ""  # no "applied migration", no "command help ok in 2 ms"
    asked = chat(tmp_path, script, PAPERHERALD_LOG_LEVEL="INFO")
    assert asked.returncode == 0
    assert re.search(r"INFO bot.dispatch: command help ok in \d+ ms", asked.stderr)
    assert asked.stdout.count("papers> ") == quiet.stdout.count("papers> ") == 3

"""The README's offline session: extract it, run it as a user would, compare, regenerate.

The session is the ```console block after the marker comment ``SESSION_MARKER`` in README.md.
Its ``$ `` lines are shell commands, run one by one with /bin/sh in a scratch folder that looks
like a fresh clone (``samples/`` and ``.venv/bin/paperherald``), with no Paper Herald setting in
the environment and no ``.env``. Every other line is output the README promises, compared with
what the commands print on stdout:

- a line that is just ``…`` stands for any number of lines left out;
- otherwise lines must match exactly (trailing spaces ignored), in order and contiguous.

To see what the session prints now, or to rewrite the README block with it::

    .venv/bin/python -m tests.docs.readme_session            # print the actual session
    .venv/bin/python -m tests.docs.readme_session --write    # update README.md in place

``--write`` keeps each command's ``…`` elisions where it can: the same number of lines before
the first ``…`` and after the last one, and the shown lines in between that still appear.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SESSION_MARKER = "<!-- offline session: checked by tests/docs/test_readme_session.py -->"
ELISION = "…"
PROMPT = "papers> "
# Settings a user's shell might carry that would change the output; the session assumes none.
_SETTING_PREFIXES = ("PAPERHERALD_", "DISCORD_", "SLACK_", "HF_", "ARXIV_")


@dataclass
class Chunk:
    """What one command (a ``$`` line, or a ``papers>`` line in a chat) prints."""

    command: str
    line_no: int  # 1-based README line of the command (0 for actual output)
    lines: list[tuple[int, str]] = field(default_factory=list)  # (README line no, text)
    shell: bool = False  # a `$` line (not itself output); else a chat prompt, echoed in lines


@dataclass
class Session:
    start: int  # index into README lines of the first line inside the block
    end: int  # index of the closing fence
    shell: list[Chunk]  # one per `$` line; chat prompts become their own chunks below
    chunks: list[Chunk]  # the comparison units, in order


def read_session(text: str) -> Session:
    lines = text.splitlines()
    try:
        marker = next(i for i, line in enumerate(lines) if line.strip() == SESSION_MARKER)
    except StopIteration:
        raise AssertionError(f"README.md has no {SESSION_MARKER!r} before its session") from None
    fence = marker + 1
    if not lines[fence].startswith("```"):
        raise AssertionError(f"README.md line {fence + 1}: a ``` block must follow the marker")
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith("```"))
    shell: list[Chunk] = []
    chunks: list[Chunk] = []
    for index in range(fence + 1, end):
        line_no, line = index + 1, lines[index].rstrip()
        if line.startswith("$ "):
            chunk = Chunk(line[2:], line_no, shell=True)
            shell.append(chunk)
            chunks.append(chunk)
        elif line.startswith(PROMPT):
            # The console echoes each piped command after its prompt: that line is output too.
            if not chunks:
                raise AssertionError(f"README.md line {line_no}: a prompt before any command")
            chunk = Chunk(line[len(PROMPT) :], line_no, [(line_no, line)])
            chunks.append(chunk)
        else:
            if not chunks:
                raise AssertionError(f"README.md line {line_no}: output before any command")
            chunks[-1].lines.append((line_no, line))
    return Session(fence + 1, end, shell, chunks)


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "100"  # the README's transcript is 100 columns wide; output follows COLUMNS
    return env


def entry_point() -> Path:
    """The installed ``paperherald`` script of the interpreter running this."""
    script = Path(sys.executable).parent / "paperherald"
    if not script.exists():
        found = shutil.which("paperherald")
        if found is None:
            raise AssertionError(
                "no paperherald entry point installed; run `make .venv/.installed`"
            )
        script = Path(found)
    return script


@dataclass
class Run:
    command: str
    returncode: int
    stdout: str
    stderr: str


def run_session(session: Session, workdir: Path) -> list[Run]:
    """Run each ``$`` line with /bin/sh in ``workdir``, set up to look like a fresh clone."""
    (workdir / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    link = workdir / ".venv" / "bin" / "paperherald"
    if not link.exists():
        link.symlink_to(entry_point())
    if not (workdir / "samples").exists():
        (workdir / "samples").symlink_to(ROOT / "samples", target_is_directory=True)
    runs = []
    for chunk in session.shell:
        done = subprocess.run(
            chunk.command,
            shell=True,
            cwd=workdir,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
        runs.append(Run(chunk.command, done.returncode, done.stdout, done.stderr))
    return runs


def actual_chunks(runs: list[Run]) -> list[Chunk]:
    """The runs' stdout cut like the README: one chunk per command and per echoed prompt."""
    chunks = []
    for run in runs:
        chunks.append(Chunk(run.command, 0, shell=True))
        for line in run.stdout.splitlines():
            line = line.rstrip()
            if line.startswith(PROMPT):
                chunks.append(Chunk(line[len(PROMPT) :], 0))
            chunks[-1].lines.append((0, line))
    return chunks


def _segments(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    segments: list[list[tuple[int, str]]] = [[]]
    for item in lines:
        if item[1].strip() == ELISION:
            segments.append([])
        else:
            segments[-1].append(item)
    return segments


def _show(lines: list[str], at: int, around: int = 3) -> str:
    lo, hi = max(0, at - around), min(len(lines), at + around + 1)
    shown = [f"    {'>' if i == at else ' '} {lines[i]}" for i in range(lo, hi)]
    return "\n".join(shown) if shown else "    (nothing)"


def compare_chunk(expected: Chunk, actual: Chunk) -> str | None:
    """None if ``actual`` prints what ``expected`` shows; otherwise which README line differs."""
    got = [text for _, text in actual.lines]
    segments = _segments(expected.lines)
    pos = 0
    for number, segment in enumerate(segments):
        if not segment:
            continue
        texts = [text for _, text in segment]
        if number == 0:
            starts = [0]
        elif number == len(segments) - 1:  # the last shown lines end the answer
            starts = [max(pos, len(got) - len(texts))]
        else:
            starts = [i for i in range(pos, len(got)) if got[i] == texts[0]] or [pos]
        best_start, best_len = starts[0], -1
        for start in starts:
            n = 0
            while n < len(texts) and start + n < len(got) and got[start + n] == texts[n]:
                n += 1
            if n > best_len:
                best_start, best_len = start, n
            if n == len(texts):
                break
        if best_len < len(texts):
            line_no, want = segment[best_len]
            at = best_start + best_len
            return (
                f"README.md line {line_no} differs (answer to {expected.command!r}):\n"
                f"  README shows: {want!r}\n"
                f"  printed:      {got[at] if at < len(got) else '(no more lines)'!r}\n"
                f"  printed lines around there:\n{_show(got, min(at, len(got) - 1))}"
            )
        pos = best_start + len(texts)
    if segments[-1] and pos != len(got):
        line_no = segments[-1][-1][0]
        return (
            f"README.md line {line_no}: the answer to {expected.command!r} goes on after it "
            f"(add a line '{ELISION}' or the missing lines):\n{_show(got, pos)}"
        )
    return None


def compare(session: Session, runs: list[Run]) -> list[str]:
    problems = []
    for expected, run in zip(session.shell, runs, strict=True):
        if run.returncode != 0 or "Traceback" in run.stderr:
            problems.append(
                f"README.md line {expected.line_no}: `{run.command}` exited {run.returncode}; "
                f"stderr:\n{run.stderr[-2000:]}"
            )
    got = actual_chunks(runs)
    want = session.chunks
    for index in range(max(len(want), len(got))):
        if index >= len(got):
            problems.append(
                f"README.md line {want[index].line_no}: {want[index].command!r} was never answered"
            )
            break
        if index >= len(want):
            problems.append(f"the session printed more than README.md shows: {got[index].lines}")
            break
        if want[index].command != got[index].command:
            problems.append(
                f"README.md line {want[index].line_no}: expected the command "
                f"{want[index].command!r} here, the session ran {got[index].command!r}"
            )
            break
        problem = compare_chunk(want[index], got[index])
        if problem:
            problems.append(problem)
    return problems


def regenerate(session: Session, runs: list[Run]) -> list[str]:
    """The block's new lines: actual output, keeping each command's elisions where possible."""
    out: list[str] = []
    for index, chunk in enumerate(actual_chunks(runs)):
        if chunk.shell:
            out.append(f"$ {chunk.command}")
        texts = [text for _, text in chunk.lines]
        old = session.chunks[index] if index < len(session.chunks) else None
        segments = _segments(old.lines) if old and old.command == chunk.command else [[]]
        head, tail = len(segments[0]), len(segments[-1])
        if len(segments) == 1 or len(texts) <= head + tail:
            out.extend(texts)
            continue
        body = texts[head : len(texts) - tail]
        out.extend([*texts[:head], ELISION])
        for segment in segments[1:-1]:
            shown = [text for _, text in segment]
            for i in range(len(body) - len(shown) + 1):
                if body[i : i + len(shown)] == shown:
                    out.extend([*shown, ELISION])
                    body = body[i + len(shown) :]
                    break
        out.extend(texts[len(texts) - tail :])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.docs.readme_session", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--write", action="store_true", help="rewrite the block in README.md")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    session = read_session(text)
    with tempfile.TemporaryDirectory(prefix="paperherald-readme-") as tmp:
        runs = run_session(session, Path(tmp))
    for run in runs:
        if run.returncode != 0:
            print(f"`{run.command}` exited {run.returncode}:\n{run.stderr}", file=sys.stderr)
    block = regenerate(session, runs)
    if not args.write:
        print("\n".join(block))
        return 0
    lines = text.splitlines()
    lines[session.start : session.end] = block
    README.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"README.md: session block rewritten ({len(block)} lines); review with git diff")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""README.md's offline session, pasted into a fresh clone, prints what the README shows.

The commands run as written (/bin/sh, the installed ``paperherald`` entry point, the repository's
``samples/``) in a scratch folder, so the README's ``try.db`` never lands in the checkout. When a
reply's wording changes on purpose, regenerate the block and review the diff::

    .venv/bin/python -m tests.docs.readme_session --write
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.readme_session import (
    ELISION,
    README,
    Run,
    compare,
    read_session,
    regenerate,
    run_session,
)

REGENERATE = "regenerate with: .venv/bin/python -m tests.docs.readme_session --write"


def test_the_readme_session_prints_what_the_readme_shows(tmp_path: Path) -> None:
    session = read_session(README.read_text(encoding="utf-8"))
    # The session imports the shipped samples (not ../shared/...) and replays try-it.txt.
    assert [c.command.split()[-2:] for c in session.shell] == [
        ["import", "samples/hf/*.json"],
        ["<", "samples/try-it.txt"],
    ]
    runs = run_session(session, tmp_path)
    problems = compare(session, runs)
    assert not problems, "\n\n".join([*problems, REGENERATE])
    # ...and regenerating a README that matches changes nothing (elisions included).
    block = README.read_text(encoding="utf-8").splitlines()[session.start : session.end]
    assert regenerate(session, runs) == block
    assert (tmp_path / "try.db").exists()


def test_try_it_file_holds_the_sessions_commands() -> None:
    session = read_session(README.read_text(encoding="utf-8"))
    shown = [c.command for c in session.chunks if not c.shell]
    typed = (README.parent / "samples" / "try-it.txt").read_text(encoding="utf-8").splitlines()
    assert shown == [line for line in typed if line.strip()]


FAKE = """intro
<!-- offline session: checked by tests/docs/test_readme_session.py -->
```console
$ echo a
papers> /papers x
one
two
…
last
```
"""


def fake_run(stdout: str) -> list[Run]:
    return [Run("echo a", 0, stdout, "")]


def test_a_changed_line_is_reported_with_its_readme_line_number() -> None:
    session = read_session(FAKE)
    problems = compare(session, fake_run("papers> /papers x\none\nTWO\nmiddle\nlast\n"))
    assert len(problems) == 1
    assert problems[0].startswith("README.md line 7 differs (answer to '/papers x')")
    assert "README shows: 'two'" in problems[0] and "printed:      'TWO'" in problems[0]


@pytest.mark.parametrize(
    "stdout, line",
    [
        ("papers> /papers x\none\ntwo\nmiddle\nLAST\n", 9),  # the line after the elision
        ("papers> /papers x\none\n", 7),  # the answer stops early
    ],
)
def test_other_differences_name_the_readme_line(stdout: str, line: int) -> None:
    (problem,) = compare(read_session(FAKE), fake_run(stdout))
    assert problem.startswith(f"README.md line {line} ")


def test_elision_matches_any_number_of_lines_and_regenerate_keeps_it() -> None:
    session = read_session(FAKE)
    for middle in ("", "m1\n", "m1\nm2\nm3\n"):
        assert compare(session, fake_run(f"papers> /papers x\none\ntwo\n{middle}last\n")) == []
    runs = fake_run("papers> /papers x\none\ntwo!\nm1\nm2\nlast\n")
    assert regenerate(session, runs) == [
        "$ echo a",
        "papers> /papers x",
        "one",
        "two!",
        ELISION,
        "last",
    ]


def test_a_failing_command_is_reported() -> None:
    (problem, *_) = compare(read_session(FAKE), [Run("echo a", 2, "", "paperherald: bad\n")])
    assert problem.startswith("README.md line 4: `echo a` exited 2")

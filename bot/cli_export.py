"""``paperherald export LIST FORMAT --workspace P:W [--user ID] [-o FILE] [--force]``.

The file goes to stdout, or to FILE written atomically: a temporary file in the same folder,
renamed over the target only once it is complete, so a failure leaves no half-written file
and the old file, if any, as it was. An existing FILE is kept unless ``--force``: an export
named ``references.bib`` may be the bibliography someone edits by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from bot import exports
from bot.atomic import write_atomically
from bot.cite import FORMATS
from bot.cli_output import say
from bot.config import Settings
from bot.models import Platform

FORMAT_NAMES = {"bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}


class ExportRefused(Exception):
    """A request the command refuses (exit 2); the message is one sentence."""


class ExportFailed(Exception):
    """The export could not be done (exit 1); the message is one sentence."""


def workspace(text: str) -> tuple[str, str]:
    """``PLATFORM:WORKSPACE`` -> (platform, workspace), for argparse."""
    platform, sep, name = text.partition(":")
    platforms = [p.value for p in Platform]
    if not sep or platform.lower() not in platforms or not name.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not PLATFORM:WORKSPACE with PLATFORM one of {', '.join(platforms)} "
            "(the console's workspace is console:local)"
        )
    return platform.lower(), name.strip()


def add_parser(command: Callable[..., Any]) -> None:
    """The ``export`` subcommand; ``command`` is build_parser's subcommand factory."""
    p = command(
        "export",
        "write a list of papers as BibTeX, RIS or CSL-JSON",
        "Write one of a workspace's lists of papers as a citation file, to stdout or to FILE. "
        "week and month: the leaderboard of the past 7 or 30 days, as /papers top shows it; "
        "top: every paper the workspace upvoted; discussed: every paper discussed there; "
        "mine: one person's upvotes (needs --user). An empty list writes nothing and exits 1.",
        "Example: paperherald export week bibtex --workspace console:local -o week.bib",
    )
    p.add_argument("list", choices=exports.LISTS, metavar="LIST", help=", ".join(exports.LISTS))
    p.add_argument("format", choices=tuple(FORMATS), metavar="FORMAT", help=", ".join(FORMATS))
    p.add_argument(
        "--workspace",
        type=workspace,
        required=True,
        metavar="PLATFORM:WORKSPACE",
        help="whose list: discord:GUILD_ID, slack:TEAM_ID, or console:local",
    )
    p.add_argument(
        "--user",
        metavar="ID",
        help="for mine: the person's id on that platform (on the console, your login name)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write to FILE instead of stdout (written whole or not at all; - is stdout)",
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")


def check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise ExportRefused(f"{target} is a folder; give the export a file name")
    if not target.parent.is_dir():
        raise ExportRefused(f"cannot write {target}: the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise ExportRefused(f"{target} already exists; add --force to replace it")


def write_stdout(text: str) -> None:
    """UTF-8 whatever the locale says (a cron job's C locale must not choke on 王)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


async def main(settings: Settings, args: argparse.Namespace) -> int:
    """The command: 0 written, 1 nothing to write or a failure, 2 a refused request; each
    problem is one sentence on stderr."""
    try:
        return await export(settings, args)
    except ExportRefused as exc:
        say(f"paperherald: {exc}", err=True)
        return 2
    except ExportFailed as exc:
        say(f"paperherald: {exc}", err=True)
        return 1


async def export(settings: Settings, args: argparse.Namespace) -> int:
    """Check the request, then open the store and write the list."""
    from bot import app

    if args.list == "mine" and not args.user:
        raise ExportRefused("the list mine needs --user ID (the person's id on that platform)")
    if args.list != "mine" and args.user:
        raise ExportRefused(f"--user is only for the list mine, not {args.list}")
    target: Path | None = None if args.output in (None, Path("-")) else args.output
    if target is not None:
        check_target(target, args.force)
    if not settings.database.is_file():
        raise ExportRefused(
            f"{settings.database} does not exist, so there is nothing to export "
            "(check --db or PAPERHERALD_DATABASE)"
        )
    async with app.open_core(settings) as core:
        return await write(core, args, target)


async def write(core: Any, args: argparse.Namespace, target: Path | None) -> int:
    platform, space = args.workspace
    today = core.store.clock.now().astimezone(UTC).date()
    found = await exports.collect(core.store, args.list, platform, space, today, args.user)
    if not found.papers:
        raise ExportFailed(exports.empty_sentence(args.list, who=f"User {args.user}"))
    text = exports.render(found.papers, args.format)
    if found.truncated:
        say(f"paperherald: {exports.truncated_sentence(len(found.papers))}", err=True)
    if target is None:
        write_stdout(text)
        return 0
    try:
        write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise ExportFailed(f"cannot write {target}: {exc.strerror or exc}") from None
    count = len(found.papers)
    noun = "paper" if count == 1 else "papers"
    say(f"Wrote {count} {noun} ({FORMAT_NAMES[args.format]}) to {target}")
    return 0

"""The ``paperherald`` command line: subcommands, options and their help, declared once.

Help wraps to the terminal without splitting words; ranges that chat also has are read from
the chat command declarations (``bot.commands``), so both take the same numbers.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.cli_export import add_parser as add_export_parser
from bot.cli_output import wrap
from bot.commands import find

LIMIT_RANGE = (1, 1000)

SEARCH_SYNTAX = """\
Query syntax (the same as /papers search in chat):
  words            every word, in the title, authors, abstract or keywords
  "exact phrase"   these words together
  prefix*          words that start with prefix, e.g. diffus*
  a OR b           either word
  -word            leave out papers with this word
  author:hinton    by this author
  cat:cs.LG        in this arXiv category
  since:2025-01-01, before:2025-02-01
                   published in this range (YYYY-MM-DD)
  upvotes>:10      at least 10 upvotes on Hugging Face

Example: paperherald search "state space" diffus* since:2025-01-01 --limit 5"""


_TABLE_ROW = re.compile(r"^\s+\S.*?\s{2,}(?=\S)")


class _Formatter(argparse.HelpFormatter):
    """Wraps help to the terminal without splitting words, and keeps the line breaks of
    descriptions and epilogs (the search syntax is a table)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width) or [""]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        for raw in text.splitlines():
            if not raw.strip():
                lines.append("")
                continue
            lead = indent + raw[: len(raw) - len(raw.lstrip())]
            # A table row ("  prefix*   words that start ...") hangs under its description.
            row = _TABLE_ROW.match(raw)
            hang = indent + " " * row.end() if row else lead
            lines += textwrap.wrap(
                raw.strip(),
                width,
                initial_indent=lead,
                subsequent_indent=hang if len(hang) < width // 2 else lead + "  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        return "\n".join(lines)


def version() -> str:
    try:
        return metadata.version("paperherald")
    except metadata.PackageNotFoundError:  # a bare checkout, not installed
        return "unknown (not installed)"


def declared_range(path: tuple[str, ...], name: str) -> tuple[int, int, int]:
    """(min, max, default) of an integer option of a chat command: the CLI takes what chat takes."""
    command = find(path)
    option = next((o for o in command.options if o.name == name), None) if command else None
    if option is None or option.min_value is None or option.max_value is None:
        raise LookupError(f"/papers {' '.join(path)} has no bounded option {name!r}")
    default = option.default if isinstance(option.default, int) else option.min_value
    return option.min_value, option.max_value, default


def workspace_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--workspace PLATFORM:WORKSPACE`` (default the console's, ``console:local``)."""
    parser.add_argument(
        "--workspace",
        type=_workspace,
        default=("console", "local"),
        metavar="PLATFORM:WORKSPACE",
        help=help,
    )


def _workspace(text: str) -> tuple[str, str]:
    platform, sep, workspace = text.partition(":")
    if not sep or not platform or not workspace:
        raise argparse.ArgumentTypeError(f"{text!r} is not PLATFORM:WORKSPACE (console:local)")
    return platform, workspace


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {lo} to {hi}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    top_lo, top_hi, top_default = declared_range(("channel", "setup"), "top")
    db_help = "the SQLite file to use (overrides PAPERHERALD_DATABASE); before or after the command"
    p = argparse.ArgumentParser(
        prog="paperherald",
        description="Daily research papers from Hugging Face and arXiv, in Discord, Slack "
        "and your terminal.",
        epilog="Run paperherald COMMAND --help for a command's options.",
        formatter_class=_Formatter,
    )
    p.add_argument("--version", action="version", version=f"paperherald {version()}")
    p.add_argument("--db", type=Path, metavar="PATH", help=db_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str, epilog: str | None = None) -> Any:
        return sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=epilog,
            parents=[common],
            formatter_class=_Formatter,
        )

    run = command(
        "run",
        "start every adapter whose token is set, plus the scheduler",
        "Start the bot: Discord and Slack when their tokens are set, the daily fetch and the "
        "daily threads. With no token set, the terminal console instead. Stop it with Ctrl-C.",
    )
    run.add_argument(
        "--sync-commands",
        action="store_true",
        help="push the /papers command declarations to Discord now",
    )
    command(
        "chat",
        "the console: /papers lines from a terminal or a pipe",
        "Try every /papers command in this terminal, with no tokens: type /papers help. "
        "Lines can also be piped in; it exits at the end of the input.",
    )

    fetch = command(
        "fetch",
        "fetch papers and store them",
        "Fetch a day's papers (Hugging Face first, then arXiv) and store them. A day that fails "
        "is reported and the other days continue.",
    )
    when = fetch.add_mutually_exclusive_group()
    when.add_argument(
        "--date", type=_day, metavar="YYYY-MM-DD", help="one day (default: today, UTC)"
    )
    when.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first day of a range")
    fetch.add_argument(
        "--until",
        type=_day,
        metavar="YYYY-MM-DD",
        help="last day of the range (default: today); only with --since",
    )
    fetch.add_argument(
        "--source", choices=("hf", "arxiv"), help="only this source (default: every source)"
    )

    imp = command(
        "import",
        "store saved API responses (HF JSON, arXiv Atom/RSS)",
        "Store papers from saved API responses, with no network. A file that cannot be read "
        "is reported in one line and stores nothing.",
    )
    imp.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="HF daily_papers or papers search JSON, or arXiv Atom or RSS XML (format detected)",
    )

    search = command(
        "search",
        "search the stored papers",
        "Search the papers in the local store, best match first.",
        SEARCH_SYNTAX,
    )
    search.add_argument("query", nargs="+", metavar="QUERY", help="words and filters (see below)")
    search.add_argument(
        "--limit",
        type=_int_in(*LIMIT_RANGE),
        default=10,
        metavar="N",
        help=f"how many results, {LIMIT_RANGE[0]}–{LIMIT_RANGE[1]} (default 10)",
    )
    search.add_argument(
        "--json", action="store_true", help="print a JSON array instead (dates as ISO 8601)"
    )

    digest = command(
        "digest",
        "preview a day's ranked thread",
        "Show the papers a daily thread would post for a day, ranked as in chat, with the "
        "reason for each.",
    )
    digest.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day (default: the newest day in the store)",
    )
    digest.add_argument(
        "--top",
        type=_int_in(top_lo, top_hi),
        default=None,
        metavar="N",
        help=f"how many papers, {top_lo}–{top_hi} as in /papers channel setup "
        f"(default {top_default}, or the channel's)",
    )
    digest.add_argument(
        "--topic", metavar="QUERY", help="only papers matching this search (search syntax)"
    )
    workspace_option(digest, "rank with this workspace's votes and taste (default console:local)")
    digest.add_argument(
        "--channel",
        metavar="ID",
        help="as that channel's daily thread: its feed's topic and size (unless --topic/--top)",
    )
    digest.add_argument(
        "--json", action="store_true", help="print a JSON array instead (dates as ISO 8601)"
    )

    why = command(
        "why",
        "explain a paper's ranking in a workspace",
        "Take one paper's score apart as /papers why does in chat: each component's value and "
        "weight, their sum, and what the workspace's taste learned from.",
    )
    why.add_argument("id", metavar="ID", help="an arXiv id, URL or DOI, e.g. 2405.15738")
    workspace_option(why, "whose votes and taste (default console:local)")
    why.add_argument(
        "--channel",
        metavar="ID",
        help="rank as that channel's daily thread does (its feed's topic)",
    )

    command(
        "doctor",
        "check settings, tokens, database and services",
        "Check the settings, whether each token looks right (tokens are never printed), the "
        "database, each channel's daily thread, and whether each service answers. Exits 1 "
        "when something needs fixing.",
    )
    backup = command(
        "backup",
        "copy the database safely while the bot runs",
        "Copy the database with SQLite's backup API: a consistent copy, safe while the bot runs.",
    )
    backup.add_argument(
        "path",
        type=Path,
        metavar="PATH",
        help="the file to write, readable by you only (mode 0600); it must not exist yet",
    )
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    add_export_parser(command)
    command(
        "slack-manifest",
        "print the Slack app manifest (YAML)",
        "Print the Slack app manifest (YAML) to paste into api.slack.com → Create New App → "
        "From a manifest.",
    )
    command(
        "discord-invite",
        "print the Discord invite URL",
        "Print the URL that adds the bot to a Discord server, with the permissions it needs "
        "(read from DISCORD_TOKEN; nothing is sent).",
    )
    return p

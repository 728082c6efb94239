"""The ``paperherald`` command. Exit codes: 0 ok, 1 runtime failure, 2 usage/config error,
141 when the reader of its output went away (``paperherald doctor | head -1``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot import cli_doctor
from bot.cli_args import build_parser, declared_range
from bot.cli_output import (
    digest_title,
    human_day,
    json_text,
    paper_json,
    ranked_text,
    say,
    search_reason,
    search_title,
    terminal_width,
    wrap,
)
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.models import ChannelRef, UserRef
from bot.ports import SourceError
from bot.present.text import counted
from bot.sources.text import strip_controls

log = logging.getLogger("paperherald")

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool cut off by `head`


class UsageFailure(Exception):
    """A bad command line or argument: exit 2."""


# A digest's size when neither --top nor a channel's feed says: the chat's default.
DIGEST_TOP = int(declared_range(("channel", "setup"), "top")[2])


class CommandFailure(Exception):
    """The command could not do its job: exit 1."""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:  # `paperherald doctor | head -1`: the reader has what it wanted
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    return code


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else 0
    try:
        overrides: dict[str, object] = {}
        if args.db:
            overrides["database"] = args.db
        settings = load_settings(**overrides)
    except ConfigError as exc:
        say(f"paperherald: {exc}", err=True)
        return 2
    # One-shot commands print their own results; only warnings belong beside them.
    level = settings.log_level
    if args.command not in ("run", "chat") and level in ("DEBUG", "INFO"):
        level = "DEBUG" if level == "DEBUG" else "WARNING"
    setup_logging(level, settings.log_format, secret_values(settings))
    try:
        return asyncio.run(dispatch(args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise
    except (ConfigError, UsageFailure) as exc:
        say(f"paperherald: {exc}", err=True)
        return 2
    except CommandFailure as exc:
        say(f"paperherald: {exc}", err=True)
        return 1
    except Exception as exc:  # last line of defence: one sentence, details in the log
        from storage.db import DatabaseError

        if isinstance(exc, DatabaseError | SourceError):
            say(f"paperherald: {exc}", err=True)
        else:
            log.debug("unexpected failure", exc_info=True)
            say(f"paperherald: {type(exc).__name__}: {exc}", err=True)
        return 1


def secret_values(settings: Settings) -> list[str]:
    found = []
    for name in (
        "discord_token",
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "hf_token",
    ):
        value = getattr(settings, name)
        if value is not None:
            found.append(value.get_secret_value())
    return found


def print_json(rows: list[dict[str, Any]]) -> None:
    say(json_text(rows))


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app

    cmd = args.command
    if cmd == "slack-manifest":
        from adapters.slack.manifest import manifest_yaml

        say(manifest_yaml(settings))
        return 0
    if cmd == "discord-invite":
        from adapters.discord.invite import invite_url

        say(await invite_url(settings))
        return 0
    if cmd == "run":
        return await app.run(settings, sync_commands=args.sync_commands)
    if cmd == "chat":
        return await app.run(settings, console=True)
    if cmd == "doctor":
        return await doctor(settings)
    if cmd == "backup":
        return await backup(settings, args.path, force=args.force)
    if cmd == "export":
        from bot import cli_export

        return await cli_export.main(settings, args)
    async with app.open_core(settings) as core:
        services = core.services
        if cmd == "import":
            return await import_files(core, args.files)
        if cmd == "fetch":
            return await fetch(core, args)
        if cmd == "search":
            text = " ".join(args.query)
            items, total, parsed = await services.digests.search(text, limit=args.limit)
            if parsed.error:
                raise UsageFailure(parsed.error)
            if args.json:
                print_json([paper_json(i, search_reason(i, parsed)) for i in items])
            else:
                say(ranked_text(items, search_title(total, parsed, text)))
            return 0
        if cmd == "digest":
            day = args.date or await services.digests.latest_day() or datetime.now(UTC).date()
            try:
                platform, workspace = args.workspace
                top, topic = args.top, args.topic
                if args.channel:
                    feed = await core.store.feeds.get(ChannelRef(platform, workspace, args.channel))
                    if feed is None:
                        raise UsageFailure(
                            f"{platform}:{workspace} channel {args.channel} has no daily thread"
                        )
                    top = top or feed.top_n
                    topic = topic if topic is not None else feed.topic
                items = await services.digests.digest(
                    day, top=top or DIGEST_TOP, topic=topic, platform=platform, workspace=workspace
                )
            except ValueError as exc:
                raise UsageFailure(str(exc)) from None
            if args.json:
                print_json([paper_json(i) for i in items])
            else:
                say(ranked_text(items, digest_title(day, len(items), topic), reasons=True))
            return 0
        if cmd == "why":
            platform, workspace = args.workspace
            # The same path as /papers why in chat, as an operator of that workspace.
            caller = UserRef(platform, workspace, "paperherald-cli", "paperherald", is_admin=True)
            where = ChannelRef(platform, workspace, args.channel) if args.channel else None
            message = await services.dispatcher.handle_text(caller, f"/papers why {args.id}", where)
            if message.is_error:
                raise CommandFailure(message.text)
            say(message.text)
            return 0
    raise UsageFailure(f"unknown command {cmd}")


def check_backup_paths(source: Path, target: Path, *, force: bool = False) -> None:
    """Refuse what cannot work, or would overwrite a file unasked, naming the path concerned.
    The source is never created: a wrong path is an error, not an empty backup."""
    if not source.is_file():
        raise UsageFailure(
            f"{source} does not exist, so there is nothing to back up "
            "(check --db or PAPERHERALD_DATABASE)"
        )
    if target.is_dir():
        raise UsageFailure(
            f"{target} is a folder; give the backup a file name, "
            f"e.g. {target / 'paperherald-backup.db'}"
        )
    if not target.parent.is_dir():
        raise UsageFailure(f"cannot write {target}: the folder {target.parent} does not exist")
    if target.exists() and target.resolve() == source.resolve():
        raise UsageFailure(f"{target} is the database itself; choose another path")
    if target.exists() and not force:
        raise UsageFailure(f"{target} already exists; add --force to replace it")


async def backup(settings: Settings, target: Path, *, force: bool = False) -> int:
    """An online copy of the database (SQLite's backup API), a new file readable by its
    owner only; an existing file is replaced only with ``--force``."""
    from bot import app

    source = settings.database
    check_backup_paths(source, target, force=force)
    async with app.open_core(settings) as core:
        try:
            await core.db.backup(target, replace=force)
        except FileExistsError:
            raise UsageFailure(f"{target} already exists; add --force to replace it") from None
        except (sqlite3.Error, OSError) as exc:
            raise CommandFailure(f"cannot back up to {target}: {exc}") from None
    say(f"Backed up {source} to {target}")
    return 0


async def doctor(settings: Settings) -> int:
    """Settings, tokens, database, daily threads and each service, one line each."""
    from bot import app

    width = terminal_width()
    problems = 0

    def show(check: cli_doctor.Check) -> None:
        nonlocal problems
        problems += check.ok is False
        text = cli_doctor.mark_line(check)
        say("\n".join(wrap(text, width, hang=" " * 7)))

    show(cli_doctor.settings_check(settings))
    for check in cli_doctor.token_checks(settings):
        show(check)
    discord_api = None
    if settings.discord_token:
        from adapters.discord.endpoints import api_base

        discord_api = api_base(settings.discord_api_base_url or "https://discord.com")
    try:
        async with app.open_core(settings) as core:
            count = await core.store.papers.count()
            row = await core.db.fetchone(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            )
            size = int(row[0]) if row else 0
            version = await core.db.schema_version()
            show(
                cli_doctor.Check(
                    True,
                    f"Database {settings.database}: {counted(count, 'paper')}, "
                    f"{size / 1e6:.1f} MB (format version {version})",
                )
            )
            async with core.db.transaction() as conn:
                await conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('doctor', 'ok')")
            show(cli_doctor.Check(True, "Database can be written to"))
            show(cli_doctor.fetch_check(await core.store.papers.last_fetch()))
            for feed in await core.store.feeds.all():
                assert feed.id is not None
                show(cli_doctor.feed_check(feed, await core.store.deliveries.last(feed.id)))
            targets = cli_doctor.service_targets(settings, discord_api)
            for check in await cli_doctor.service_checks(core.http, targets):
                show(check)
    except BrokenPipeError:
        raise
    except Exception as exc:
        show(cli_doctor.Check(False, f"Cannot open the database {settings.database}: {exc}"))
        return 1
    return 1 if problems else 0


async def import_files(core: Any, files: Sequence[Path]) -> int:
    from bot.sources.files import parse_file

    width = terminal_width()
    failures = 0
    for path in files:
        try:
            batch = parse_file(path)
            stored = await core.store.papers.upsert(batch)
        except SourceError as exc:
            say(f"paperherald: {exc}", err=True)
            failures += 1
            continue
        except OSError as exc:
            say(f"paperherald: cannot read {path}: {exc.strerror}", err=True)
            failures += 1
            continue
        days = sorted({f.day for f in batch.featured})
        where = f" featured on {', '.join(human_day(d) for d in days)}" if days else ""
        say("\n".join(wrap(f"{path.name}: {counted(stored, 'paper')}{where}", width, hang="  ")))
    return 1 if failures else 0


async def fetch(core: Any, args: argparse.Namespace) -> int:
    from rich.progress import Progress

    today = datetime.now(UTC).date()
    if args.since:
        until = args.until or today
        if until < args.since:
            raise UsageFailure("--until is before --since")
        days = [args.since + timedelta(days=i) for i in range((until - args.since).days + 1)]
    else:
        if args.until:
            raise UsageFailure("--until needs --since")
        days = [args.date or today]
    failed = 0
    with Progress(transient=True, disable=len(days) < 2) as progress:
        task = progress.add_task("Fetching", total=len(days))
        for day in days:
            report = await core.services.ingest(day, only=args.source)
            for source, count in report.stored.items():
                progress.console.print(
                    f"{human_day(day)} {source}: {counted(count, 'paper')}",
                    markup=False,
                    highlight=False,
                )
            for source, err in report.errors.items():
                progress.console.print(
                    strip_controls(f"{human_day(day)} {source}: failed: {err}"),
                    markup=False,
                    highlight=False,
                )
            failed += not report.ok
            progress.advance(task)
    return 1 if failed == len(days) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``paperherald`` command. Exit codes: 0 ok, 1 runtime failure, 2 usage/config error."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.models import ScoredPaper
from bot.ports import SourceError

log = logging.getLogger("paperherald")


class UsageFailure(Exception):
    pass


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-31") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paperherald",
        description="Daily research papers from Hugging Face and arXiv, in Discord, Slack "
        "and your terminal.",
    )
    p.add_argument("--db", type=Path, help="SQLite file (overrides PAPERHERALD_DATABASE)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start every adapter whose token is set, plus the scheduler")
    run.add_argument(
        "--sync-commands",
        action="store_true",
        help="push the slash-command declarations to Discord now",
    )
    sub.add_parser("chat", help="the console adapter: /papers lines from a terminal or a pipe")

    fetch = sub.add_parser("fetch", help="fetch papers and store them")
    when = fetch.add_mutually_exclusive_group()
    when.add_argument("--date", type=_day, help="one day (default: today, UTC)")
    when.add_argument("--since", type=_day, help="first day of a range")
    fetch.add_argument("--until", type=_day, help="last day of the range (default: today)")
    fetch.add_argument("--source", choices=("hf", "arxiv"), help="only this source")

    imp = sub.add_parser("import", help="store saved API responses (HF JSON, arXiv Atom/RSS)")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")

    search = sub.add_parser("search", help="search the local store")
    search.add_argument("query", nargs="+")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true")

    digest = sub.add_parser("digest", help="preview a day's ranked thread")
    digest.add_argument("--date", type=_day)
    digest.add_argument("--top", type=int, default=10)
    digest.add_argument("--topic")
    digest.add_argument("--json", action="store_true")

    sub.add_parser("doctor", help="check settings, database and services")
    backup = sub.add_parser("backup", help="copy the database safely while the bot runs")
    backup.add_argument("path", type=Path)
    sub.add_parser("slack-manifest", help="print the Slack app manifest (YAML)")
    sub.add_parser("discord-invite", help="print the Discord invite URL")
    return p


def paper_json(item: ScoredPaper) -> dict[str, Any]:
    p = item.paper
    return {
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "score": item.score,
        "reason": item.reason,
        "authors": list(p.authors),
        "categories": list(p.categories),
        "published_at": p.published_at.isoformat() if p.published_at else None,
        "hf_upvotes": p.hf_upvotes,
        "votes": item.votes,
        "url": p.abs_url,
        "hf_url": p.hf_url,
        "github_repo": p.github_repo,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        overrides: dict[str, object] = {}
        if args.db:
            overrides["database"] = args.db
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(f"paperherald: {exc}", file=sys.stderr)
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
    except ConfigError as exc:
        print(f"paperherald: {exc}", file=sys.stderr)
        return 2
    except UsageFailure as exc:
        print(f"paperherald: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # last line of defence: one sentence, details in the log
        from storage.db import DatabaseError

        if isinstance(exc, DatabaseError | SourceError):
            print(f"paperherald: {exc}", file=sys.stderr)
        else:
            log.debug("unexpected failure", exc_info=True)
            print(f"paperherald: {type(exc).__name__}: {exc}", file=sys.stderr)
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


async def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import app

    cmd = args.command
    if cmd == "slack-manifest":
        from adapters.slack.manifest import manifest_yaml

        print(manifest_yaml(settings))
        return 0
    if cmd == "discord-invite":
        from adapters.discord.invite import invite_url

        print(await invite_url(settings))
        return 0
    if cmd == "run":
        return await app.run(settings, sync_commands=args.sync_commands)
    if cmd == "chat":
        return await app.run(settings, console=True)
    if cmd == "doctor":
        return await doctor(settings)
    async with app.open_core(settings) as core:
        engine = core.engine
        if cmd == "import":
            return await import_files(core, args.files)
        if cmd == "fetch":
            return await fetch(core, args)
        if cmd == "search":
            text = " ".join(args.query)
            if not 1 <= args.limit <= 1000:
                raise UsageFailure("--limit must be between 1 and 1000")
            items, total, parsed = await engine.search(text, limit=args.limit)
            if parsed.error:
                raise UsageFailure(parsed.error)
            if args.json:
                print(json.dumps([paper_json(i) for i in items], ensure_ascii=False, indent=2))
            else:
                print_ranked(
                    items,
                    f"{total} result{'s' if total != 1 else ''} for {parsed.describe() or text!r}",
                )
            return 0
        if cmd == "digest":
            day = args.date or await engine.latest_day() or datetime.now(UTC).date()
            if not 1 <= args.top <= 100:
                raise UsageFailure("--top must be between 1 and 100")
            try:
                items = await engine.digest(day, top=args.top, topic=args.topic)
            except ValueError as exc:
                raise UsageFailure(str(exc)) from None
            if args.json:
                print(json.dumps([paper_json(i) for i in items], ensure_ascii=False, indent=2))
            else:
                print_ranked(
                    items,
                    f"Daily Papers · {day:%a %d %b %Y} · {len(items)} papers"
                    + (f" · topic {args.topic}" if args.topic else ""),
                    reasons=True,
                )
            return 0
        if cmd == "backup":
            await core.db.backup(args.path)
            print(f"Backed up {settings.database} to {args.path}")
            return 0
    raise UsageFailure(f"unknown command {cmd}")


async def doctor(settings: Settings) -> int:
    """Settings, database and each configured service; a token is never printed."""
    from bot import app

    problems = 0

    def line(ok: bool | None, what: str) -> None:
        mark = {True: "ok  ", False: "FAIL", None: "--  "}[ok]
        print(f"[{mark}] {what}")

    line(
        True,
        f"settings load; platforms configured: {', '.join(settings.platforms) or 'none (console)'}",
    )
    for name in (
        "discord_token",
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "hf_token",
    ):
        line(
            None if getattr(settings, name) is None else True,
            f"{name.upper()} {'is set' if getattr(settings, name) else 'not set'}",
        )
    try:
        async with app.open_core(settings) as core:
            version = await core.db.schema_version()
            count = await core.store.papers.count()
            row = await core.db.fetchone(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            )
            size = int(row[0]) if row else 0
            line(
                True,
                f"database {settings.database}: schema v{version}, {count} papers, {size / 1e6:.1f} MB",
            )
            async with core.db.transaction() as conn:
                await conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('doctor', 'ok')")
            line(True, "database is writable")
            last = await core.store.papers.last_fetch()
            line(
                None if last is None else True,
                f"last successful fetch: {last.isoformat() if last else 'never'}",
            )
            feeds = await core.store.feeds.all()
            for feed in feeds:
                assert feed.id is not None
                d = await core.store.deliveries.last(feed.id)
                state = "on" if feed.enabled else f"off ({feed.disabled_reason or 'stopped'})"
                last_d = f"{d.day} {d.status.value}" if d else "none yet"
                line(
                    feed.enabled,
                    f"feed #{feed.id} {feed.channel.platform}:{feed.channel.channel} "
                    f"{feed.post_time:%H:%M} {feed.timezone} {state}; last delivery {last_d}",
                )
            targets = [("Hugging Face", settings.hf_base_url + "/api/daily_papers?limit=1")]
            if "arxiv" in settings.sources:
                targets.append(("arXiv", settings.arxiv_api_url + "?id_list=1706.03762"))
            if settings.discord_token:
                from adapters.discord.endpoints import api_base

                targets.append(
                    (
                        "Discord",
                        api_base(settings.discord_api_base_url or "https://discord.com")
                        + "/gateway",
                    )
                )
            if settings.slack_bot_token:
                targets.append(
                    (
                        "Slack",
                        (settings.slack_api_base_url or "https://slack.com/api/").rstrip("/")
                        + "/api.test",
                    )
                )
            for name, url in targets:
                try:
                    resp = await core.http.get(url, timeout=10)
                    line(resp.status_code < 500, f"{name} reachable (HTTP {resp.status_code})")
                    problems += resp.status_code >= 500
                except Exception as exc:
                    line(False, f"{name} unreachable: {type(exc).__name__}")
                    problems += 1
    except Exception as exc:
        line(False, f"database {settings.database}: {exc}")
        return 1
    return 1 if problems else 0


def print_ranked(items: Sequence[ScoredPaper], title: str, *, reasons: bool = False) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not items:
        console.print(f"{title}\nNothing found.")
        return
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("arXiv", no_wrap=True)
    table.add_column("Title", ratio=3)
    table.add_column("Why" if reasons else "Authors", ratio=2)
    for i, item in enumerate(items, 1):
        p = item.paper
        who = ", ".join(p.authors[:3]) + (f" +{len(p.authors) - 3}" if len(p.authors) > 3 else "")
        table.add_row(
            str(i),
            p.arxiv_id,
            p.title,
            item.reason if reasons else who,
        )
    console.print(table)


async def import_files(core: Any, files: Sequence[Path]) -> int:
    from bot.sources.files import parse_file

    failures = 0
    for path in files:
        try:
            batch = parse_file(path)
            stored = await core.store.papers.upsert(batch)
        except SourceError as exc:
            print(f"paperherald: {exc}", file=sys.stderr)
            failures += 1
            continue
        except OSError as exc:
            print(f"paperherald: cannot read {path}: {exc.strerror}", file=sys.stderr)
            failures += 1
            continue
        days = sorted({f.day for f in batch.featured})
        where = f" featured on {', '.join(d.isoformat() for d in days)}" if days else ""
        print(f"{path.name}: {stored} papers{where}")
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
            report = await core.engine.ingest(day, only=args.source)
            for source, count in report.stored.items():
                progress.console.print(f"{day} {source}: {count} papers")
            for source, err in report.errors.items():
                progress.console.print(f"{day} {source}: failed: {err}")
            failed += not report.ok
            progress.advance(task)
    return 1 if failed == len(days) else 0


if __name__ == "__main__":
    raise SystemExit(main())

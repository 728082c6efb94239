"""The SQLite file: one aiosqlite connection, pragmas, numbered forward-only migrations.

Files this module creates (the database, and backups) are private to their owner (0600):
they hold user ids, topics and votes. SQLite gives -wal, -shm and journals the mode of their
database file. A file that already exists keeps the mode it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class WorkBudgetExceeded(Exception):
    """A statement ran past its work budget and was interrupted."""


class WorkBudget:
    """Seconds of work shared by the statements of one search, run one after the other: each
    gets what the earlier ones used up of it. Only their work counts, never the time they
    waited for a reader (48 feeds reading at once must not turn a search into 'too broad')."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds


def _fetch_within(
    conn: sqlite3.Connection, sql: str, params: tuple[Any, ...], budget: float | WorkBudget
) -> list[Any]:
    """Run on the connection's own thread: the clock starts when the statement does (time
    spent queued behind other statements is not counted), and SQLite's progress handler
    interrupts it once ``budget`` seconds of work have passed."""
    start = time.monotonic()
    deadline = start + (budget if isinstance(budget, float | int) else max(budget.left, 0.0))
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 2_000)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise WorkBudgetExceeded(sql.split(" ", 1)[0]) from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
        if isinstance(budget, WorkBudget):
            budget.left -= time.monotonic() - start


class DatabaseError(Exception):
    """The database cannot be opened or migrated; one clear sentence."""


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) for every bundled migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise DatabaseError(f"migrations are not numbered 1..N without gaps: {numbers}")
    return found


FILE_MODE = 0o600  # new databases and backups: owner read/write only
READERS = 2  # reader connections beside the writer: one per core on the reference machine
BUSY_TIMEOUT_MS = 5000  # how long a connection waits for another process's write lock


class Database:
    """A writer connection plus a few readers (WAL lets them read while it writes).

    Writes go through :meth:`transaction`, which serialises them: aiosqlite runs a
    connection's statements on one thread, but two coroutines could still interleave their
    BEGIN/COMMIT. Reads (:meth:`fetchall`, :meth:`fetchone`) go to the least busy reader, so
    concurrent commands don't queue behind one thread; SQLite releases the GIL while it works.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._readers: list[aiosqlite.Connection] = []
        self._busy: list[int] = []

    async def _open_readers(self, count: int) -> None:
        if self.path == ":memory:":
            return  # a private in-memory database has no other connections
        for _ in range(count):
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            reader.row_factory = aiosqlite.Row
            await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await reader.execute("PRAGMA foreign_keys = ON")
            await reader.execute("PRAGMA query_only = ON")
            self._readers.append(reader)
            self._busy.append(0)

    @classmethod
    async def open(
        cls, path: str | Path, *, migrate: bool = True, readers: int = READERS
    ) -> Database:
        target = str(path)
        if target != ":memory:":
            try:
                # Once at start-up, before the loop serves anyone: blocking is fine here.
                Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
            except OSError as exc:
                raise DatabaseError(
                    f"Cannot create the folder for {target}: {exc.strerror}."
                ) from None
            _create_private(target)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"Cannot open the database {target}: {exc}.") from None
        conn.row_factory = aiosqlite.Row
        db = cls(conn, target)
        try:
            await db._pragmas()
            if migrate:
                await db.migrate()
            await db._open_readers(readers)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise DatabaseError(f"{target} is not a usable Paper Herald database: {exc}.") from None
        except BaseException:
            await db.close()
            raise
        return db

    async def _pragmas(self) -> None:
        await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self._wal()
        await self.conn.execute("PRAGMA synchronous = NORMAL")
        await self.conn.execute("PRAGMA foreign_keys = ON")
        await self.conn.execute("PRAGMA temp_store = MEMORY")
        # Checkpoints fsync; fewer of them (16 MB of WAL apart) and a 32 MB cache keep bulk
        # ingest and FTS5 segment merges from waiting on the disk.
        await self.conn.execute("PRAGMA wal_autocheckpoint = 4000")
        await self.conn.execute("PRAGMA cache_size = -32768")

    async def _wal(self) -> None:
        """Switch to WAL. The switch of a new file needs the write lock, and SQLite reports
        "database is locked" at once (no busy handler) when another process opening the same
        new file holds it; so ask again until the busy timeout has passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        pause = 0.005
        while True:
            try:
                await self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if loop.time() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction; returns the new version.

        The version is read inside the write transaction (BEGIN IMMEDIATE) that applies the
        next migration, so two processes opening one new file never both apply it: the
        second waits for the first's lock (busy_timeout), then sees the new version.
        """
        bundled = migrations()
        current = await self._user_version()
        while current < len(bundled):  # an up-to-date file needs no write lock
            async with self.transaction() as conn:
                current = await self._user_version()  # again, now that no one else writes
                if current >= len(bundled):
                    break
                number, name, sql = bundled[current]
                for statement in _split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
                current = number
            log.info("applied migration %s", name)
        if current > len(bundled):
            raise DatabaseError(
                f"The database has schema version {current}, newer than this Paper Herald "
                f"({len(bundled)}); upgrade Paper Herald."
            )
        return current

    async def _user_version(self) -> int:
        """The schema version as the writer connection sees it (inside its transaction)."""
        rows = await self.conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    def _reader(self) -> tuple[int, aiosqlite.Connection]:
        if not self._readers:
            return -1, self.conn
        i = min(range(len(self._readers)), key=self._busy.__getitem__)
        return i, self._readers[i]

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, budget: float | WorkBudget | None = None
    ) -> list[aiosqlite.Row]:
        """Rows of a read. With ``budget`` (seconds of work), a statement still running after
        it is interrupted and WorkBudgetExceeded raised: searches use it, so a crafted query
        gives its reader back instead of holding it for seconds."""
        i, conn = self._reader()
        if i >= 0:
            self._busy[i] += 1
        try:
            if budget is not None:
                # aiosqlite's own queue (its _execute) runs the function on the connection's
                # thread, between the statements of other callers.
                rows = await conn._execute(  # type: ignore[no-untyped-call]
                    _fetch_within, conn._conn, sql, tuple(params), budget
                )
                return list(rows)
            # One hop to the connection's thread (execute + fetch + close together).
            return list(await conn.execute_fetchall(sql, tuple(params)))
        finally:
            if i >= 0:
                self._busy[i] -= 1

    async def fetchone(
        self, sql: str, params: Iterable[Any] = (), *, budget: float | WorkBudget | None = None
    ) -> aiosqlite.Row | None:
        if budget is not None:
            return next(iter(await self.fetchall(sql, params, budget=budget)), None)
        i, conn = self._reader()
        if i >= 0:
            self._busy[i] += 1
        try:
            rows = await conn.execute_fetchall(sql, tuple(params))
            return next(iter(rows), None)
        finally:
            if i >= 0:
                self._busy[i] -= 1

    async def backup(self, target: str | Path, *, replace: bool = False) -> None:
        """SQLite's online backup API: consistent while the bot keeps writing.

        The copy is written to a new private (0600) file beside ``target`` and renamed into
        place when complete, so a failed backup leaves no partial file. An existing
        ``target`` is replaced only when ``replace`` is set (FileExistsError otherwise).
        """
        target = Path(target)
        if not replace and target.exists():
            raise FileExistsError(errno.EEXIST, "File exists", str(target))
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)  # mkstemp creates it 0600 whatever the umask
        try:
            dest = sqlite3.connect(tmp)
            try:
                await self.conn.backup(dest)
            finally:
                dest.close()
            if not replace and target.exists():
                raise FileExistsError(errno.EEXIST, "File exists", str(target))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    async def close(self) -> None:
        for reader in self._readers:
            await reader.close()
        self._readers.clear()
        self._busy.clear()
        await self.conn.close()


def _create_private(path: str) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then treats it as a
    new database, and gives its -wal and -shm the same mode); an existing file is untouched."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    except OSError:
        return  # let SQLite report what is wrong with the path, in its words
    os.close(fd)


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements; sqlite3.complete_statement respects triggers."""
    statements, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements

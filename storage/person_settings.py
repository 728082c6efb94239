"""Each person's DM settings as they chose them (the ``PersonSettingsRepo`` port): only the
values they set are stored; NULL is the server's default."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any

from bot.models import PersonChoices, Subscriber, UserRef
from bot.ports import Clock
from storage.db import Database
from storage.rows import stamp

_COLUMNS = "dm_time, timezone, dms, dm_size"


def _choices(row: Sequence[Any]) -> PersonChoices:
    dm_time, zone, dms, size = row
    return PersonChoices(
        dm_time=time.fromisoformat(dm_time) if dm_time else None,
        timezone=zone or None,
        dms=None if dms is None else bool(dms),
        dm_size=None if size is None else int(size),
    )


class SqlitePersonSettingsRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, user: UserRef) -> PersonChoices:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM person_settings "
            "WHERE platform = ? AND workspace = ? AND user_id = ?",
            (user.platform, user.workspace, user.user_id),
        )
        return _choices(row) if row else PersonChoices()

    async def change(self, user: UserRef, changes: PersonChoices) -> PersonChoices:
        """Store the values ``changes`` sets (the others stay as they were); returns all of
        the person's choices."""
        key = (user.platform, user.workspace, user.user_id)
        async with self.db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_COLUMNS} FROM person_settings "
                "WHERE platform = ? AND workspace = ? AND user_id = ?",
                key,
            ) as cur:
                row = await cur.fetchone()
            new = (_choices(row) if row else PersonChoices()).merged(changes)
            await conn.execute(
                f"INSERT OR REPLACE INTO person_settings (platform, workspace, user_id, "
                f"{_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    None if new.dm_time is None else f"{new.dm_time:%H:%M}",
                    new.timezone,
                    None if new.dms is None else int(new.dms),
                    new.dm_size,
                    stamp(self.clock.now()),
                ),
            )
        return new

    async def subscribers(self) -> list[Subscriber]:
        """Everyone with an active topic, with their choices: one read per notify run, no
        topic loaded (the subscriptions' unique index serves the grouping)."""
        rows = await self.db.fetchall(
            "SELECT s.platform, s.workspace, s.user_id, max(s.id), count(*), "
            "p.dm_time, p.timezone, p.dms, p.dm_size FROM subscriptions AS s "
            "LEFT JOIN person_settings AS p ON p.platform = s.platform "
            "AND p.workspace = s.workspace AND p.user_id = s.user_id "
            "WHERE s.paused = 0 GROUP BY s.platform, s.workspace, s.user_id"
        )
        return [
            Subscriber(
                user=UserRef(r[0], r[1], r[2]),
                choices=_choices(tuple(r)[5:]),
                topics=(int(r[3]), int(r[4])),
            )
            for r in rows
        ]

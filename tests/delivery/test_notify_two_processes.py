"""Issue 18 item 7: two `run` processes on one database send the day's DM once: the
(person, day) is claimed in a row before sending, not only behind an in-process lock."""

from __future__ import annotations

import asyncio

from bot.bootstrap import Services, build_services
from bot.clock import FakeClock
from storage.db import Database
from storage.store import Repositories
from tests.conftest import alice
from tests.delivery.conftest import Recorder, at_utc
from tests.delivery.dm_days import featured
from tests.delivery.test_notify import TODAY, dms_to, subscribe


async def test_two_processes_send_one_dm(
    engine: Services, store: Repositories, clock: FakeClock, chat: Recorder
) -> None:
    clock.set(at_utc(2026, 9, 25, 7, 0))
    await store.papers.upsert(featured(TODAY, "Fast Diffusion Sampling"))
    await subscribe(engine, alice(), "diffusion")
    db2 = await Database.open(engine.settings.database)  # the second process's own connection
    try:
        other = build_services(engine.settings, Repositories(db2, clock), [], clock)
        other.adapters.update(engine.adapters)
        both_read = asyncio.Barrier(2)
        for notifier in (engine.notifier, other.notifier):
            read = notifier.notifications.dm_users_on

            async def read_then_wait(day: object, read: object = read) -> set[tuple[str, str, str]]:
                done: set[tuple[str, str, str]] = await read(day)  # type: ignore[operator]
                await asyncio.wait_for(both_read.wait(), 10)  # both saw "no DM sent yet"
                return done

            notifier.notifications.dm_users_on = read_then_wait  # type: ignore[method-assign]
        now = at_utc(2026, 9, 25, 9, 0)
        sent = await asyncio.gather(engine.notifier.notify(now), other.notifier.notify(now))
    finally:
        await db2.close()
    assert sorted(sent) == [0, 1]
    assert len(dms_to(chat, "alice")) == 1

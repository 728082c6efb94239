"""/papers settings in the console: shown, saved, refused with one sentence, and listed with
the topics; the console's DM (a printed message) follows the person's own time."""

from __future__ import annotations

import io
from datetime import date

from adapters.console.adapter import ConsoleAdapter, run_console
from bot.bootstrap import Services
from bot.clock import FakeClock
from storage.store import Repositories
from tests.delivery.dm_days import featured, utc


async def test_the_console_shows_and_saves_settings(
    filled: Services, store: Repositories, clock: FakeClock
) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out)
    filled.attach(adapter)
    script = (
        "/papers settings\n"
        "/papers settings dm-time 08:30 timezone Asia/Tokyo\n"
        "/papers settings dm-size 99\n"
        "/papers subscribe diffusion\n"
        "/papers subscriptions\n"
    )
    assert await run_console(filled.dispatcher, adapter, io.StringIO(script)) == 0
    text = out.getvalue().replace("\\_", "_")
    assert "DM time: 09:00 (server default)" in text
    assert "Time zone: UTC (server default)" in text
    assert "DM time: 08:30" in text and "Time zone: Asia/Tokyo" in text
    assert "Give a DM size from 1 to 25 (you gave 99)." in text
    assert "around 08:30 Asia/Tokyo" in text
    assert "Daily DM: 08:30 Asia/Tokyo · on · up to 10 papers" in text
    assert "Traceback" not in text

    await store.papers.upsert(featured(date(2026, 9, 25), "Diffusion in Tokyo"))  # HF: UTC days
    before = out.getvalue()
    clock.set(utc(2026, 9, 25, 23, 29))  # 08:29 on 26 Sep in Tokyo
    await filled.jobs.notify()
    assert out.getvalue() == before
    clock.set(utc(2026, 9, 25, 23, 30))
    await filled.jobs.notify()
    dm = out.getvalue()[len(before) :]
    assert "for your topics · Sat 26 Sep" in dm  # her date in Tokyo, not the server's
    assert "Diffusion in Tokyo" in dm

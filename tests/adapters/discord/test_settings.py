"""/papers settings through the real discord.py client against the fake: the person sets
their DM time and zone with the slash command (option names "dm-time", "timezone"), the zone
autocomplete answers, and the notify job sends their DM at nine in New York across the
change back from daylight saving time (1 Nov 2026), not before it and once."""

from __future__ import annotations

from datetime import date

from adapters.discord import DiscordAdapter
from bot.bootstrap import Services
from bot.clock import FakeClock
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import autocomplete, command
from tests.adapters.discord.fake_discord import FakeDiscord, Request
from tests.delivery.dm_days import featured, utc

ALICE_DM_CHANNEL = p.ALICE_ID + 7  # the fake's DM channel for Alice


def text_of(reply: Request) -> str:
    body = reply.body["data"] if reply.path.endswith("/callback") else reply.body
    embeds = " ".join(str(e.get("description") or "") for e in body.get("embeds") or [])
    titles = " ".join(str(e.get("title") or "") for e in body.get("embeds") or [])
    shown = f"{body.get('content') or ''} {titles} {embeds}"
    return shown.replace("\\_", "_").replace("\\|", "|")  # Markdown escapes


async def test_settings_by_slash_command_and_a_dm_at_nine_local_across_fall_back(
    fake: FakeDiscord,
    adapter: DiscordAdapter,
    filled: Services,
    store: Repositories,
    clock: FakeClock,
) -> None:
    clock.set(utc(2026, 10, 31, 12))
    options = {"dm-time": "09:00", "timezone": "America/New_York", "dm-size": 5}
    (reply,) = await (await command(fake, ("settings",), options)).wait()
    shown = text_of(reply)
    assert "DM time: 09:00" in shown and "Time zone: America/New_York" in shown
    assert "DM size: up to 5 papers" in shown
    assert int(reply.body["data"]["flags"]) & p.EPHEMERAL
    (reply,) = await (await command(fake, ("subscribe",), {"topic": "diffusion"})).wait()
    assert "around 09:00 America/New_York" in text_of(reply)
    (reply,) = await (await command(fake, ("subscriptions",))).wait()
    assert "Daily DM: 09:00 America/New_York · on · up to 5 papers" in text_of(reply)
    for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)):
        await store.papers.upsert(featured(day, f"Diffusion on {day:%d %b}"))

    def dms() -> list[Request]:
        return fake.find("POST", rf"/channels/{ALICE_DM_CHANNEL}/messages")

    async def sent_at(*times: tuple[int, int, int, int, int]) -> list[int]:
        counts = []
        for when in times:
            clock.set(utc(*when))
            before = len(dms())
            await filled.jobs.notify()  # the scheduled job, as the scheduler runs it
            counts.append(len(dms()) - before)
        return counts

    # Saturday 31 Oct, EDT (UTC−4): nine in New York is 13:00 UTC; the server's own
    # 09:00 UTC (the default she replaced) sends nothing.
    assert await sent_at((2026, 10, 31, 9, 0), (2026, 10, 31, 12, 59)) == [0, 0]
    assert await sent_at((2026, 10, 31, 13, 0), (2026, 10, 31, 20, 0)) == [1, 0]
    # Sunday 1 Nov, clocks went back to EST (UTC−5): 13:00 UTC is 08:00; nine is 14:00 UTC.
    assert await sent_at((2026, 11, 1, 13, 0), (2026, 11, 1, 13, 59)) == [0, 0]
    assert await sent_at((2026, 11, 1, 14, 0), (2026, 11, 1, 14, 1), (2026, 11, 2, 4, 59)) == [
        1,
        0,
        0,
    ]
    assert await sent_at((2026, 11, 2, 13, 59), (2026, 11, 2, 14, 0)) == [0, 1]
    heads = [str(r.body.get("content") or "").splitlines()[0] for r in dms()]
    assert [h.split(" · ")[-1] for h in heads] == ["Sat 31 Oct", "Sun 1 Nov", "Mon 2 Nov"]
    assert [r.status for r in dms()] == [200, 200, 200]


async def test_bad_values_get_one_sentence(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    (reply,) = await (await command(fake, ("settings",), {"timezone": "Mars/Base"})).wait()
    assert "'Mars/Base' is not an IANA time zone" in text_of(reply)
    (reply,) = await (await command(fake, ("settings",), {"dm-time": "25:99"})).wait()
    assert "'25:99' is not a time of day" in text_of(reply)


async def test_the_zone_autocomplete_for_settings(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    log = await autocomplete(fake, ("settings",), "timezone", "tok")
    (reply,) = await log.wait()
    assert reply.body["type"] == 8
    choices = reply.body["data"]["choices"]
    assert choices[0] == {"name": "Asia/Tokyo", "value": "Asia/Tokyo"}
    log = await autocomplete(fake, ("settings",), "timezone", "america/")
    values = [c["value"] for c in (await log.wait())[0].body["data"]["choices"]]
    assert len(values) == 25 and all(v.startswith("America/") for v in values)

"""/papers settings through real slack-bolt (each transport) against the fake: the person sets
their DM time and zone with the slash command text, and the notify job sends their DM at
08:00 in Berlin across the change to summer time (29 Mar 2026), not before it and once."""

from __future__ import annotations

import json
from datetime import date

from bot.clock import FakeClock
from storage.store import Repositories
from tests.adapters.slack.conftest import ALICE, Slack
from tests.adapters.slack.fake_slack import Call
from tests.delivery.dm_days import featured, utc


async def test_settings_by_slash_command_and_a_dm_at_eight_in_berlin_across_spring_forward(
    slack: Slack, store: Repositories, clock: FakeClock
) -> None:
    clock.set(utc(2026, 3, 27, 12))
    answer = await slack.command("settings dm-time 08:00 timezone Europe/Berlin")
    assert answer["response_type"] == "ephemeral"
    shown = json.dumps(answer)
    assert "DM time: 08:00" in shown and "Time zone: Europe/Berlin" in shown
    assert "Subscribed" in (await slack.command("subscribe diffusion"))["text"]
    listed = await slack.command("subscriptions")
    assert "Daily DM: 08:00 Europe/Berlin \\u00b7 on \\u00b7 up to 10 papers" in json.dumps(listed)
    for day in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)):
        await store.papers.upsert(featured(day, f"Diffusion on {day:%d %b}"))

    def dms() -> list[Call]:
        return [c for c in slack.fake.of("chat.postMessage") if c.params["channel"] == "D" + ALICE]

    async def sent_at(*times: tuple[int, int, int, int, int]) -> list[int]:
        counts = []
        for when in times:
            clock.set(utc(*when))
            before = len(dms())
            await slack.services.jobs.notify()  # the scheduled job, as the scheduler runs it
            counts.append(len(dms()) - before)
        return counts

    # Saturday 28 Mar, CET (UTC+1): eight in Berlin is 07:00 UTC.
    assert await sent_at((2026, 3, 28, 6, 59), (2026, 3, 28, 7, 0), (2026, 3, 28, 9, 0)) == [
        0,
        1,
        0,
    ]
    # Sunday 29 Mar, clocks went forward to CEST (UTC+2): eight is 06:00 UTC.
    assert await sent_at((2026, 3, 29, 5, 59), (2026, 3, 29, 6, 0), (2026, 3, 29, 7, 0)) == [
        0,
        1,
        0,
    ]
    assert await sent_at((2026, 3, 30, 5, 59), (2026, 3, 30, 6, 0), (2026, 3, 30, 21, 59)) == [
        0,
        1,
        0,
    ]
    days = [c.params["text"].splitlines()[0].split(" · ")[-1] for c in dms()]
    assert days == ["Sat 28 Mar", "Sun 29 Mar", "Mon 30 Mar"]


async def test_bad_values_get_one_sentence(slack: Slack) -> None:
    answer = await slack.command("settings dm-size 26")
    assert answer["text"] == "Give a DM size from 1 to 25 (you gave 26)."
    answer = await slack.command("settings timezone Europe/Berlim")
    assert answer["text"] == "'Europe/Berlim' is not an IANA time zone; did you mean Europe/Berlin?"

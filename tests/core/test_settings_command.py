"""/papers settings through the dispatcher: showing, saving, one clear sentence for each bad
value, the text forms (name value, name=value, by shape), and the DM line in /papers
subscriptions."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.models import PersonChoices, UserRef
from bot.zones import all_zones, complete
from tests.conftest import alice, bob


async def say(engine: Services, line: str, user: UserRef | None = None) -> str:
    return (await engine.dispatcher.handle_text(user or alice(), line)).text


async def test_no_argument_shows_the_values_and_which_are_server_defaults(
    engine: Services,
) -> None:
    assert (await say(engine, "/papers settings")).splitlines() == [
        "Your settings",
        "DM time: 09:00 (server default)",
        "Time zone: UTC (server default)",
        "DMs: on (server default)",
        "DM size: up to 10 papers (server default)",
        "Next DM: Sat 26 Sep 09:00 UTC, when new papers match your topics",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "/papers settings dm-time 08:30 timezone Asia/Tokyo dm-size 5",
        "/papers settings dm-time=08:30 tz=asia/tokyo size=5",
        "/papers settings 5 asia/tokyo 08:30",  # by shape, in any order
    ],
)
async def test_the_text_forms_save_the_same(engine: Services, line: str) -> None:
    saved = (await say(engine, line)).splitlines()
    assert saved[:5] == [
        "Saved. Your settings",
        "DM time: 08:30",
        "Time zone: Asia/Tokyo",
        "DMs: on (server default)",
        "DM size: up to 5 papers",
    ]
    # 12:00 UTC on 25 Sep is 21:00 in Tokyo: the next 08:30 there is 23:30 UTC.
    assert (
        saved[5]
        == "Next DM: Sat 26 Sep 08:30 Asia/Tokyo (23:30 UTC), when new papers match your topics"
    )
    assert "Time zone: UTC (server default)" in await say(engine, "/papers settings", bob())


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        (
            "timezone Mars/Base",
            "'Mars/Base' is not an IANA time zone; try Europe/Berlin or America/New_York.",
        ),
        (
            "timezone europe/berlim",
            "'europe/berlim' is not an IANA time zone; did you mean Europe/Berlin?",
        ),
        ("tz=PST", "'PST' is not an IANA time zone; did you mean America/Los_Angeles?"),
        (
            "dm-time 25:99",
            "'25:99' is not a time of day; use HH:MM from 00:00 to 23:59, like 08:30.",
        ),
        ("24:00", "'24:00' is not a time of day; use HH:MM from 00:00 to 23:59, like 08:30."),
        ("dm-size 0", "Give a DM size from 1 to 25 (you gave 0)."),
        ("dm-size 26", "Give a DM size from 1 to 25 (you gave 26)."),
        ("dm-size many", "'many' is not a whole number: give a DM size from 1 to 25."),
        ("dms maybe", "The dms setting must be one of on, off, not 'maybe'."),
    ],
)
async def test_each_bad_value_gets_one_sentence_and_nothing_is_saved(
    engine: Services, line: str, sentence: str
) -> None:
    reply = await engine.dispatcher.handle_text(alice(), f"/papers settings {line}")
    assert reply.is_error and reply.text == sentence
    assert "(server default)" in (await say(engine, "/papers settings")).splitlines()[1]


@pytest.mark.parametrize("line", ["dm-time", "frob", "08:30 09:00", "dm-time 08:30 time=09:00"])
async def test_malformed_lines_get_the_usage(engine: Services, line: str) -> None:
    reply = await engine.dispatcher.handle_text(alice(), f"/papers settings {line}")
    assert reply.is_error and "\n" not in reply.text and "Traceback" not in reply.text
    assert "/papers settings [dm-time HH:MM]" in reply.text or "give" in reply.text.lower()


async def test_a_fixed_offset_zone_is_saved_with_a_warning(engine: Services) -> None:
    text = await say(engine, "/papers settings timezone EST")
    assert "Time zone: EST" in text
    assert "EST is a fixed offset (UTC−05:00 all year)" in text


async def test_dms_off_is_shown_in_subscriptions_and_the_subscribe_reply(
    engine: Services,
) -> None:
    await say(engine, "/papers settings dms off dm-time 07:45 timezone Europe/Berlin")
    subscribed = await say(engine, "/papers subscribe diffusion")
    assert subscribed.endswith(
        "around 07:45 Europe/Berlin (your DMs are off: /papers settings dms on)."
    )
    listed = (await say(engine, "/papers subscriptions")).splitlines()
    assert listed == [
        "Your subscriptions (1/25)",
        "#1  diffusion",
        "Daily DM: 07:45 Europe/Berlin · off (paused; topics kept) · up to 10 papers. "
        "Change with /papers settings.",
    ]
    assert "DMs: off (paused; your topics are kept)" in await say(engine, "/papers settings")
    await say(engine, "/papers settings dms on")
    assert "· on ·" in await say(engine, "/papers subscriptions")


async def test_the_zone_autocomplete_prefers_prefixes_and_reads_the_zones_once(
    engine: Services,
) -> None:
    complete_zone = engine.dispatcher.autocomplete
    assert all_zones() is all_zones()  # cached: one tuple for every keystroke
    tokyo = await complete_zone(alice(), "timezones", "tok")
    assert tokyo[0] == ("Asia/Tokyo", "Asia/Tokyo")
    europe = [v for _, v in await complete_zone(alice(), "timezones", "eu")]
    assert len(europe) == 25 and all(v.casefold().startswith("eu") for v in europe)
    assert complete("new york") == ["America/New_York"]
    # Names starting with it first, then a part starting with it, then containing it.
    found = complete("ind", limit=100)
    indian = [z for z in found if z.startswith("Indian/")]
    assert found[: len(indian)] == indian and len(indian) > 5
    assert found.index("America/Indiana/Indianapolis") > len(indian) - 1
    assert "UTC" in complete("") and len(complete("")) <= 25


async def test_a_stored_zone_that_no_longer_exists_is_shown_as_the_servers(
    engine: Services,
) -> None:
    """A zone a tzdata update removed (or a database edited by hand): /papers settings,
    /papers subscriptions and /papers subscribe answer with the server's zone instead of a
    traceback, and say so; choosing a zone again fixes it."""
    await engine.store.person_choices.change(alice(), PersonChoices(timezone="Gone/Away"))
    assert "Subscribed" in await say(engine, "/papers subscribe diffusion")
    shown = await engine.dispatcher.handle_text(alice(), "/papers settings")
    assert not shown.is_error
    assert "Time zone: UTC (server default; your Gone/Away is no longer known)" in shown.text
    assert "Next DM: Sat 26 Sep 09:00 UTC" in shown.text
    assert "Daily DM: 09:00 UTC" in await say(engine, "/papers subscriptions")
    assert "Time zone: Asia/Tokyo" in await say(engine, "/papers settings timezone Asia/Tokyo")

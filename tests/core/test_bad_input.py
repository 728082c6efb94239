"""Arbitrary text into every command and option: always a Message, never an exception,
and a rejected call leaves the database as it was."""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import Services
from bot.command_line import parse_line
from bot.commands import COMMANDS, Command, UsageError
from bot.messages import Message
from storage.store import Repositories
from tests.conftest import CHANNEL, alice

NASTY = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "",
            " ",
            "x" * 10_000,
            "\x00",
            "\x00abc\x00",
            "\u202eevil\u202c",
            "😀🔥",
            "@everyone",
            "<!channel>",
            "<@U123>",
            "'; DROP TABLE papers; --",
            'title:"x" NEAR(a b)',
            "a OR OR b",
            "2413.99999",
            "hep-th/99",
            "25:99",
            "Mars/Olympus",
            "-1",
            "99999999999999999999",
            '"unclosed',
            "*",
            "since:2025-02-30",
            "cat:",
            "author:",
            "upvotes>:-3",
        ]
    ),
)


async def fingerprint(store: Repositories) -> str:
    h = hashlib.sha256()
    for table in ("papers", "votes", "subscriptions", "feeds", "deliveries", "notifications"):
        for row in await store.db.fetchall(f"SELECT * FROM {table} ORDER BY 1"):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_the_parser_only_ever_raises_usage_errors() -> None:
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        try:
            parse_line("/papers " + text)
        except UsageError as exc:
            assert "\n" not in str(exc)

    check()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(COMMANDS), value=NASTY, admin=st.booleans())
async def test_every_command_survives_any_text(
    filled: Services, store: Repositories, command: Command, value: str, admin: bool
) -> None:
    filled.dispatcher.limiter.limit = 10**9
    line = f"/papers {command.name} {value}"
    before = await fingerprint(store)
    reply = await filled.dispatcher.handle_text(alice(admin=admin), line, CHANNEL)
    assert isinstance(reply, Message) and reply.text
    assert "Traceback" not in reply.text
    if reply.is_error:
        assert await fingerprint(store) == before, line

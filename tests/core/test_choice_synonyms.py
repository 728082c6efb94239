"""A weekday typed the way people write it ("Friday", "thurs") is the choice it names."""

from __future__ import annotations

import pytest

from bot.command_line import parse_line
from bot.commands import UsageError


@pytest.mark.parametrize(
    "text, day",
    [
        ("/papers channel weekly fri", "fri"),
        ("/papers channel weekly Friday", "fri"),
        ("/papers channel weekly day=thurs", "thu"),
        ("/papers channel weekly TUESDAY", "tue"),
        ("/papers channel weekly off", "off"),
    ],
)
def test_weekday_words(text: str, day: str) -> None:
    assert parse_line(text).get("day") == day


def test_an_unknown_day_lists_the_choices() -> None:
    with pytest.raises(UsageError) as info:
        parse_line("/papers channel weekly someday")
    assert str(info.value) == (
        "The day must be one of mon, tue, wed, thu, fri, sat, sun, off, not 'someday'."
    )

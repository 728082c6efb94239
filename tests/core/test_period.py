"""One Period: the command's choices, the leaderboard's window and its heading come from it."""

from __future__ import annotations

from datetime import date

from bot.commands import find
from bot.period import DEFAULT_PERIOD, Period


def test_windows_end_today_and_count_today() -> None:
    today = date(2026, 9, 25)
    assert Period.DAY.window(today) == (today, today)
    assert Period.WEEK.window(today) == (date(2026, 9, 19), today)
    assert Period.MONTH.window(today) == (date(2026, 8, 27), today)
    assert [p.phrase for p in Period] == ["today", "this week", "this month"]


def test_the_top_command_offers_exactly_the_periods() -> None:
    top = find(("top",))
    assert top is not None
    (period,) = [o for o in top.options if o.name == "period"]
    assert period.choices == ("day", "week", "month") and period.default == DEFAULT_PERIOD

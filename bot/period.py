"""The leaderboard periods (``/papers top day|week|month``), defined once: name, window, title."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    @property
    def days(self) -> int:
        """How many days the window spans, today included."""
        return _DAYS[self]

    @property
    def phrase(self) -> str:
        """How a heading says it: "Top papers this week"."""
        return _TITLES[self]

    def window(self, today: date) -> tuple[date, date]:
        """The first and the last day of the period that ends ``today`` (both included)."""
        return today - timedelta(days=self.days - 1), today


_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
_TITLES = {Period.DAY: "today", Period.WEEK: "this week", Period.MONTH: "this month"}
DEFAULT_PERIOD = Period.WEEK

"""When each person's daily DM is due: pure functions of the time and their settings.

A person's DM belongs to their own local date and may go out once their local clock has
reached their DM time on it. The time is turned into an instant the way ``zoneinfo`` reads a
wall-clock time (``fold=0``): on a spring-forward day a time in the skipped hour (02:30 in
New York) is taken at the offset before the change, i.e. 03:30 new time, so that day still
has its DM; on a fall-back day a time in the repeated hour is its first occurrence. Either
way the (person, local date) claim and record keep it to one DM a day. A DM sent since the
local day began counts as that day's even when it was sent for another zone's date: a person
who moves from Tokyo to New York after their DM does not get New York's evening one too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import PersonSettings


def local_day(now: datetime, settings: PersonSettings) -> date:
    """The person's local date at ``now`` (aware)."""
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def day_start(day: date, settings: PersonSettings) -> datetime:
    """The UTC instant the person's local ``day`` begins: a DM sent since then was that
    day's, whichever zone it was sent for (they may have changed zone since)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.timezone)).astimezone(UTC)


def due_at(day: date, settings: PersonSettings) -> datetime:
    """The UTC instant the person's DM for their local ``day`` may go out."""
    wall = datetime.combine(day, settings.dm_time, tzinfo=ZoneInfo(settings.timezone))
    return wall.astimezone(UTC)


def due_day(now: datetime, settings: PersonSettings, *, force: bool = False) -> date | None:
    """The local date whose DM is due for the person at ``now``, or None: DMs off, or their
    DM time not reached yet today (``force``: whatever the time)."""
    if not settings.dms:
        return None
    day = local_day(now, settings)
    if force or now >= due_at(day, settings):
        return day
    return None


def next_time(now: datetime, settings: PersonSettings) -> datetime:
    """The person's next DM time after ``now``, in their zone (for showing)."""
    day = local_day(now, settings)
    at = due_at(day, settings)
    if now >= at:
        at = due_at(day + timedelta(days=1), settings)
    return at.astimezone(ZoneInfo(settings.timezone))

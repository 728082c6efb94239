"""A growing pause between the tries of something that failed: a feed's post for a day, a
person's DM for a day. Kept in memory: after a restart everything is simply tried again."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Retries(Generic[K]):
    """(who, local day) -> (failed attempts, not before): ``first``, twice that … at most
    ``cap`` between tries."""

    def __init__(
        self, first: timedelta = timedelta(minutes=1), cap: timedelta = timedelta(minutes=30)
    ) -> None:
        self.first = first
        self.cap = cap
        self._due: dict[tuple[K, date], tuple[int, datetime]] = {}

    def at(self, who: K, day: date) -> datetime | None:
        """When (who, day) is tried again after a failure, if it is waiting."""
        found = self._due.get((who, day))
        return found[1] if found else None

    def backoff(self, who: K, day: date, now: datetime) -> timedelta:
        """One more failure: the pause before the next try."""
        attempts = self._due.get((who, day), (0, now))[0] + 1
        delay = min(self.first * (1 << min(attempts - 1, 10)), self.cap)
        self._due[(who, day)] = (attempts, now + delay)
        return delay

    def clear(self, who: K, day: date) -> None:
        self._due.pop((who, day), None)

    def forget_before(self, when: datetime) -> None:
        for key, (_, not_before) in list(self._due.items()):
            if not_before < when:
                del self._due[key]

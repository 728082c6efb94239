"""What the core reports about itself. The ops adapter implements it with Prometheus;
without it, NullMetrics keeps the core free of any metrics library."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def command(self, name: str, outcome: str, seconds: float) -> None: ...
    def fetch(self, source: str, ok: bool, seconds: float) -> None: ...
    def delivery(self, platform: str, kind: str, ok: bool) -> None: ...
    def scheduler_lag(self, job: str, seconds: float) -> None: ...


class NullMetrics:
    def command(self, name: str, outcome: str, seconds: float) -> None:
        return None

    def fetch(self, source: str, ok: bool, seconds: float) -> None:
        return None

    def delivery(self, platform: str, kind: str, ok: bool) -> None:
        return None

    def scheduler_lag(self, job: str, seconds: float) -> None:
        return None

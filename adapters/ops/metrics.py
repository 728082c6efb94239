"""Prometheus metrics for the core's ``Metrics`` port. Posts and DMs are counted by the core's
outbound policy (bot.outbound), which every adapter is wrapped in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class PrometheusMetrics:
    """One registry per process (not the global one), so tests and restarts stay isolated."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            "paperherald_commands_total",
            "Commands and button clicks",
            ["command", "outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "paperherald_command_seconds",
            "Command latency",
            ["command"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.fetches = Counter(
            "paperherald_fetches_total", "Source fetches", ["source", "outcome"], registry=r
        )
        self.fetch_seconds = Histogram(
            "paperherald_fetch_seconds",
            "Fetch duration",
            ["source"],
            registry=r,
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120),
        )
        self.deliveries = Counter(
            "paperherald_messages_total",
            "Posts and DMs sent",
            ["platform", "kind", "outcome"],
            registry=r,
        )
        self.lag = Gauge(
            "paperherald_scheduler_lag_seconds",
            "How late the last run of each job started",
            ["job"],
            registry=r,
        )
        self.papers = Gauge("paperherald_papers_stored", "Papers in the store", registry=r)
        self.last_fetch_age = Gauge(
            "paperherald_last_fetch_age_seconds",
            "Seconds since the last successful fetch",
            registry=r,
        )

    def command(self, name: str, outcome: str, seconds: float) -> None:
        self.commands.labels(name, outcome).inc()
        self.latency.labels(name).observe(seconds)

    def fetch(self, source: str, ok: bool, seconds: float) -> None:
        self.fetches.labels(source, "ok" if ok else "failed").inc()
        self.fetch_seconds.labels(source).observe(seconds)

    def delivery(self, platform: str, kind: str, ok: bool) -> None:
        self.deliveries.labels(platform, kind, "sent" if ok else "failed").inc()

    def scheduler_lag(self, job: str, seconds: float) -> None:
        self.lag.labels(job).set(max(0.0, seconds))

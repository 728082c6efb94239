"""Prometheus metrics for the core's ``Metrics`` port, and a ChatAdapter wrapper that counts
posts and DMs sent or failed without the delivery code knowing about metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.messages import Message
from bot.models import ChannelRef, UserRef
from bot.ports import ChatAdapter, PostedRef


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


class InstrumentedAdapter:
    """Counts what an adapter sends; everything else passes through unchanged."""

    def __init__(self, inner: ChatAdapter, metrics: PrometheusMetrics) -> None:
        self.inner = inner
        self.metrics = metrics
        self.platform = inner.platform

    async def _count(self, kind: str, call: Callable[[], Awaitable[PostedRef]]) -> PostedRef:
        try:
            ref = await call()
        except Exception:
            self.metrics.delivery(self.platform, kind, False)
            raise
        self.metrics.delivery(self.platform, kind, True)
        return ref

    @property
    def connected(self) -> bool:
        return bool(getattr(self.inner, "connected", True))

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        return await self._count("post", lambda: self.inner.send(channel, message))

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        return await self._count("post", lambda: self.inner.open_thread(channel, header, title))

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        return await self._count("post", lambda: self.inner.post_in_thread(thread, message))

    async def edit(self, ref: PostedRef, message: Message) -> None:
        await self.inner.edit(ref, message)

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        return await self._count("dm", lambda: self.inner.send_dm(user, message))

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        await self.inner.reply_ephemeral(channel, user, message)

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return await self.inner.check_channel(channel)

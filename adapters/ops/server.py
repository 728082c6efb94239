"""``/healthz`` and ``/metrics`` on PAPERHERALD_HTTP_PORT (127.0.0.1 by default)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.ops.metrics import PrometheusMetrics
from bot.config import listen_error

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
Refresh = Callable[[], Awaitable[None]]


def build_ops_app(
    health: HealthCheck, metrics: PrometheusMetrics, refresh: Refresh
) -> web.Application:
    async def healthz(_: web.Request) -> web.Response:
        try:
            report = await health()
        except Exception as exc:  # a health check must answer, not crash
            log.warning("health check failed: %s", exc)
            report = {"ok": False, "error": type(exc).__name__}
        return web.json_response(report, status=200 if report.get("ok") else 503)

    async def prometheus(_: web.Request) -> web.Response:
        try:
            await refresh()
        except Exception as exc:
            log.warning("metrics refresh failed: %s", exc)
        body = generate_latest(metrics.registry)
        resp = web.Response(body=body)
        resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return resp

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    return app


async def start_ops_server(
    host: str, port: int, health: HealthCheck, metrics: PrometheusMetrics, refresh: Refresh
) -> tuple[web.AppRunner, int]:
    """Start serving; returns the runner (for cleanup) and the bound port (port 0 → any)."""
    runner = web.AppRunner(build_ops_app(health, metrics, refresh), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise listen_error(host, port, exc, port_variable="PAPERHERALD_HTTP_PORT") from None
    bound = port
    sockets = getattr(site._server, "sockets", None)  # aiohttp exposes the sockets only here
    if sockets:
        bound = int(sockets[0].getsockname()[1])
    log.info("health and metrics on http://%s:%d", host, bound)
    return runner, bound

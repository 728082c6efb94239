"""doctor's reachability checks hold to their deadline and never read a body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.cli_doctor import service_checks

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.close()


async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Headers one byte at a time, each well within a per-read timeout: forever."""
    await reader.readuntil(b"\r\n\r\n")
    try:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A 200 whose body never ends."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    try:
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


def test_a_server_that_trickles_its_headers_fails_at_the_deadline() -> None:
    async def main() -> list[str]:
        async with serving(trickle) as url, httpx.AsyncClient() as http:
            # per-read timeouts of 0.5 s are never hit (a byte every 0.05 s): only the
            # overall deadline ends it, well before the 500 s the headers would take
            found = await asyncio.wait_for(
                service_checks(http, [("Hugging Face", url, "HF_BASE_URL")], 0.5), 30
            )
        return [c.text for c in found]

    (text,) = asyncio.run(main())
    assert "no answer within 0.5 s" in text


def test_an_endless_body_is_never_read() -> None:
    async def main() -> list[str]:
        async with serving(huge) as url, httpx.AsyncClient() as http:
            found = await asyncio.wait_for(
                service_checks(http, [("Discord", url, "DISCORD_API_BASE_URL")], 5.0), 30
            )
        return [c.text for c in found]

    (text,) = asyncio.run(main())
    assert text.endswith("(HTTP 200)")

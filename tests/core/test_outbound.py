"""The outbound policy (bot.outbound): every wrapper forwards every capability, every call
has a deadline, and platform faults reach the core as DeliveryErrors."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from bot.messages import plain
from bot.models import ChannelRef
from bot.outbound import Outbound
from bot.ports import ChatAdapter, DeliveryError, FileUploads, Permalinks
from tests.conftest import RecordingAdapter, alice

CHANNEL = ChannelRef("console", "w", "c")


def protocol_methods(*protocols: type) -> list[str]:
    """The methods a Protocol declares (its own, not object's)."""
    return sorted(
        name
        for proto in protocols
        for name, value in vars(proto).items()
        if inspect.isfunction(value) and not name.startswith("_")
    )


# Every wrapper the composition root may put around an adapter. A new wrapper goes here.
WRAPPERS: dict[str, Callable[[Any], Any]] = {"outbound": lambda inner: Outbound(inner)}
CAPABILITIES = protocol_methods(ChatAdapter, Permalinks, FileUploads)


class Spy:
    """An adapter that has every method anyone could ask for, and records each call."""

    platform = "spy"
    connected = False

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        async def method(*args: object) -> object:
            self.calls.append((name, args))
            return (name, args)

        return method


def test_the_protocol_lists_what_the_core_looks_for() -> None:
    assert {"send", "open_thread", "post_in_thread", "edit", "send_dm", "check_channel"} <= set(
        CAPABILITIES
    )
    assert "permalink" in CAPABILITIES and "upload" in CAPABILITIES


@pytest.mark.parametrize("method", CAPABILITIES)
@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
async def test_every_wrapper_forwards_every_capability(wrapper: str, method: str) -> None:
    spy = Spy()
    wrapped = WRAPPERS[wrapper](spy)
    connected = wrapped.connected  # forwarded too, though no Protocol declares it
    assert isinstance(wrapped, ChatAdapter) and isinstance(wrapped, Permalinks)
    assert isinstance(wrapped, FileUploads)
    assert wrapped.platform == "spy" and connected is False
    proto = next(p for p in (ChatAdapter, Permalinks, FileUploads) if method in vars(p))
    params = list(inspect.signature(getattr(proto, method)).parameters)[1:]  # without self
    args = tuple(object() for _ in params)
    result = await getattr(wrapped, method)(*args)
    assert spy.calls == [(method, args)]
    assert result in (None, (method, args))


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
async def test_lifecycle_passes_through(wrapper: str) -> None:
    spy = Spy()
    wrapped = WRAPPERS[wrapper](spy)
    await wrapped.start()
    await wrapped.close()
    assert [name for name, _ in spy.calls] == ["start", "close"]


async def test_no_permalink_when_the_platform_has_none() -> None:
    inner = RecordingAdapter()
    assert not isinstance(inner, Permalinks)
    ref = await inner.send(CHANNEL, plain("hi"))
    assert await Outbound(inner).permalink(ref) is None


async def test_an_upload_to_a_platform_without_files_is_a_permanent_fault() -> None:
    with pytest.raises(DeliveryError) as caught:
        await Outbound(RecordingAdapter()).upload(None, alice(), object(), "")  # type: ignore[arg-type]
    assert caught.value.permanent


class Hanging(RecordingAdapter):
    async def open_thread(self, channel: ChannelRef, header: Any, title: str) -> Any:
        await asyncio.Event().wait()


async def test_a_hung_call_ends_at_the_deadline_as_a_transient_fault() -> None:
    wrapped = Outbound(Hanging(), deadline=0.05)
    with pytest.raises(DeliveryError) as caught:
        await wrapped.open_thread(CHANNEL, plain("header"), "title")
    assert str(caught.value) == "opening the thread timed out after 0.05 s"
    assert not caught.value.permanent


async def test_faults_are_mapped_and_bugs_are_not() -> None:
    permanent = DeliveryError("Unknown Channel", permanent=True)
    with pytest.raises(DeliveryError) as caught:
        await Outbound(RecordingAdapter(fail_after=0, fault=permanent)).send(CHANNEL, plain("x"))
    assert caught.value is permanent  # a platform's own verdict passes unchanged
    refused = ConnectionRefusedError("connection refused")
    with pytest.raises(DeliveryError) as mapped:
        await Outbound(RecordingAdapter(fail_after=0, fault=refused)).send(CHANNEL, plain("x"))
    assert str(mapped.value) == "posting the message failed: connection refused"
    assert not mapped.value.permanent
    with pytest.raises(KeyError):  # a bug in an adapter: logged with its traceback upstream
        await Outbound(RecordingAdapter(fail_after=0, fault=KeyError("blocks"))).send(
            CHANNEL, plain("x")
        )


class Counting:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bool]] = []

    def command(self, name: str, outcome: str, seconds: float) -> None: ...
    def fetch(self, source: str, ok: bool, seconds: float) -> None: ...
    def scheduler_lag(self, job: str, seconds: float) -> None: ...

    def delivery(self, platform: str, kind: str, ok: bool) -> None:
        self.seen.append((platform, kind, ok))


async def test_posts_and_dms_are_counted_with_their_outcome() -> None:
    metrics = Counting()
    inner = RecordingAdapter(fail_after=2)
    wrapped = Outbound(inner, metrics=metrics)
    ref = await wrapped.open_thread(CHANNEL, plain("h"), "t")
    await wrapped.send_dm(alice(), plain("dm"))
    await wrapped.edit(ref, plain("edited"))  # not a post: not counted
    with pytest.raises(DeliveryError):
        await wrapped.post_in_thread(ref, plain("p"))
    assert metrics.seen == [
        ("console", "post", True),
        ("console", "dm", True),
        ("console", "post", False),
    ]

"""Per-channel pacing: 5 posts per 5 s in one channel, other channels unaffected."""

from __future__ import annotations

from adapters.discord.pacing import ChannelPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


async def test_the_sixth_post_in_five_seconds_waits() -> None:
    clock = Clock()
    pacer = ChannelPacer(5, 5.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await pacer.wait("thread")
        clock.now += 0.1
    assert clock.slept == []
    await pacer.wait("other")  # another channel has its own budget
    assert clock.slept == []
    await pacer.wait("thread")
    assert clock.slept == [4.5]  # until the first of the five is 5 s old
    for _ in range(4):
        await pacer.wait("thread")
    assert len(clock.slept) == 5 and clock.now <= 100 + 10.1


async def test_idle_channels_are_forgotten() -> None:
    clock = Clock()
    pacer = ChannelPacer(5, 5.0, clock=clock, sleep=clock.sleep)
    for i in range(1001):
        await pacer.wait(f"c{i}")
    clock.now += 10
    await pacer.wait("late")
    assert len(pacer._sent) == 1

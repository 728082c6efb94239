"""A channel's daily thread: setup, off, status, post-now, its weekly recap, and the time
zone autocomplete."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import time
from typing import Protocol

from bot import query, zones
from bot.commands import CommandCall
from bot.delivery.schedule import Outlook
from bot.handlers.common import utc_today
from bot.messages import Message, error
from bot.models import WEEKDAY_KEYS, ChannelRef, EmptyDay, Feed, UserRef
from bot.ports import ChatAdapter, Clock, DeliveryError, FeedRepo, InterimReply, interim_reply
from bot.present.feeds import channel_set_up, feed_status
from bot.present.recap import weekly_set
from bot.present.replies import confirm

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

FeedOutlook = Callable[[Feed], Awaitable[Outlook]]


class PostNow(Protocol):
    """``Publisher.post_now``."""

    async def __call__(
        self, feed: Feed, *, progress: InterimReply | None = None, what: str = "daily"
    ) -> str: ...


def parse_hhmm(text: str) -> time | None:
    m = _HHMM.match(text.strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


async def setup(
    caller: UserRef,
    call: CommandCall,
    channel: ChannelRef | None,
    clock: Clock,
    feeds: FeedRepo,
    adapters: Mapping[str, ChatAdapter],
    outlook: FeedOutlook,
    default_timezone: str,
) -> Message:
    if channel is None:
        return error("Run /papers channel setup in the channel that should get the thread.")
    post_time = parse_hhmm(str(call.get("time") or "09:00"))
    if post_time is None:
        return error(f"{str(call.get('time'))[:20]!r} is not a time; use HH:MM, like 09:00.")
    typed_zone = str(call.get("timezone") or default_timezone)
    tz_name = zones.resolve(typed_zone)
    if tz_name is None:
        return error(zones.unknown_zone_message(typed_zone))
    warning = zones.fixed_offset_warning(tz_name)
    topic = call.get("topic")
    topic_text = None
    if topic:
        parsed = query.parse(str(topic))
        problem = query.topic_problem(parsed, utc_today(clock), example="/papers channel setup")
        if problem:
            return error(problem)
        topic_text = parsed.describe()
    adapter = adapters.get(channel.platform)
    if adapter is not None:
        try:
            problem = await adapter.check_channel(channel)
        except DeliveryError as exc:  # the platform did not answer in time
            return error(f"I couldn't check this channel: {exc}. Try again in a moment.")
        if problem:
            return error(problem)
    existing = await feeds.get(channel)
    feed = await feeds.upsert(
        Feed(
            channel=channel,
            post_time=post_time,
            timezone=tz_name,
            top_n=int(call.get("top") or 10),
            topic=topic_text,
            empty_day=EmptyDay(str(call.get("empty") or "note")),
            created_by=caller.user_id,
            # the weekly recap is set apart (/papers channel weekly): a new setup keeps it
            weekly_day=existing.weekly_day if existing else None,
        )
    )
    return channel_set_up(await status_message(feed, outlook), warning)


async def off(channel: ChannelRef | None, feeds: FeedRepo) -> Message:
    feed = await feeds.get(channel) if channel else None
    if feed is None or feed.id is None or not feed.enabled:
        return error("This channel has no daily thread to stop.")
    await feeds.disable(feed.id, None)
    also = " and its weekly recap" if feed.weekly_day is not None else ""
    return confirm(
        f"Stopped this channel's daily thread{also}. /papers channel setup starts it again."
    )


async def status(channel: ChannelRef | None, feeds: FeedRepo, outlook: FeedOutlook) -> Message:
    return await status_message(await feeds.get(channel) if channel else None, outlook)


async def status_message(feed: Feed | None, outlook: FeedOutlook) -> Message:
    if feed is None or feed.id is None:
        return feed_status(None)
    return feed_status(feed, await outlook(feed))


async def post_now(
    call: CommandCall, channel: ChannelRef | None, feeds: FeedRepo, publish_now: PostNow
) -> Message:
    feed = await feeds.get(channel) if channel else None
    if feed is None or not feed.enabled:
        return error("Set up a daily thread here first with /papers channel setup.")
    what = str(call.get("what") or "daily")
    if what == "weekly" and feed.weekly_day is None:
        return error(
            "This channel has no weekly recap; an admin can start one with "
            "/papers channel weekly fri."
        )
    return confirm(await publish_now(feed, progress=interim_reply.get(), what=what))


async def weekly(
    call: CommandCall, channel: ChannelRef | None, feeds: FeedRepo, outlook: FeedOutlook
) -> Message:
    """``/papers channel weekly <mon … sun|off>``: the feed's recap day. Kept apart from
    setup, whose every run replaces the feed's options."""
    feed = await feeds.get(channel) if channel else None
    if feed is None or feed.id is None or not feed.enabled:
        return error(
            "The weekly recap posts at the daily thread's time: set up a daily thread here "
            "first with /papers channel setup."
        )
    day = str(call.get("day"))
    weekly_day = WEEKDAY_KEYS.index(day) if day in WEEKDAY_KEYS else None
    if weekly_day != feed.weekly_day:
        feed = await feeds.upsert(replace(feed, weekly_day=weekly_day))
    return weekly_set(feed, await outlook(feed))


async def complete_timezones(prefix: str) -> list[tuple[str, str]]:
    """Zone names for the time zone options (the list is read once: bot.zones)."""
    return [(z, z) for z in zones.complete(prefix)]

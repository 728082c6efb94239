"""A person's own page (Slack's App Home) and its Remove button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import actions
from bot.commands import find
from bot.digest import Digests
from bot.handlers.common import utc_today
from bot.messages import Home, Message, error
from bot.models import PersonSettings, UserRef
from bot.ports import Clock, FeedRepo, SubscriptionRepo
from bot.present.home import TOP, home_page
from bot.present.replies import confirm
from bot.present.text import day_label

PersonSettingsOf = Callable[[UserRef], Awaitable[PersonSettings]]


async def home(
    caller: UserRef,
    clock: Clock,
    digests: Digests,
    subscriptions: SubscriptionRepo,
    feeds: FeedRepo,
    person_settings: PersonSettingsOf,
    max_subscriptions: int,
) -> Home:
    """The caller's topics and DM settings, and for their workspace today's top five
    (ranked as ``/papers today`` ranks them) and the channels' daily threads."""
    where = {"platform": caller.platform, "workspace": caller.workspace}
    day = utc_today(clock)
    top = await digests.digest(day, top=TOP, **where)
    note = None
    if not top and (latest := await digests.latest_day()) is not None:
        note = f"No papers yet for {day_label(day)}; here is {day_label(latest)}."
        day = latest
        top = await digests.digest(latest, top=TOP, **where)
    ours = [
        f
        for f in await feeds.all()
        if (f.channel.platform, f.channel.workspace) == (caller.platform, caller.workspace)
    ]
    return home_page(
        subs=await subscriptions.list_for(caller),
        max_subs=max_subscriptions,
        settings=await person_settings(caller),
        day=day if top else None,
        top=top,
        feeds=ours,
        note=note,
        change_hint="Change them with /papers settings." if find(("settings",)) else None,
    )


async def remove_topic_click(
    caller: UserRef, call: actions.ActionCall, subscriptions: SubscriptionRepo
) -> Message:
    """Remove: only the caller's own topic (the button carries its id, which anyone could
    send); the store removes by id within the caller's topics, as ``unsubscribe #id`` does."""
    sub_id = int(call.get("subscription_id"))
    mine = next((s for s in await subscriptions.list_for(caller) if s.id == sub_id), None)
    if mine is None or not await subscriptions.remove(caller, f"#{sub_id}"):
        return error("That topic is not one of yours, or it is already removed.")
    return confirm(f"Unsubscribed from {mine.query} (#{sub_id}).")

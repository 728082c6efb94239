"""Topics: subscribe, unsubscribe (by topic, #id or all), the list, and its autocomplete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import query
from bot.commands import CommandCall
from bot.handlers.common import utc_today
from bot.messages import Message, error
from bot.models import PersonSettings, Subscription, UserRef
from bot.ports import (
    Clock,
    DuplicateSubscriptionError,
    SubscriptionLimitError,
    SubscriptionRepo,
)
from bot.present.lists import subscriptions_list
from bot.present.replies import confirm
from bot.present.settings import dm_settings_line

# ``person_settings`` of bot.bootstrap: the person's DM settings over the server's
PersonSettingsOf = Callable[[UserRef], Awaitable[PersonSettings]]


async def subscribe(
    caller: UserRef,
    call: CommandCall,
    clock: Clock,
    subscriptions: SubscriptionRepo,
    max_subscriptions: int,
    person_settings: PersonSettingsOf,
) -> Message:
    parsed = query.parse(str(call.get("topic") or ""))
    problem = query.topic_problem(parsed, utc_today(clock), example="/papers subscribe")
    if problem:
        return error(problem)
    canonical = parsed.describe()
    same = await own_topic(caller, canonical, subscriptions, by_id=False)
    if same is not None:
        return confirm(f"You already follow {same.query} (#{same.id}).")
    try:
        sub = await subscriptions.add(
            Subscription(user=caller, query=canonical), max_per_user=max_subscriptions
        )
    except DuplicateSubscriptionError:
        return confirm(f"You already follow {canonical}.")
    except SubscriptionLimitError:
        return error(
            f"You already have {max_subscriptions} topics; "
            "remove one with /papers unsubscribe first."
        )
    await subscriptions.resume_user(caller)
    mine = await person_settings(caller)
    when = f"around {mine.dm_time:%H:%M} {mine.timezone}"
    if not mine.dms:
        when += " (your DMs are off: /papers settings dms on)"
    return confirm(
        f"Subscribed to {canonical} (#{sub.id}). New matching papers arrive as one direct "
        f"message a day, {when}."
    )


async def unsubscribe(
    caller: UserRef, call: CommandCall, subscriptions: SubscriptionRepo
) -> Message:
    raw = str(call.get("topic") or "").strip()
    if raw.lower() == "all":
        removed = await subscriptions.remove(caller, "all")
        if removed == 0:
            return error("You have no topics to remove.")
        return confirm(f"Removed all {removed} of your topic{'s' if removed != 1 else ''}.")
    sub = await own_topic(caller, raw, subscriptions)
    if sub is None or sub.id is None:
        return error(f"You don't follow {raw[:80]!r}; /papers subscriptions lists your topics.")
    await subscriptions.remove(caller, f"#{sub.id}")
    return confirm(f"Unsubscribed from {sub.query} (#{sub.id}).")


async def list_topics(
    caller: UserRef,
    subscriptions: SubscriptionRepo,
    max_subscriptions: int,
    person_settings: PersonSettingsOf,
) -> Message:
    return subscriptions_list(
        await subscriptions.list_for(caller),
        max_subscriptions,
        dm_settings_line(await person_settings(caller)),
    )


async def own_topic(
    caller: UserRef, text: str, subscriptions: SubscriptionRepo, *, by_id: bool = True
) -> Subscription | None:
    """The caller's subscription that is ``text``: its #id (``3`` or ``#3``), or the same
    query up to case, spacing and quoting (``Diffusion`` is ``diffusion``: search
    ignores case)."""
    subs = await subscriptions.list_for(caller)
    number = text[1:] if text.startswith("#") else text
    if by_id and number.isascii() and number.isdigit() and len(number) < 12:
        found = next((s for s in subs if s.id == int(number)), None)
        if found is not None:
            return found
    wanted = query.parse(text).describe().casefold()
    return next((s for s in subs if query.parse(s.query).describe().casefold() == wanted), None)


async def complete_own_topics(
    caller: UserRef, prefix: str, subscriptions: SubscriptionRepo
) -> list[tuple[str, str]]:
    subs = await subscriptions.list_for(caller)
    found = [(s.query, s.query) for s in subs if prefix.lower() in s.query.lower()]
    return [("all", "all"), *found]

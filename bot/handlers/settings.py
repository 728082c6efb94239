"""/papers settings: each person's daily DM time, time zone, DMs on or off, and DM size."""

from __future__ import annotations

from bot import zones
from bot.commands import CommandCall
from bot.dm_schedule import next_time
from bot.handlers.channels import parse_hhmm
from bot.messages import Message, error
from bot.models import PersonChoices, PersonSettings, UserRef
from bot.ports import Clock, PersonSettingsRepo
from bot.present.settings import settings_view


class SettingsError(ValueError):
    """A value the person typed is not valid; the message is one sentence."""


def changes_from(call: CommandCall) -> tuple[PersonChoices, str | None]:
    """The values given to /papers settings, checked, and a warning for a fixed-offset zone.
    Ranges and choices were checked by the declaration (bot.commands)."""
    raw_time = call.get("dm-time")
    dm_time = None
    if raw_time is not None:
        dm_time = parse_hhmm(str(raw_time))
        if dm_time is None and not any(c.isdigit() for c in str(raw_time)):
            raise SettingsError(  # a word in no option's shape: "/papers settings frob"
                f"{str(raw_time)[:40]!r} is not a setting. Usage: {call.command.usage()}"
            )
        if dm_time is None:
            raise SettingsError(
                f"{str(raw_time)[:20]!r} is not a time of day; "
                "use HH:MM from 00:00 to 23:59, like 08:30."
            )
    raw_zone = call.get("timezone")
    zone, warning = None, None
    if raw_zone is not None:
        zone = zones.resolve(str(raw_zone))
        if zone is None:
            raise SettingsError(zones.unknown_zone_message(str(raw_zone)))
        warning = zones.fixed_offset_warning(zone)
    dms = call.get("dms")
    size = call.get("dm-size")
    changes = PersonChoices(
        dm_time=dm_time,
        timezone=zone,
        dms=None if dms is None else dms == "on",
        dm_size=None if size is None else int(size),
    )
    return changes, warning


async def settings(
    caller: UserRef,
    call: CommandCall,
    clock: Clock,
    person_choices: PersonSettingsRepo,
    server_settings: PersonSettings,
) -> Message:
    try:
        changes, warning = changes_from(call)
    except SettingsError as exc:
        return error(str(exc))
    if changes == PersonChoices():
        chosen = await person_choices.get(caller)
        saved = False
    else:
        chosen = await person_choices.change(caller, changes)
        saved = True
    current = chosen.over(server_settings)
    upcoming = next_time(clock.now(), current) if current.dms else None
    return settings_view(current, chosen, upcoming, saved=saved, warning=warning)

"""A person's DM settings: the /papers settings answer and the line /papers subscriptions shows."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.messages import Block, Context, Header, Message, Text
from bot.models import PersonChoices, PersonSettings
from bot.present.text import day_label

SERVER_DEFAULT = " (server default)"
HOW_TO = (
    "Change with /papers settings [dm-time HH:MM] [timezone Zone] [dms on|off] [dm-size N], "
    "e.g. /papers settings dm-time 08:30 timezone Asia/Tokyo"
)


def dm_settings_line(settings: PersonSettings) -> str:
    """``Daily DM: 08:30 Asia/Tokyo · on · up to 10 papers``."""
    state = "on" if settings.dms else "off (paused; topics kept)"
    size = f"up to {settings.dm_size} paper{'s' if settings.dm_size != 1 else ''}"
    return f"Daily DM: {settings.dm_time:%H:%M} {settings.timezone} · {state} · {size}"


def settings_view(
    current: PersonSettings,
    chosen: PersonChoices,
    next_dm: datetime | None,
    *,
    saved: bool = False,
    warning: str | None = None,
) -> Message:
    """The person's settings, each marked when it is the server's default; ``next_dm`` (an
    aware instant, in their zone) is when their next DM may go out."""

    def mark(value: object) -> str:
        return "" if value is not None else SERVER_DEFAULT

    zone_mark = mark(chosen.timezone)
    if chosen.timezone and chosen.timezone != current.timezone:  # a zone tzdata dropped
        zone_mark = f" (server default; your {chosen.timezone} is no longer known)"
    lines = [
        f"DM time: {current.dm_time:%H:%M}{mark(chosen.dm_time)}",
        f"Time zone: {current.timezone}{zone_mark}",
        f"DMs: {'on' if current.dms else 'off (paused; your topics are kept)'}{mark(chosen.dms)}",
        f"DM size: up to {current.dm_size} papers{mark(chosen.dm_size)}",
    ]
    if next_dm is not None:
        utc = "" if not next_dm.utcoffset() else f" ({next_dm.astimezone(UTC):%H:%M} UTC)"
        lines.append(
            f"Next DM: {day_label(next_dm.date())} {next_dm:%H:%M} {current.timezone}{utc}, "
            "when new papers match your topics"
        )
    title = "Saved. Your settings" if saved else "Your settings"
    blocks: list[Block] = [Header(title), Text("\n".join(lines))]
    text = [title, *lines]
    if warning:
        blocks.append(Context(warning))
        text.append(warning)
    blocks.append(Context(HOW_TO))
    return Message(text="\n".join(text), blocks=tuple(blocks))

"""Time-zone names as people type them: recognise, resolve, and warn about fixed offsets.

``europe/berlin`` resolves to ``Europe/Berlin``. On a command line, a bare word is only taken
for a zone when it is ``UTC``/``GMT`` (any case) or an abbreviation people use for zones,
written in capitals (``CET``, ``EST``, ``PST``...): "wet" or "met" are topic words, and a
legacy zone named like a word (``Japan``, ``Zulu``, ``ROC``) is one only as ``tz=Japan``.
Abbreviations that are not zones at all (``PST``, ``CEST``) are still recognised, so the user
gets a suggestion instead of a topic named "PST".
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Abbreviations that are IANA names and that people mean as a zone.
_ZONE_WORDS = frozenset(
    {"UTC", "GMT", "UCT", "CET", "EET", "MET", "WET", "EST", "MST", "HST"}
    | {"EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"}
)
# What to use instead: abbreviations that are not zones, and fixed offsets people use for a
# region that has daylight saving.
SUGGEST = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver (or America/Phoenix for Arizona)",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage",
    "BST": "Europe/London",
    "IST": "Asia/Kolkata",
    "CEST": "Europe/Berlin",
    "EEST": "Europe/Athens",
    "WEST": "Europe/Lisbon",
    "MSK": "Europe/Moscow",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "SGT": "Asia/Singapore",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
}
_UTC_NAMES = frozenset(
    {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Universal", "Zulu", "Greenwich"}
    | {"Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0"}
    | {"Etc/Universal", "Etc/Zulu", "Etc/Greenwich"}
)
_AREA_LIKE = re.compile(r"^[A-Z][a-z]+(_[A-Z]?[a-z]+)*/[A-Z][A-Za-z_\-+0-9]*(/[A-Za-z_\-]+)?$")
_SKIP = frozenset({"localtime", "Factory", "posixrules"})


@cache
def _by_folded_name() -> dict[str, str]:
    return {z.casefold(): z for z in available_timezones() if z not in _SKIP}


@cache
def _areas() -> frozenset[str]:
    return frozenset(z.split("/", 1)[0].casefold() for z in _by_folded_name().values() if "/" in z)


@cache
def all_zones() -> tuple[str, ...]:
    """Every zone name, sorted; read once (``available_timezones()`` walks the zone files)."""
    return tuple(sorted(_by_folded_name().values()))


@cache
def _common() -> tuple[str, ...]:
    """What the autocomplete offers before anything is typed."""
    named = {z.split(" ", 1)[0] for z in SUGGEST.values()} | {"UTC"}
    return tuple(sorted(z for z in named if z in all_zones()))


def complete(typed: str, limit: int = 25) -> list[str]:
    """Zone names for an autocomplete: names starting with ``typed`` (any case; a space is
    ``_``) first, then names with a part starting with it (``tok`` -> Asia/Tokyo), then names
    containing it; at most ``limit``."""
    text = typed.strip().casefold().replace(" ", "_")
    if not text:
        return list(_common()[:limit])
    first: list[str] = []
    parts: list[str] = []
    inside: list[str] = []
    for zone in all_zones():
        folded = zone.casefold()
        if folded.startswith(text):
            first.append(zone)
        elif any(part.startswith(text) for part in folded.split("/")[1:]):
            parts.append(zone)
        elif text in folded:
            inside.append(zone)
    return (first + parts + inside)[:limit]


def resolve(name: str) -> str | None:
    """The IANA spelling of ``name`` (any case), or None when there is no such zone."""
    found = _by_folded_name().get(name.strip().casefold())
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found


def looks_like_zone(token: str) -> bool:
    """Whether a command-line word is meant as a time zone (valid or not)."""
    if token.startswith('"'):
        return False
    folded = token.casefold()
    if "/" in token:
        if resolve(token) is not None:
            return True
        return folded.split("/", 1)[0] in _areas() or bool(_AREA_LIKE.match(token))
    if folded in ("utc", "gmt"):
        return True
    # Other abbreviations only in capitals: "wet", "met" or "ist" are words of a topic.
    return token.isupper() and (token in _ZONE_WORDS or token in SUGGEST)


def unknown_zone_message(name: str) -> str:
    """One sentence for a name that is not a zone, with the nearest real one."""
    shown = name[:64]
    hint = SUGGEST.get(name.upper())
    if hint is None:
        names = list(_by_folded_name())
        close = difflib.get_close_matches(name.casefold(), names, n=1, cutoff=0.75)
        hint = _by_folded_name()[close[0]] if close else None
    if hint:
        return f"{shown!r} is not an IANA time zone; did you mean {hint}?"
    return f"{shown!r} is not an IANA time zone; try Europe/Berlin or America/New_York."


def _offset_text(name: str) -> str:
    offset = ZoneInfo(name).utcoffset(datetime(2026, 1, 15))
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def fixed_offset_warning(name: str) -> str | None:
    """A warning for an abbreviation or ``Etc/`` zone that keeps one offset all year, where
    the region people mean by it changes its clocks (``EST`` stays UTC−05:00 in summer)."""
    if name in _UTC_NAMES or name == "HST" or ("/" in name and not name.startswith("Etc/")):
        return None  # (Hawaii keeps one offset all year: HST is right there)
    zone = ZoneInfo(name)
    winter = zone.utcoffset(datetime(2026, 1, 15))
    summer = zone.utcoffset(datetime(2026, 7, 15))
    if winter != summer:
        return None
    instead = SUGGEST.get(name, "a city zone such as America/New_York or Europe/Berlin")
    return (
        f"Note: {name} is a fixed offset ({_offset_text(name)} all year) and ignores daylight "
        f"saving; to follow local clocks, use {instead}."
    )

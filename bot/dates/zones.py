"""Time-zone names read in one place, so every reader refuses the same bad names.

A zone name comes from people (`/als settings my_timezone …`), from the config and from
rows stored long ago. `ZoneInfo` turns a bad one into any of three exceptions — an unknown
name, a malformed one, and (it is looked up as a file) one too long for a path — and
missing the third once crashed `alsbot check-config` with a traceback.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SHOWN = 40  # characters of a bad name quoted back: enough to spot the typo


class UnknownZone(ValueError):
    """Not a time zone this machine knows; the message quotes (the start of) the name."""


def read_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        shown = repr(name[:_SHOWN]) + ("…" if len(name) > _SHOWN else "")
        raise UnknownZone(f"{shown} is unknown") from None


def zone_or(*names: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The first of `names` that is a known zone (a person's own, then their set's, …),
    else `fallback`: a stored name that stopped being valid must not stop a nudge."""
    for name in names:
        if name:
            try:
                return read_zone(name)
            except UnknownZone:
                continue
    return ZoneInfo(fallback)

"""When, in someone's own day, it is decent to reach them.

Nudges go out at a set local hour in the person's own time zone and never inside their
quiet hours; reminders go out a lead time before a session.  "A day before" means the same
wall-clock time on the previous local day, so it stays right across daylight-saving
changes.  Pure functions of their arguments, like `bot.dates.recurrence`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dates.when import resolve_local

__all__ = [
    "NUDGE_AT",
    "Lead",
    "at_local",
    "before",
    "in_quiet",
    "out_of_quiet",
    "parse_days",
    "parse_leads",
    "parse_quiet",
]

NUDGE_AT = time(10, 0)  # a nudge lands mid-morning in the person's own day
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_LEAD = re.compile(r"^(\d{1,3})([dh])$")

Quiet = tuple[time, time] | None


def at_local(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """`wall` on local `day`, in UTC (a time in a spring-forward gap moves to the first
    moment that exists; an ambiguous one is the first of the two)."""
    return resolve_local(datetime.combine(day, wall), tz).astimezone(UTC)


def parse_quiet(raw: str | None) -> Quiet:
    """`"20:00-08:00"` → (20:00, 08:00); `"off"`, empty or an equal pair → None."""
    if not raw or raw.strip().lower() == "off":
        return None
    match = _QUIET.match(raw.strip())
    if not match:
        return None
    start = time(int(match[1]), int(match[2]))
    end = time(int(match[3]), int(match[4]))
    return None if start == end else (start, end)


def in_quiet(wall: time, quiet: Quiet) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    wall = wall.replace(tzinfo=None, fold=0)
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end  # the window crosses midnight


def out_of_quiet(moment: datetime, tz: ZoneInfo, quiet: Quiet) -> datetime:
    """`moment` if it is outside the quiet hours in `tz`, else the end of those hours."""
    local = moment.astimezone(tz)
    if quiet is None or not in_quiet(local.time(), quiet):
        return moment
    end = quiet[1]
    day = local.date() if local.time().replace(tzinfo=None) < end else local.date() + timedelta(1)
    return at_local(day, end, tz)


class Lead:
    """A lead time before a session: whole local days (`1d`) or hours (`1h`)."""

    __slots__ = ("amount", "unit")

    def __init__(self, amount: int, unit: str) -> None:
        self.amount = amount
        self.unit = unit

    @property
    def label(self) -> str:
        return f"{self.amount}{self.unit}"

    def __repr__(self) -> str:
        return f"Lead({self.label})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lead) and (self.amount, self.unit) == (other.amount, other.unit)

    def __hash__(self) -> int:
        return hash((self.amount, self.unit))


def parse_leads(raw: str | None) -> list[Lead]:
    """`"1d,1h"` → [1d, 1h]; `"off"`, empty or unreadable parts → nothing for them."""
    if not raw or str(raw).strip().lower() == "off":
        return []
    leads: list[Lead] = []
    for part in str(raw).replace(" ", "").lower().split(","):
        match = _LEAD.match(part)
        if match and int(match[1]) > 0:
            lead = Lead(int(match[1]), match[2])
            if lead not in leads:
                leads.append(lead)
    return leads


def parse_days(raw: str | int | None) -> list[int]:
    """`"3,1"` → [3, 1]: whole days before a session (0 and junk are ignored)."""
    if raw is None:
        return []
    days: list[int] = []
    for part in str(raw).replace(" ", "").split(","):
        if part.isdigit() and 0 < int(part) <= 60 and int(part) not in days:
            days.append(int(part))
    return sorted(days, reverse=True)


def before(session_at: datetime, lead: Lead, tz: ZoneInfo) -> datetime:
    """The moment `lead` before `session_at`: days on the local calendar, hours absolute."""
    if lead.unit == "h":
        return session_at - timedelta(hours=lead.amount)
    local = session_at.astimezone(tz)
    day = local.date() - timedelta(days=lead.amount)
    return at_local(day, local.time().replace(tzinfo=None), tz)

"""When the prompt of the week goes: pure functions of their arguments, like
`bot.dates.recurrence`, so tests ask about any week without a clock or a database.

A set asks for a weekday and a wall-clock time in its own zone ("monday 10:00"). Each local
week (Monday to Sunday, the week containing the asked-for moment) gets at most one prompt:

* the moment is found on the local calendar, so 10:00 stays 10:00 across daylight saving;
* it then moves as every message the bot sends does (`bot.dates.working_days.send_slot`):
  a Saturday or Sunday moves to the Friday before unless the set sends at weekends, and a
  time inside the quiet hours moves to their end (never back onto a weekend) — so a
  facilitator who asks for "saturday 10:00" with `send_on_weekends` off gets Friday 10:00;
* a week in which the set meets (its schedule, or a session it held) is skipped, and so is
  a week that already had its prompt.

The week is named by its ISO week ("2026-W12") of the asked-for moment, before any moving:
that name is what makes one prompt a week (`prompt_posts` is unique on set and week).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dates.local_times import Quiet, at_local
from bot.dates.recurrence import Recurrence, occurrences_after
from bot.dates.when import WEEKDAY_NAMES
from bot.dates.working_days import send_slot

__all__ = ["HORIZON_WEEKS", "Sessions", "Slot", "Weekly", "next_slot", "week_label", "week_of"]

HORIZON_WEEKS = 53  # a set that meets every week never gets a prompt: stop looking after a year
_WEEKDAYS = tuple(name.lower() for name in WEEKDAY_NAMES)
_STORED = re.compile(r"([a-z]+)\s+(\d{1,2}):(\d{2})")  # "monday 10:00"; "9:30" from a config file


@dataclass(frozen=True, slots=True)
class Weekly:
    """A weekday (0 = Monday) and a local wall-clock time."""

    weekday: int
    at: time

    @classmethod
    def read(cls, raw: object) -> Weekly | None:
        """`"monday 10:00"` (as `bot.commands.network_words.read_weekly` writes it, or
        `"tuesday 9:30"` written by hand in `[defaults] prompts`) → a Weekly; `"off"`,
        empty or anything unreadable → None (prompts are off)."""
        if not isinstance(raw, str):
            return None
        found = _STORED.fullmatch(raw.strip().lower())
        if found is None or found[1] not in _WEEKDAYS:
            return None
        hour, minute = int(found[2]), int(found[3])
        if hour > 23 or minute > 59:
            return None
        return cls(_WEEKDAYS.index(found[1]), time(hour, minute))

    @property
    def stored(self) -> str:
        return f"{_WEEKDAYS[self.weekday]} {self.at:%H:%M}"

    @property
    def shown(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.at:%H:%M}"


@dataclass(frozen=True, slots=True)
class Sessions:
    """What is known of when the set meets: its schedule row (the first session, the rule,
    the next session as stored) and the sessions it actually held. A week with any of them
    has no prompt."""

    first_at: datetime | None = None
    rule: Recurrence | None = None
    next_at: datetime | None = None
    held: tuple[datetime, ...] = ()

    def any_between(self, start: datetime, end: datetime, tz: ZoneInfo) -> bool:
        """Whether a session falls in [start, end)."""
        for moment in (self.first_at, self.next_at, *self.held):
            if moment is not None and start <= moment < end:
                return True
        if self.first_at is not None and self.rule is not None:
            found = occurrences_after(
                self.first_at, self.rule, tz, start - timedelta(microseconds=1)
            )
            if found is not None and found < end:
                return True
        return False


@dataclass(frozen=True, slots=True)
class Slot:
    """One week's prompt: when it goes (UTC, after moving), the week it belongs to, and the
    moment asked for before moving (to tell a facilitator why it moved)."""

    at: datetime
    week: str
    asked: datetime

    @property
    def moved(self) -> bool:
        return self.at != self.asked


def week_of(moment: datetime, tz: ZoneInfo) -> date:
    """The local Monday of the week containing `moment`."""
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def week_label(monday: date) -> str:
    """`2026-W12`: the ISO week, which runs Monday to Sunday like the set's week here."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(monday: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local week starting on `monday`, as UTC [start, end)."""
    return at_local(monday, time(0), tz), at_local(monday + timedelta(days=7), time(0), tz)


def slot_in_week(
    monday: date, weekly: Weekly, tz: ZoneInfo, *, quiet: Quiet, weekends: bool
) -> Slot:
    """The prompt of the week starting on `monday`, moved off weekends and out of quiet
    hours exactly as a reminder or a nudge would be."""
    asked = at_local(monday + timedelta(days=weekly.weekday), weekly.at, tz)
    # `now` far before: this asks only where the slot lands, never "it moved into the past"
    # (the caller skips a slot that is not ahead; it does not post it at once instead).
    at = send_slot(
        asked, now=asked - timedelta(days=7), tz=tz, quiet=quiet, allow_weekends=weekends
    )
    return Slot(at=at.astimezone(UTC), week=week_label(monday), asked=asked)


def next_slot(
    now: datetime,
    weekly: Weekly,
    tz: ZoneInfo,
    *,
    quiet: Quiet = None,
    weekends: bool = False,
    sessions: Sessions = Sessions(),
    posted: Collection[str] = (),
) -> Slot | None:
    """The first week's prompt strictly after `now` whose week has no session and no
    prompt yet (`posted` holds week labels); None when no such week comes within
    `HORIZON_WEEKS` (a set that meets every week)."""
    monday = week_of(now, tz) - timedelta(days=7)  # a Monday 10:00 may move to Friday before
    for _ in range(HORIZON_WEEKS + 2):
        slot = slot_in_week(monday, weekly, tz, quiet=quiet, weekends=weekends)
        start, end = week_bounds(monday, tz)
        monday += timedelta(days=7)
        if slot.at <= now or slot.week in posted or sessions.any_between(start, end, tz):
            continue
        return slot
    return None

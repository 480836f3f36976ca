"""When a set meets next.

A set agrees to meet "every other Thursday at 10:00" in its own time zone, so occurrences are
computed on the local calendar and wall clock and only then converted to UTC: adding 14 days
of UTC would drift the meeting by an hour at every daylight-saving change. Pure functions of
their arguments, so the jobs layer and the tests can ask about any moment without a clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.dates.when import WEEKDAY_NAMES, resolve_local

__all__ = [
    "Recurrence",
    "asked_at",
    "describe",
    "nth_weekday",
    "occurrences_after",
    "upcoming",
    "wall_time",
]

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
_LAST_YEAR = 9998  # leave room so date arithmetic near the end of the calendar cannot overflow


@dataclass(frozen=True, slots=True)
class Recurrence:
    """`every N weeks` (kind weekly), `monthly` (same day of month) or
    `monthly on the <nth> <weekday>` (nth 1..4 or -1 for last; weekday 0=Monday).

    `at` is the local wall-clock time the set asked for ("01:30"), kept because the first
    session's UTC instant cannot say it: a first session inside a spring-forward gap is
    moved to the first moment that exists (02:00 BST for 01:30 on 29 March 2026 in
    London), and reading the rule's time back from that instant would move every later
    session to 02:00 too.  None (rules stored before it was kept): the first's local time.
    """

    kind: Literal["weekly", "monthly", "monthly_nth"]
    interval: int = 1
    nth: int | None = None
    weekday: int | None = None
    at: str | None = None  # "HH:MM", local wall clock


def occurrences_after(
    first: datetime, rec: Recurrence | None, tz: ZoneInfo, after: datetime
) -> datetime | None:
    """The first session strictly after `after`, in UTC, or None when there is none.

    `first` always counts as a session, even if it isn't on the rule's day (someone may book
    a one-off first meeting, then "monthly on the 2nd Tuesday"); later sessions follow the
    rule at its `at` wall-clock time, else `first`'s local time.  Only an occurrence that
    falls in a spring-forward gap moves (to the first moment that exists), and one in an
    autumn overlap is the first of the two (`bot.dates.when.resolve_local`); the next one
    is at the asked-for time again.
    """
    first, after = _as_utc(first), _as_utc(after)
    if first > after:
        return first
    if rec is None:
        return None
    _validate(rec)
    local = first.astimezone(tz)
    wall = wall_time(rec, first, tz)
    after_day = after.astimezone(tz).date()
    for day in _rule_days(local.date(), rec, near=after_day):
        if day.year > _LAST_YEAR:
            return None
        candidate = resolve_local(datetime.combine(day, wall), tz).astimezone(UTC)
        if candidate > after:
            return candidate
    return None  # the calendar ran out


def wall_time(rec: Recurrence | None, first: datetime, tz: ZoneInfo) -> time:
    """The local wall-clock time a recurring schedule's sessions are at."""
    if rec is not None and rec.at:
        return time.fromisoformat(rec.at).replace(fold=0)
    return _as_utc(first).astimezone(tz).time().replace(fold=0)


def asked_at(raw: Mapping[str, Any] | None) -> time | None:
    """The wall time a stored rule (a `schedules.recurrence` value) was asked for, if kept:
    what a recurring session's end is measured from (`bot.dates.sessions.end_of`)."""
    at = raw.get("at") if raw else None
    return time.fromisoformat(at) if isinstance(at, str) and at else None


def next_after(
    stored: datetime | None,
    first: datetime,
    rec: Recurrence | None,
    tz: ZoneInfo,
    now: datetime,
) -> datetime | None:
    """The next session strictly after `now`: the schedule's stored time while it is still
    ahead, else a recurring schedule read forward from `now` (the planner writes it on
    later; a reader need not wait for it). A one-off whose time has passed has none."""
    if stored is not None and _as_utc(stored) > _as_utc(now):
        return stored
    return occurrences_after(first, rec, tz, now) if rec is not None else None


def upcoming(
    first: datetime, rec: Recurrence | None, tz: ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    """The next `count` sessions after `after`, e.g. to show with `/als schedule`."""
    found: list[datetime] = []
    moment = after
    while len(found) < count:
        following = occurrences_after(first, rec, tz, moment)
        if following is None:
            break
        found.append(following)
        moment = following
    return found


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    """The `nth` (1-based; -1 for last) `weekday` (0=Monday) of a month. A 5th that the month
    doesn't have falls back to the last, so a rule never silently skips a month."""
    days_in_month = calendar.monthrange(year, month)[1]
    if nth == -1:
        last = date(year, month, days_in_month)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1)
    if day > days_in_month:
        return nth_weekday(year, month, -1, weekday)
    return date(year, month, day)


def describe(rec: Recurrence | None) -> str:
    """How people would say the rule: "every 2 weeks", "monthly on the last Friday"."""
    if rec is None:
        return "once"
    if rec.kind == "weekly":
        return "every week" if rec.interval == 1 else f"every {rec.interval} weeks"
    every = "monthly" if rec.interval == 1 else f"every {rec.interval} months"
    if rec.kind == "monthly":
        return every
    weekday = WEEKDAY_NAMES[rec.weekday or 0]
    return f"{every} on the {_ORDINALS.get(rec.nth or 1, f'{rec.nth}th')} {weekday}"


def _rule_days(start: date, rec: Recurrence, *, near: date) -> Iterator[date]:
    """The rule's local days from `start` on, in order, skipping ahead to shortly before
    `near` so that asking about a moment years later costs a few steps, not thousands."""
    if rec.kind == "weekly":
        period = 7 * rec.interval
        k = max(0, (near - start).days // period - 1)
        while True:
            yield start + timedelta(days=period * k)
            k += 1
    base = start.year * 12 + start.month - 1
    k = max(0, ((near.year * 12 + near.month - 1) - base) // rec.interval - 1)
    while True:
        year, month0 = divmod(base + k * rec.interval, 12)
        k += 1
        if year > _LAST_YEAR:
            return
        if rec.kind == "monthly":
            yield date(year, month0 + 1, min(start.day, calendar.monthrange(year, month0 + 1)[1]))
        else:
            assert rec.nth is not None and rec.weekday is not None
            day = nth_weekday(year, month0 + 1, rec.nth, rec.weekday)
            if day >= start:
                yield day


def _validate(rec: Recurrence) -> None:
    """A malformed rule is a programming error upstream; say so rather than loop or guess."""
    if rec.kind not in ("weekly", "monthly", "monthly_nth"):
        raise ValueError(f"unknown recurrence kind {rec.kind!r}")
    if rec.interval < 1:
        raise ValueError("recurrence interval must be at least 1")
    if rec.kind == "monthly_nth" and (
        rec.nth not in (1, 2, 3, 4, 5, -1) or rec.weekday not in range(7)
    ):
        raise ValueError("monthly_nth needs nth in 1..5 or -1 and weekday in 0..6")
    if rec.at is not None:
        time.fromisoformat(rec.at)  # a ValueError names a malformed time


def _as_utc(moment: datetime) -> datetime:
    """Naive values are taken as UTC: a database driver that drops the zone should not turn
    a reminder into a crash in the scheduler's tick."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

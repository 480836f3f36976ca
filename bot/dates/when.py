"""Reading the dates and times people type, in *their* time zone.

A set meets at a local wall-clock time ("Thursday 10am" in Europe/London), so every phrase is
read in the reader's `ZoneInfo` relative to an injected `now` and only then turned into UTC.
Nothing here reads the clock, so a phrase always means the same thing for the same `now`.

The reader is deliberately small and strict: a fixed vocabulary (ISO dates, `3 Dec`,
weekdays, `today`, `in 3 days`, `14:00`, `2:30pm`, `noon`…) that people can learn from the
help, rather than a fuzzy parser that guesses and silently books the wrong day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "WEEKDAY_SPELLINGS",
    "When",
    "WhenError",
    "looks_like_date",
    "read",
    "read_date",
    "read_datetime",
    "resolve_local",
    "weekday_number",
]

ErrorKind = Literal["unreadable", "invalid", "past", "no_time"]


class WhenError(ValueError):
    """Why a phrase could not be used; `kind` lets callers treat "not a date at all"
    differently from "a date, but an impossible or past one"."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class When:
    """A phrase as read, before defaults are applied: the caller decides what a missing day
    or time means (a due date needs no time; a session does)."""

    day: date | None = None
    at: time | None = None
    instant: datetime | None = None  # `in 2 hours`: already absolute, in UTC


# English whatever the process locale (calendar.month_name follows LC_TIME).
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = {
    name: number
    for number, month in enumerate(MONTH_NAMES, start=1)
    for name in (month.lower(), month[:3].lower())
} | {"sept": 9}
_WEEKDAYS = {
    name: number
    for number, weekday in enumerate(WEEKDAY_NAMES)
    for name in (weekday.lower(), weekday[:3].lower())
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
WEEKDAY_SPELLINGS = tuple(_WEEKDAYS)  # every spelling of a weekday read here, lower case
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_FILLERS = {"at", "on", "the", "of"}
# Words that make a short phrase after `by` a (possibly mistyped) date rather than prose.
_DATE_WORDS = set(_MONTHS) | set(_WEEKDAYS) | {"today", "tomorrow", "tmrw", "yesterday"}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ISO_JOINED = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\S+)")
_TIME_24 = re.compile(r"(\d{1,2}):(\d{2})")
_TIME_12 = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)")
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"\d{4}")
_SMALL_INT = re.compile(r"\d{1,4}")
_SPACED_MERIDIEM = re.compile(r"(?<![\w:.])(\d{1,2}(?:[:.]\d{2})?)\s+([ap])\.?m\b\.?")
_DOTTED_MERIDIEM = re.compile(r"\b([ap])\.m\.?")
_MAX_TOKENS = 12  # no supported phrase is longer; stops pathological input early


def resolve_local(wall: datetime, tz: ZoneInfo) -> datetime:
    """Attach `tz` to a naive wall-clock time, the way a person would mean it.

    A wall time inside a spring-forward gap (01:30 in London on the last Sunday of March)
    never happens; the meeting is moved to the first moment that does (02:00 BST) rather than
    to an arbitrary offset. A wall time in a fall-back overlap happens twice; the first one
    (fold=0) is when people turn up.
    """
    wall = wall.replace(tzinfo=None, fold=0)
    aware = wall.replace(tzinfo=tz)
    early = aware.astimezone(UTC)  # fold=0: read with the offset in force before any change
    if early.astimezone(tz).replace(tzinfo=None) == wall:
        return aware
    # In a gap. With the later offset the same wall time maps to an earlier instant that is
    # still before the transition, so the transition lies between the two; bisect to it.
    late = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(early, late), max(early, late)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(tz)


def weekday_number(word: str) -> int | None:
    """0 for Monday … 6 for Sunday, from any spelling this module reads (`thurs`, `Tue`)."""
    return _WEEKDAYS.get(word.lower())


def month_number(word: str) -> int | None:
    """1 for January … 12, from any spelling this module reads (`sept`, `Jan`)."""
    return _MONTHS.get(word.lower())


def coming(today: date, weekday: int) -> date:
    """The next such weekday after today: `friday` said on a Friday is a week on."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def looks_like_date(text: str) -> bool:
    """Whether a short phrase was probably *meant* as a date, so that `by the team` stays part
    of an action's text while `by 31 Feb` is reported as a mistake."""
    tokens = _tokens(text)
    if not tokens or len(tokens) > 4:
        return False
    return any(any(ch.isdigit() for ch in token) or token in _DATE_WORDS for token in tokens)


def read(text: str, *, now: datetime, tz: ZoneInfo) -> When:
    """Read a phrase into its parts; raise `WhenError` if it isn't one we understand."""
    try:
        return _read(_tokens(text), _local_today(now, tz), now)
    except WhenError:
        raise
    except (ValueError, OverflowError) as exc:  # e.g. `in 9999 weeks` runs past year 9999
        raise WhenError("invalid", "that date is out of range") from exc


def read_datetime(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """A session time: needs a time of day, must be in the future; returned in UTC.

    A time with no day means the next time the clock shows it (today if still ahead,
    otherwise tomorrow), which is what "schedule 10am" means to a person.
    """
    now = _aware(now)
    when = read(text, now=now, tz=tz)
    if when.instant is not None:
        result = when.instant
    elif when.at is None:
        raise WhenError("no_time", "say a time too, e.g. thursday 10am")
    elif when.day is None:
        today = _local_today(now, tz)
        result = _utc(today, when.at, tz)
        if result <= now:
            result = _utc(today + timedelta(days=1), when.at, tz)
    else:
        try:
            result = _utc(when.day, when.at, tz)
        except (ValueError, OverflowError) as exc:
            raise WhenError("invalid", "that date is out of range") from exc
    if result <= now:
        local = result.astimezone(tz)
        raise WhenError(
            "past", f"{_show(local.date())} {local:%H:%M} ({tz.key}) has already passed"
        )
    return result


def read_date(text: str, *, now: datetime, tz: ZoneInfo) -> date:
    """A due date: a day, today or later in the reader's zone. A time, if given, is ignored
    (actions are due on a day); a time alone means today."""
    now = _aware(now)
    when = read(text, now=now, tz=tz)
    today = _local_today(now, tz)
    if when.instant is not None:
        day = when.instant.astimezone(tz).date()
    elif when.day is not None:
        day = when.day
    elif when.at is not None:
        day = today
    else:
        raise WhenError("unreadable", "I couldn't read a date there")
    if day < today:
        raise WhenError("past", f"{_show(day)} has already passed")
    return day


def _tokens(text: str) -> list[str]:
    """Lower-case words with the noise people type (commas, `a.m.`, `9 am`) taken out."""
    text = text.lower().replace(",", " ")
    text = _DOTTED_MERIDIEM.sub(r"\1m", text)
    text = _SPACED_MERIDIEM.sub(r"\1\2m", text)
    tokens: list[str] = []
    for raw in text.split():
        token = raw.rstrip(".")
        joined = _ISO_JOINED.fullmatch(token)
        if joined:
            tokens.extend(joined.groups())
        elif token and token not in _FILLERS:
            tokens.append(token)
    return tokens


def _read(tokens: list[str], today: date, now: datetime) -> When:
    if not tokens:
        raise WhenError("unreadable", "I couldn't read a date or time there")
    if len(tokens) > _MAX_TOKENS:
        raise WhenError("unreadable", "that's too long to be a date")
    if (
        tokens[0] == "in"
        and len(tokens) == 3
        and tokens[2].rstrip("s") in ("hour", "minute", "min")
    ):
        amount = count_word(tokens[1])
        unit = "hours" if tokens[2].startswith("h") else "minutes"
        return When(instant=_aware(now) + timedelta(**{unit: amount}))
    times = [parsed for token in tokens if (parsed := _time(token)) is not None]
    if len(times) > 1:
        raise WhenError("unreadable", "that has two times in it")
    rest = [token for token in tokens if _time(token) is None]
    at = times[0] if times else None
    day = _day(rest, today) if rest else None
    return When(day=day, at=at)


def _time(token: str) -> time | None:
    if token == "noon" or token == "midday":
        return time(12, 0)
    match = _TIME_24.fullmatch(token)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise WhenError("invalid", f"{token} isn't a time of day")
        return time(hour, minute)
    match = _TIME_12.fullmatch(token)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise WhenError("invalid", f"{token} isn't a time of day")
        return time(hour % 12 + (12 if match[3] == "pm" else 0), minute)
    return None


def _day(words: list[str], today: date) -> date:
    """The calendar day named by the date words of a phrase (the time already removed)."""
    unreadable = WhenError("unreadable", "I couldn't read that date; try e.g. 3 Dec or friday")
    match words:
        case ["today"]:
            return today
        case ["tomorrow" | "tmrw"]:
            return today + timedelta(days=1)
        case ["yesterday"]:
            return today - timedelta(days=1)
        case ["this", weekday] if weekday in _WEEKDAYS:
            return today + timedelta(days=(_WEEKDAYS[weekday] - today.weekday()) % 7)
        case [weekday] | ["next", weekday] if weekday in _WEEKDAYS:
            # `next monday` is the coming Monday, like `monday`: the two are used
            # interchangeably often enough that a different meaning would surprise.
            return coming(today, _WEEKDAYS[weekday])
        case ["in", amount, unit] if unit.rstrip("s") in ("day", "week", "month"):
            count = count_word(amount)
            if unit.startswith("month"):
                return _add_months(today, count)
            return today + timedelta(days=count * (7 if unit.startswith("week") else 1))
        case [weekday, *rest] if weekday in _WEEKDAYS and rest:
            day = _calendar_day(rest, today)
            if day is None:
                raise unreadable
            if day.weekday() != _WEEKDAYS[weekday]:
                raise WhenError("invalid", _not_that_weekday(day, _WEEKDAYS[weekday], today))
            return day
    day = _calendar_day(words, today)
    if day is None:
        raise unreadable
    return day


def _not_that_weekday(day: date, weekday: int, today: date) -> str:
    """`23 Jan 2027 is a Saturday, not a Wednesday`, with the said weekday's days either side
    of it: an announcement copied from last year's email is usually one of those."""
    name = WEEKDAY_NAMES[weekday]
    out = f"{_show(day, weekday=False)} is a {WEEKDAY_NAMES[day.weekday()]}, not a {name}"
    before = day - timedelta(days=(day.weekday() - weekday) % 7)
    after = day + timedelta(days=(weekday - day.weekday()) % 7)
    near = [d for d in (before, after) if d >= today]
    if near:
        shown = " or ".join(f"{d.day} {MONTH_NAMES[d.month - 1]}" for d in near)
        out += f"; did you mean {name} {shown}?"
    return out


def _calendar_day(words: list[str], today: date) -> date | None:
    """ISO or day-and-month dates; a missing year means the next such day not yet past."""
    if len(words) == 1:
        match = _ISO_DATE.fullmatch(words[0])
        if not match:
            return None
        return _checked_date(int(match[1]), int(match[2]), int(match[3]))
    if len(words) not in (2, 3):
        return None
    first, second, *year_part = words
    if first in _MONTHS and _DAY.fullmatch(second):
        month, day_word = _MONTHS[first], second
    elif second in _MONTHS and _DAY.fullmatch(first):
        month, day_word = _MONTHS[second], first
    else:
        return None
    day_match = _DAY.fullmatch(day_word)
    assert day_match is not None
    day = int(day_match[1])
    if year_part:
        if not _YEAR.fullmatch(year_part[0]):
            return None
        return _checked_date(int(year_part[0]), month, day)
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:  # 2024 is a leap year: 29 Feb ok
        raise WhenError("invalid", f"there's no {day} {MONTH_NAMES[month - 1]}")
    for year in range(today.year, today.year + 9):  # 29 Feb may be up to 8 years away
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
    raise WhenError("invalid", "that date is out of range")  # pragma: no cover - year 9999


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise WhenError(
            "invalid", f"there's no such date as {year:04d}-{month:02d}-{day:02d}"
        ) from exc


def count_word(word: str) -> int:
    """A small count (`3`, `three`, `a`); bounded so huge digit strings can't cost anything."""
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    if _SMALL_INT.fullmatch(word):
        return int(word)
    raise WhenError("unreadable", f"I couldn't read {word!r} as a number")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _show(day: date, *, weekday: bool = True) -> str:
    """`Thu 3 Dec 2026`: how people write a day, without strftime's zero padding."""
    text = f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {text}" if weekday else text


def _local_today(now: datetime, tz: ZoneInfo) -> date:
    return _aware(now).astimezone(tz).date()


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return resolve_local(datetime.combine(day, at), tz).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """Treat a naive `now` as UTC instead of failing: parsing must never raise on it."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

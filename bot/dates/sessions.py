"""A session as a facilitator announces it: "Wednesday 23rd January in Room 8 of the Town Hall
at 10 – 12", "tuesday at 10 https://meet.google.com/abc", "tomorrow morning".

Reading is in two steps so that it stays pure. `read_session` takes the words apart — the
day, the time or a part of the day, an end time, the venue and the video link — in the
reader's zone and the set's locale (03/04 is 3 April in a UK set, March 4 in a US one).
`resolve` then turns that into UTC with the set's usual time (`SessionDefaults`: the set's
`default_time`, else the last session's time, else 10:00), which the caller looks up.

Why not a library. dateparser 1.5 and dateutil 2.9 were tried on every phrase the issue
quotes: dateparser reads "tuesday at 10" as Thursday the 10th at midnight, "Wednesday 23rd
January at 10" as the year 2110 and "10-12" as 10 December; neither reads a range, a venue
or a link, and neither can say *which* part it could not read. A wrong day silently booked
is worse than a refusal, so the phrases are read here on top of `bot.dates.when`.

Rules worth knowing (also in the help):
- a time with no am/pm and an hour from 1 to 6 ("at 2", "2-4", "6.30") is afternoon or
  evening: sets do not meet at 2 in the morning (`02:00` with its zero is taken as said);
- "10.30" is a time; dates take slashes (23/01, 23/01/2027) or words (23rd January);
- a range's end without am/pm is the first such hour after the start ("10-2" ends at 14:00);
- a session ends on the day it starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dates import announcement as parts
from bot.dates import when
from bot.dates.announcement import Part
from bot.dates.recurrence import Recurrence, nth_weekday
from bot.dates.when import MONTH_NAMES, WEEKDAY_NAMES, WhenError

__all__ = [
    "Session",
    "SessionDefaults",
    "SessionPhrase",
    "end_of",
    "read_session",
    "resolve",
    "show",
    "where",
]

_PART_TIMES: dict[str, time] = {"morning": time(9), "afternoon": time(14), "evening": time(18)}
_USUAL = time(10)
_MAX_CHARS = 400


@dataclass(frozen=True, slots=True)
class SessionDefaults:
    """What a session with no time said means, from the set (the caller reads the DB)."""

    default_time: time | None = None  # the set's `default_time` setting
    last_time: time | None = None  # the last scheduled session's local time

    @property
    def usual(self) -> time:
        return self.default_time or self.last_time or _USUAL

    def part(self, part: Part) -> time:
        """`tomorrow morning`: the set's own time if it falls in that part of the day."""
        own = self.default_time
        bounds = {"morning": (0, 12), "afternoon": (12, 18), "evening": (17, 24)}[part]
        if own is not None and bounds[0] <= own.hour < bounds[1]:
            return own
        return _PART_TIMES[part]


@dataclass(frozen=True, slots=True)
class SessionPhrase:
    """The parts of an announcement as read, before the set's defaults fill the gaps."""

    zone: str
    day: date | None = None
    at: time | None = None
    part: Part | None = None
    ends: time | None = None
    venue: str | None = None
    link: str | None = None
    instant: datetime | None = None  # `in 2 hours`

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


@dataclass(frozen=True, slots=True)
class Session:
    start: datetime  # UTC
    end: datetime | None = None
    venue: str | None = None
    link: str | None = None
    # The wall-clock time asked for, in the phrase's zone; `start` differs from it inside a
    # spring-forward gap, and a recurring schedule must keep this one (`Recurrence.at`).
    # None for `in 2 hours`.
    at: time | None = None


def read_session(text: str, *, now: datetime, tz: ZoneInfo, locale: str = "uk") -> SessionPhrase:
    """Take an announcement apart; raise `WhenError` naming the part that could not be read."""
    text = " ".join(text.split())
    if len(text) > _MAX_CHARS:
        raise WhenError("unreadable", "that's too long to be a session's time and place")
    text, link = parts.take_link(text)
    text, start, ends = parts.take_times(text)
    text, part, today_word = parts.take_part(text)
    text, venue = parts.take_venue(text)
    words = _numeric_dates(text.replace(parts.MARK, " "), locale, now, tz)
    if today_word:
        words = f"{words} {today_word}"
    words = " ".join(parts.PUNCTUATION.sub(" ", words).split())
    day, instant, at = _read_day(words, now, tz)
    if at is not None:
        if start is not None:
            raise WhenError("unreadable", "that has two times in it; give one, or a range (10-12)")
        start = at
    if start is not None and part in ("afternoon", "evening") and start.hour < 12:
        start = start.replace(hour=start.hour + 12)
        ends = ends.replace(hour=ends.hour + 12) if ends is not None and ends.hour < 12 else ends
    return SessionPhrase(tz.key, day, start, part, ends, venue, link, instant)


def resolve(
    phrase: SessionPhrase, rule: Recurrence | None, now: datetime, defaults: SessionDefaults
) -> Session:
    """The session in UTC: a missing time is the part of day's or the set's usual time; a
    missing day is the next time the clock shows it (or the rule's next day)."""
    tz = phrase.tz
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    at: time | None = None
    if phrase.instant is not None:
        start = phrase.instant
    else:
        at = phrase.at or (defaults.part(phrase.part) if phrase.part else defaults.usual)
        today = now.astimezone(tz).date()
        if phrase.day is not None:
            start = _utc(phrase.day, at, tz)
        elif rule is not None and rule.kind == "monthly_nth":
            start = _first_of_rule(rule, at, now, tz)
        else:
            start = _utc(today, at, tz)
            if start <= now:
                start = _utc(today + timedelta(days=1), at, tz)
    if start <= now:
        local = start.astimezone(tz)
        raise WhenError(
            "past", f"{_day_text(local.date())} {local:%H:%M} ({tz.key}) has already passed"
        )
    end = None
    if phrase.ends is not None:
        local = start.astimezone(tz)
        end = _utc(local.date(), phrase.ends, tz)
        if end <= start:
            raise WhenError(
                "invalid", f"it ends at {phrase.ends:%H:%M}, before it starts at {local:%H:%M}"
            )
    return Session(start, end, phrase.venue, phrase.link, at)


def end_of(
    start: datetime,
    first: datetime,
    first_end: datetime | None,
    tz: ZoneInfo,
    at: time | None = None,
) -> datetime | None:
    """A recurring session's end: the first session's length on the local clock, so a
    10:00–12:00 session stays 10:00–12:00 across a daylight-saving change.  `at` is the
    wall time the sessions were asked for (`Recurrence.at`): a session moved out of a
    spring-forward gap still ends when it was meant to, and so do the ones after it."""
    if first_end is None:
        return None
    first_wall, start_wall = _wall(first, tz), _wall(start, tz)
    if at is not None:
        first_wall = datetime.combine(first_wall.date(), at)
        start_wall = datetime.combine(start_wall.date(), at)
    wall_length = _wall(first_end, tz) - first_wall
    return when.resolve_local(start_wall + wall_length, tz).astimezone(UTC)


# A venue that is a room or a named place inside a building is *in* it ("in Room 8 of the
# Town Hall"); a street address or a building people go to is *at* it ("at 12 High St").
_INSIDE = {"room", "rm", "suite", "hall", "office", "library", "boardroom", "the", "meeting",
           "conference", "committee", "council", "chamber", "chambers", "floor", "studio"}  # fmt: skip


def where(venue: str) -> str:
    """`in Room 8`, `at 12 High Street`, and `on Zoom` and `online` as they are."""
    lowered = venue.lower()
    if lowered in ("zoom", "microsoft teams", "google meet"):
        return f"on {venue}"
    if lowered.startswith(("on ", "via ", "online", "in ", "at ")):
        return venue
    first = lowered.split(maxsplit=1)[0].strip(".,")
    return f"in {venue}" if first in _INSIDE else f"at {venue}"


def hours(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """`10:00–12:00`, or `10:00` when the end is not known: a session's clock times."""
    out = f"{start.astimezone(tz):%H:%M}"
    return out if end is None else f"{out}–{end.astimezone(tz):%H:%M}"


def show(
    start: datetime,
    tz: ZoneInfo,
    *,
    end: datetime | None = None,
    venue: str | None = None,
    link: str | None = None,
) -> str:
    """`Wednesday 23 January 2027, 10:00–12:00 (Europe/London), Room 8 of the Town Hall`."""
    local = start.astimezone(tz)
    out = f"{WEEKDAY_NAMES[local.weekday()]} {local.day} {MONTH_NAMES[local.month - 1]} "
    out += f"{local.year}, {hours(start, end, tz)} ({tz.key})"
    if venue:
        out += f", {venue}"
    if link:
        out += f", join at {link}"
    return out


def _numeric_dates(text: str, locale: str, now: datetime, tz: ZoneInfo) -> str:
    """23/01, 23/01/2027 (01/23 in a US set) become words `bot.dates.when` reads."""
    text = parts.DOTTED_DATE.sub(r"\1/\2/\3", text)

    def words(match: re.Match[str]) -> str:
        first, second = int(match[1]), int(match[2])
        day, month = (second, first) if locale == "us" else (first, second)
        if not 1 <= month <= 12:
            order = "month/day" if locale == "us" else "day/month"
            raise WhenError(
                "invalid",
                f"I read '{match[0]}' as {order}, and there's no month {month} "
                f"(`/als settings locale` says how this set reads dates)",
            )
        year = match[3]
        if year is None:
            return f"{day} {MONTH_NAMES[month - 1]}"
        full = int(year) + (2000 if len(year) == 2 else 0)
        return f"{day} {MONTH_NAMES[month - 1]} {full}"

    return parts.NUMERIC_DATE.sub(words, text)


def _read_day(
    words: str, now: datetime, tz: ZoneInfo
) -> tuple[date | None, datetime | None, time | None]:
    if not words:
        return None, None, None
    lowered = words.lower()
    today = now.astimezone(tz).date()
    if lowered in ("next week", "a week today", "this time next week"):
        return today + timedelta(days=7), None, None
    try:
        reading = when.read(words, now=now, tz=tz)
    except WhenError as exc:
        if exc.kind != "unreadable":
            raise
        raise _unread(words.split(), now, tz) from exc
    return reading.day, reading.instant, reading.at


def _unread(words: list[str], now: datetime, tz: ZoneInfo) -> WhenError:
    """Name what could not be read: the longest run of words that reads as a day, and the
    rest ("I read Wednesday 23 January 2030 but not 'blah'")."""
    for size in range(min(len(words) - 1, 6), 0, -1):
        for begin in range(len(words) - size + 1):
            try:
                reading = when.read(" ".join(words[begin : begin + size]), now=now, tz=tz)
            except WhenError as exc:
                if exc.kind == "invalid":  # `Wednesday 23 January` in a year it isn't one
                    return exc
                continue
            if reading.day is None:
                continue
            rest = " ".join(words[:begin] + words[begin + size :])
            hint = " — for a time say e.g. 10am or at 10" if re.fullmatch(r"\d{1,2}", rest) else ""
            return WhenError(
                "unreadable", f"I read {_day_text(reading.day)} but not '{rest}'{hint}"
            )
    return WhenError("unreadable", f"I couldn't read '{' '.join(words)}' as a date or time")


def _first_of_rule(rule: Recurrence, at: time, now: datetime, tz: ZoneInfo) -> datetime:
    """`10am monthly on the 2nd tuesday` names no day: the rule's next day at that time."""
    assert rule.nth is not None and rule.weekday is not None
    local = now.astimezone(tz)
    for step in range(3):  # this month's may have passed; next month's has not
        year, month0 = divmod(local.year * 12 + local.month - 1 + step, 12)
        first = _utc(nth_weekday(year, month0 + 1, rule.nth, rule.weekday), at, tz)
        if first > now:
            return first
    raise WhenError("invalid", "I couldn't find the next such day")  # pragma: no cover


def _day_text(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    try:
        return when.resolve_local(datetime.combine(day, at), tz).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise WhenError("invalid", "that date is out of range") from exc


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)

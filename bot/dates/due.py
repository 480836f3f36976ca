"""Due dates as people write them at the end of an action: "by Friday", "by next week",
"by the end of January", "by 23/01", "in two weeks", "before the next session".

Pure: the caller passes today's date in the set's time zone and the next session's date (from
the schedule), so a phrase always means the same day for the same inputs. A week's end is the
working week's (Friday): "by next week" is the Friday of next week. Day/month numbers are read
the UK way (23/01 is 23 January), and a date without a year is the next one not yet past.

`find_due` takes a whole action ("Write up notes by Friday") and returns its words and its day;
a phrase that was plainly meant as a date but cannot be read comes back as a `problem`, so the
caller can say so and keep the action without a date, never silently dropping either.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.dates import when
from bot.dates.when import MONTH_NAMES, WhenError
from bot.dates.zones import read_zone

__all__ = ["Due", "WEEK_END", "find_due", "meant_as_date", "read_due", "show"]

WEEK_END = 4  # Friday: the end of the working week
_KEYWORD = re.compile(
    r"(?<!\S)(?:by|before|until|till|til|no\s+later\s+than|within|in|on|at\s+the|at)(?=\s)",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:by|before|until|till|til|no\s+later\s+than|on\s+or\s+before|on|at)\s+", re.IGNORECASE
)
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?")
# Counts a due date may use that a session's date would not ("in a couple of weeks").
_LOOSE_COUNTS = {"couple": 2, "few": 3}
# Words that make a phrase after `by` a date someone meant, even when it can't be read.
_DATE_HINTS = {"week", "weeks", "month", "months", "fortnight", "session", "meeting",
               "weekend", "year", "eod", "eow", "eom"}  # fmt: skip


_TRY = "try e.g. `by friday`, `by 23/01`, `by next week` or `by the end of January`"


@dataclass(frozen=True, slots=True)
class Due:
    """An action's words and its due day. `what` keeps an unreadable phrase (so nothing the
    presenter typed is lost); `problem` then says why it couldn't be read."""

    what: str
    day: date | None = None
    phrase: str | None = None
    problem: str | None = None


def show(day: date) -> str:
    """`Fri 9 Jan 2026`."""
    return f"{day:%a} {day.day} {day:%b} {day.year}"


def find_due(text: str, *, today: date, next_session: date | None = None) -> Due:
    """The longest trailing phrase that reads as a due date, and the words before it."""
    body = text.strip()
    trimmed = body.rstrip(" .!;,")
    problem: tuple[str, str] | None = None
    for match in _KEYWORD.finditer(trimmed):
        phrase = trimmed[match.start() :]
        what = trimmed[: match.start()].rstrip(" ,;:-–—")
        try:
            day = read_due(phrase, today=today, next_session=next_session)
        except WhenError as exc:
            if exc.kind != "unreadable" or meant_as_date(phrase):
                why = exc.message if exc.kind != "unreadable" else _TRY
                problem = problem or (phrase, why)
            continue
        if what:
            return Due(what=what, day=day, phrase=phrase)
    if problem is not None:
        return Due(what=body, phrase=problem[0], problem=problem[1])
    return Due(what=body)


def read_due(phrase: str, *, today: date, next_session: date | None = None) -> date:
    """One due-date phrase (with or without its `by`), as a day today or later."""
    words = " ".join(phrase.lower().replace(",", " ").split())
    words = _LEAD.sub("", words).strip(" .!")
    day = _special(words, today, next_session)
    if day is None:
        noon = datetime.combine(today, time(12), tzinfo=UTC)
        day = when.read_date(words, now=noon, tz=read_zone("UTC"))  # raises WhenError
    if day < today:
        raise WhenError("past", f"{show(day)} has already passed")
    return day


def meant_as_date(phrase: str) -> bool:
    """Whether a short phrase was plainly meant as a date (a month, a weekday, a number,
    `week`, `session`…), so `by the team` stays words while `by the Ides of March` is said."""
    rest = _LEAD.sub("", phrase.strip().lower())
    if rest.split()[:1] in (["in"], ["within"]):
        rest = rest.split(maxsplit=1)[1] if " " in rest else ""
    tokens = [t for t in re.split(r"[\s,]+", rest) if t and t not in ("the", "of", "a")]
    if not tokens or len(tokens) > 5:
        return False
    return when.looks_like_date(rest) or any(
        t.strip(".!'’") in _DATE_HINTS or "/" in t for t in tokens
    )


def _special(words: str, today: date, next_session: date | None) -> date | None:
    """The phrases `bot.dates.when` does not read; None to let it try."""
    words = re.sub(r"^(?:the|our)\s+", "", words)
    if re.fullmatch(r"next\s+(?:session|meeting|set(?:\s+meeting)?|time)|we\s+(?:next\s+)?meet"
                    r"(?:\s+again|\s+next)?", words):  # fmt: skip
        if next_session is None:
            raise WhenError("invalid", "no next session is scheduled yet (`/als schedule`)")
        return next_session
    words = re.sub(r"['’]s?\s+time$|\s+time$", "", words)  # "in two weeks' time"
    if words in ("end of day", "eod", "close of play", "cob", "tonight", "end of today"):
        return today
    if words in ("this week", "end of week", "end of the week", "end of this week", "eow",
                 "the weekend", "weekend", "friday this week"):  # fmt: skip
        return _week_end(today, 0)
    if words in ("next week", "end of next week", "the end of next week"):
        return _week_end(today, 1)
    if words in ("end of month", "end of the month", "end of this month", "month end", "eom",
                 "this month", "the month end"):  # fmt: skip
        return _month_end(today.year, today.month)
    if words in ("next month", "end of next month"):
        year, month = divmod(today.year * 12 + today.month, 12)
        return _month_end(year, month + 1)
    if words in ("end of year", "end of the year", "end of this year", "this year"):
        return date(today.year, 12, 31)
    found = re.fullmatch(
        r"(end|middle|mid)(?:\s+of)?[\s-]+(?:the\s+)?([a-z]+)(?:\s+(\d{4}))?", words
    )
    named = when.month_number(found[2]) if found else None
    if found and named is not None:
        return _in_month(found[1], named, found[3], today)
    found = re.fullmatch(
        r"(?:in|within)\s+(?:the\s+next\s+)?(\S+)\s+(fortnights?|weeks?|days?)", words
    )
    if found or words in ("in a fortnight", "within a fortnight", "a fortnight"):
        amount, unit = (found[1], found[2]) if found else ("a", "fortnight")
        count = _count(amount)
        days = 14 if unit.startswith("fortnight") else 7 if unit.startswith("week") else 1
        return today + timedelta(days=days * count)
    found = re.fullmatch(r"(\w+)\s+week", words)  # "friday week": a week after the coming one
    if found and when.weekday_number(found[1]) is not None:
        return when.coming(today, when.weekday_number(found[1]) or 0) + timedelta(days=7)
    numeric = _NUMERIC.fullmatch(words)
    if numeric:
        return _numeric(numeric, today)
    return None


def _count(word: str) -> int:
    return _LOOSE_COUNTS.get(word) or when.count_word(word)


def _week_end(today: date, weeks_on: int) -> date:
    """The working week's end: this week's Friday (today if it is Friday; next Friday at the
    weekend), then `weeks_on` weeks later."""
    this = today + timedelta(days=(WEEK_END - today.weekday()) % 7)
    return this + timedelta(weeks=weeks_on)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _in_month(where: str, month: int, year_word: str | None, today: date) -> date:
    def pick(year: int) -> date:
        return _month_end(year, month) if where == "end" else date(year, month, 15)

    if year_word:
        return pick(int(year_word))
    day = pick(today.year)
    return day if day >= today else pick(today.year + 1)


def _numeric(found: re.Match[str], today: date) -> date:
    day, month, year_word = int(found[1]), int(found[2]), found[3]
    if not 1 <= month <= 12:
        raise WhenError(
            "invalid", f"there's no month {month}: I read dates as day/month, e.g. 23/01"
        )
    if year_word:
        year = int(year_word) + (2000 if len(year_word) == 2 else 0)
        try:
            return date(year, month, day)
        except ValueError:
            raise WhenError(
                "invalid", f"there's no {day} {MONTH_NAMES[month - 1]} {year}"
            ) from None
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise WhenError("invalid", f"there's no {day} {MONTH_NAMES[month - 1]}")
    for year in range(today.year, today.year + 9):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
    raise WhenError("invalid", "that date is out of range")  # pragma: no cover

"""How `/als schedule` is read: a session's day, time and place, and how it repeats.

The grammar hands this module the words after the verb; the day, time and place are
`bot.dates.sessions`' to read, and the repeat rule (`weekly`, `every other thursday`,
`monthly on the 2nd tuesday`) is read here. Like the rest of the grammar it is pure and
never raises: a mistake comes back as a `UsageError` with the verb's usage.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.registry import BY_VERB
from bot.commands.values import Command, Schedule, UsageError
from bot.commands.words import small_int
from bot.dates import sessions, when
from bot.dates.recurrence import Recurrence

_WEEKDAY_WORDS = "|".join(sorted(when.WEEKDAY_SPELLINGS, key=len, reverse=True))
_REPEAT = re.compile(
    r"(?<!\S)(?:(?P<every_week>every\s+(?:(?P<weeks>\S+)\s+)?weeks?)"
    r"|(?:every\s+(?:(?P<months>\S+)\s+)?months?|monthly)"
    r"(?:\s+on\s+(?:the\s+)?(?P<nth>\S+)\s+(?P<weekday>\S+?)s?)?"
    rf"|every\s+(?:(?P<day_gap>other|second|third|fourth)\s+)?(?P<day_name>{_WEEKDAY_WORDS})s?"
    r"|(?P<weekly>weekly)|(?P<fortnightly>fortnightly|biweekly|bi-weekly))(?!\S)",
    re.IGNORECASE,
)
_REPEAT_WORD = re.compile(
    r"(?<!\S)(?:every|weekly|fortnightly|biweekly|monthly)(?!\S)", re.IGNORECASE
)
_DAY_GAPS = {"": 1, "other": 2, "second": 2, "third": 3, "fourth": 4}
_NTH = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4,
        "fourth": 4, "last": -1}  # fmt: skip
_COUNTS = {"a": 1, "one": 1, "other": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip


def _error(message: str) -> UsageError:
    return UsageError(message=message, usage=BY_VERB["schedule"].usage)


def read_schedule(
    rest: str, now: datetime, tz: ZoneInfo, locale: str = "uk"
) -> Command | UsageError:
    said = " ".join(rest.split())
    lowered = said.lower()
    if not lowered:
        return Schedule()
    if lowered in ("off", "clear", "cancel", "none"):
        return Schedule(clear=True)
    repeats = list(_REPEAT.finditer(said))
    if len(repeats) > 1:
        return _error("Give one repeat rule, e.g. `weekly` or `every 2 weeks`.")
    recurrence: Recurrence | None = None
    if repeats:
        read_rule = _recurrence(repeats[0])
        if isinstance(read_rule, UsageError):
            return read_rule
        recurrence = read_rule
        # `every other thursday` repeats on Thursdays and begins on the next one, or on the
        # date said with it; the day goes first, where a weekday is read, not after a venue.
        said = (said[: repeats[0].start()] + " " + said[repeats[0].end() :]).strip()
        if repeats[0]["day_name"]:
            said = f"{repeats[0]['day_name']} {said}".strip()
    if _REPEAT_WORD.search(said):
        return _error("I couldn't read how it repeats; try `every 2 weeks`, "
                      "`fortnightly`, `monthly` or `monthly on the 2nd tuesday`.")  # fmt: skip
    if not said:
        return _error("Say when, e.g. `/als schedule thursday 10am weekly`.")
    if repeats and repeats[0]["day_name"]:
        weekday = when.weekday_number(repeats[0]["day_name"]) or 0
        other = {when.weekday_number(w) for w in said.lower().split()} - {None, weekday}
        if other:
            return _error(f"It repeats on {when.WEEKDAY_NAMES[weekday]}s, so the "
                          "first session is one too; give one day, e.g. "
                          "`every other thursday 2pm`.")  # fmt: skip
    try:
        phrase = sessions.read_session(said, now=now, tz=tz, locale=locale)
        if phrase.day is None and phrase.at is None and phrase.part is None:
            if phrase.instant is None:
                return _error("Say when as well as where, e.g. "
                              "`/als schedule thursday 10am in Room 8`.")  # fmt: skip
        _check_not_past(phrase, recurrence, now)
    except when.WhenError as exc:
        return _error(_sentence(exc.message))
    return Schedule(when=phrase, recurrence=recurrence)


def _check_not_past(phrase: sessions.SessionPhrase, rule: Recurrence | None, now: datetime) -> None:
    """Refuse a past day at once; a time said in full can be checked here too (the set's
    usual time, when none is said, is the handler's to fill in and check)."""
    today = now.astimezone(phrase.tz).date()
    if phrase.day is not None and phrase.day < today:
        raise when.WhenError("past", f"{phrase.day:%A} {phrase.day.day} {phrase.day:%B %Y} "
                             "has already passed")  # fmt: skip
    if phrase.at is not None or phrase.instant is not None:
        sessions.resolve(phrase, rule, now, sessions.SessionDefaults())


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "?", "!")) else ".")


def _recurrence(match: re.Match[str]) -> Recurrence | UsageError:
    if match["weekly"]:
        return Recurrence(kind="weekly")
    if match["fortnightly"]:
        return Recurrence(kind="weekly", interval=2)
    if match["day_name"]:
        gap = (match["day_gap"] or "").lower()
        return Recurrence(kind="weekly", interval=_DAY_GAPS.get(gap, 1))
    word = match["weeks"] or match["months"]
    interval = 1 if word is None else _COUNTS.get(word.lower(), small_int(word) or 0)
    if not 1 <= interval <= 12:
        return _error("Repeat every 1 to 12 weeks (or months).")
    if match["every_week"]:
        return Recurrence(kind="weekly", interval=interval)
    if match["nth"] is None:
        return Recurrence(kind="monthly", interval=interval)
    nth, weekday = _NTH.get(match["nth"].lower()), when.weekday_number(match["weekday"])
    if nth is None or weekday is None:
        return _error("Say e.g. `monthly on the 2nd tuesday` or `on the last friday`.")
    return Recurrence(kind="monthly_nth", interval=interval, nth=nth, weekday=weekday)

"""Taking a session announcement apart: its link, its time or time range, a part of the day
and its venue, each cut out of the text so that what is left is the day for
`bot.dates.when` to read. `bot.dates.sessions` puts the parts together; the rules for bare
hours and ranges are described there.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from bot.dates import when
from bot.dates.when import MONTH_NAMES, WhenError

Part = Literal["morning", "afternoon", "evening"]

_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>|(https?://[^\s<>]+)", re.IGNORECASE)
_CLOCK = r"\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\b\.?)?|noon|midday"
_RANGE = re.compile(
    rf"(?<![\w/:.\-])(?:(?:at|from|between)\s+)?(?P<start>{_CLOCK})"
    rf"\s*(?:[-–—]|\s(?:to|until|till|til|and)\s)\s*(?P<end>{_CLOCK})(?![\w/:\-]|\.\d)",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"(?<![\w/:.\-])(?:(?:at|from)\s+)?(?P<time>\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\b\.?)?"
    r"|\d{1,2}\s*[ap]\.?m\b\.?|noon|midday)(?![\w/:\-]|\.\d)"
    r"|(?<![\w/:.\-])at\s+(?P<bare>\d{1,2})(?![\w/:.\-])",
    re.IGNORECASE,
)
_PART = re.compile(
    r"(?<!\S)(?:(?P<this>this|tomorrow)\s+)?(?P<part>morning|afternoon|evening|tonight)(?!\S)",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"(?<![\w/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\w/])")
DOTTED_DATE = re.compile(r"(?<![\w.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\w.])")
_ONLINE = re.compile(
    r"(?<!\S)(?:online|(?:on|via)\s+(?:zoom|teams|microsoft\s+teams|google\s+meet|meet|skype"
    r"|whereby|jitsi)|zoom|microsoft\s+teams|google\s+meet)(?![\w])",
    re.IGNORECASE,
)
# A venue begins at `in`/`at`/`@`, or after a comma or dash that follows the time
# ("10:00-12:00, Room 8"), where the time was cut out and MARK left in its place.
_VENUE_START = re.compile(r"(?<!\S)(?:in|at|@)\s+|\x00\s*(?:[,;]|\s[-–—])\s*", re.IGNORECASE)
_UNITS = ("day", "days", "week", "weeks", "month", "months", "hour", "hours", "min", "mins",
          "minute", "minutes", "fortnight")  # fmt: skip
_DAY_WORDS = {"today", "tomorrow", "tmrw", "next", "this"}
PUNCTUATION = re.compile(r"(?<!\S)[()\[\].,;:!?&+\-–—]+(?!\S)")  # left where a link was
MARK = "\x00"  # stands where a time was taken out: a venue never runs across it


def take_link(text: str) -> tuple[str, str | None]:
    found = list(_LINK.finditer(text))
    if len(found) > 1:
        raise WhenError("unreadable", "give one link for the session")
    if not found:
        return text, None
    match = found[0]
    link = (match[1] or match[2]).rstrip(".,;)")
    if len(link) > 500:
        raise WhenError("invalid", "that link is too long (500 characters at most)")
    return f"{text[: match.start()]} {MARK} {text[match.end() :]}", link


def take_times(text: str) -> tuple[str, time | None, time | None]:
    ranged = list(_RANGE.finditer(text))
    if len(ranged) > 1:
        raise WhenError("unreadable", "that has two time ranges in it; give one, e.g. 10-12")
    start = end = None
    if ranged:
        match = ranged[0]
        start, end = time_range(match["start"], match["end"])
        text = f"{text[: match.start()]} {MARK} {text[match.end() :]}"
    singles = list(_TIME.finditer(text))
    if len(singles) + len(ranged) > 1:
        said = ", ".join(f"'{m[0].strip()}'" for m in [*ranged, *singles])
        raise WhenError("unreadable", f"that has more than one time in it ({said}); give one")
    if singles:
        match = singles[0]
        start = clock(match["time"] or match["bare"])
        text = f"{text[: match.start()]} {MARK} {text[match.end() :]}"
    return text, start, end


def clock(said: str, *, meridiem: str | None = None) -> time:
    """One time of day; bare hours 1 to 6 are afternoon (see the module's rules)."""
    raw = said.strip()
    token = re.sub(r"\s+", "", raw.lower()).replace("a.m", "am").replace("p.m", "pm").rstrip(".")
    if token in ("noon", "midday"):
        return time(12)
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(am|pm)?", token)
    if match is None:
        raise WhenError("unreadable", f"I couldn't read the time '{raw}'")
    hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3] or meridiem
    if suffix is not None and match[3] is not None and not 1 <= hour <= 12:
        raise WhenError("invalid", f"I couldn't read the time '{raw}'")
    if hour > 23 or minute > 59:
        raise WhenError("invalid", f"I couldn't read the time '{raw}'")
    if suffix is not None and 1 <= hour <= 12:
        return time(hour % 12 + (12 if suffix == "pm" else 0), minute)
    if 1 <= hour <= 6 and not match[1].startswith("0"):
        hour += 12
    return time(hour, minute)


def time_range(start_said: str, end_said: str) -> tuple[time, time]:
    """`10-12`, `10am–12pm`, `2-4pm`, `10:00 to 11:30`: a start and a later end that day."""
    end = clock(end_said)
    end_suffix = re.search(r"([ap])\.?m", end_said.lower())
    start_suffix = re.search(r"([ap])\.?m", start_said.lower())
    if start_suffix is None and end_suffix is not None:
        # `2-4pm`: the start shares the end's half of the day when that puts it first.
        shared = clock(start_said, meridiem=end_suffix[1] + "m")
        start = shared if shared < end else clock(start_said)
    else:
        start = clock(start_said)
    if end_suffix is None and end <= start and end.hour < 12:
        end = end.replace(hour=end.hour + 12)  # `10-2`, `2pm-4`: the end is later that day
    if end <= start:
        raise WhenError(
            "invalid", f"the time '{start_said.strip()}–{end_said.strip()}' ends before it starts"
        )
    return start, end


def take_part(text: str) -> tuple[str, Part | None, str]:
    found = list(_PART.finditer(text))
    if not found:
        return text, None, ""
    if len(found) > 1:
        raise WhenError("unreadable", "say one part of the day (morning or afternoon)")
    match = found[0]
    word = match["part"].lower()
    part: Part = "evening" if word == "tonight" else word  # type: ignore[assignment]
    day_word = (match["this"] or "").lower()
    today = "today" if word == "tonight" or day_word == "this" else day_word
    return f"{text[: match.start()]} {MARK} {text[match.end() :]}", part, today


def take_venue(text: str) -> tuple[str, str | None]:
    """`in Room 8 of the Town Hall`, `at the Town Hall`, `10-12, Room 8`: from `in`/`at` (or
    a comma after the time) to the next date or time, or the end. `in 3 days` and `at 10`
    are dates and times, not places. `online`, `on Zoom` and `via Teams` are kept as said."""
    online = _ONLINE.search(text)
    if online is not None:
        return f"{text[: online.start()]} {MARK} {text[online.end() :]}", online[0]
    for match in _VENUE_START.finditer(text):
        after = text[match.end() :].split()
        if not after or dateish(after, 0):
            continue
        taken: list[str] = []
        for index, word in enumerate(after):
            if word == MARK or (taken and ends_venue(after, index)):
                break
            taken.append(word)
        venue = " ".join(taken).strip(" ,;:-–—.!?")
        if not venue:
            continue
        rest = " ".join(after[len(taken) :])
        return f"{text[: match.start()]} {MARK} {rest}", venue[:300]
    return text, None


def dateish(words: list[str], index: int) -> bool:
    """Whether a venue cannot begin at `words[index]`: it is a date or a time there."""
    word = words[index].lower().strip(",")
    following = words[index + 1].lower().strip(",") if index + 1 < len(words) else ""
    if word == MARK or word in _DAY_WORDS or when.weekday_number(word) is not None:
        return True
    if when.month_number(word) is not None or re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", word):
        return True
    if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", word) and (
        when.month_number(following) is not None or following in _UNITS or not following
    ):
        return True
    if (
        word in ("a", "an", "one", "two", "three", "four", "five", "six", "ten")
        and following in _UNITS
    ):
        return True
    return bool(NUMERIC_DATE.fullmatch(word))


def ends_venue(words: list[str], index: int) -> bool:
    word = words[index].lower().strip(",")
    if word in ("on", "at", "from") and index + 1 < len(words):
        return dateish(words, index + 1)
    if word in _DAY_WORDS or when.weekday_number(word) is not None:
        return True
    full_month = word in (m.lower() for m in MONTH_NAMES)
    return full_month or bool(NUMERIC_DATE.fullmatch(word))

"""What a set's report says, as plain values: computed once (`gather.py`), then shown in
chat, drawn (`charts.py`), written as CSV or one HTML page, and served on the web.

Keeping the figures apart from every way of showing them is what lets the chart's alt
text, the HTML tables and the CSV carry exactly the same numbers.  Only the facilitator's
own view may name people (`SessionFigures.attendees`); `anonymous()` is what everything
else is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.set_info import SetInfo

# An action's outcome as the report counts it: its status, with `open` read as "no update".
OUTCOMES: tuple[str, ...] = ("done", "partly", "not_yet", "dropped", "no_update")
OUTCOME_LABELS: Mapping[str, str] = {
    "done": "Done",
    "partly": "Partly",
    "not_yet": "Not yet",
    "dropped": "Dropped",
    "no_update": "No update",
}
# The report's pictures, in the order they are shown: named here, so that what asks for
# them (`bot.reports.files`) needs no import of the module that draws them.
CHART_TITLES: Mapping[str, str] = {
    "ratings-attendance": "Ratings and attendance by session",
    "outcomes": "Action outcomes by session",
}
DEFAULT_SESSIONS = 6  # the report's default range: the last six sessions held
UNTITLED = "Action Learning Set"


def title_of(set_info: SetInfo, default: str = "") -> str:
    """The set's name (`/als settings name …`), else `[defaults] name`, else a plain title:
    what the report, its files and the set's pages are headed with."""
    return str(set_info.settings.get("name") or default or UNTITLED)


@dataclass(frozen=True, slots=True)
class RatingFigures:
    """The session's ratings (1–5): how many, their mean, their spread (the population
    standard deviation) and lowest/highest; `words` as people gave them, in order, unnamed."""

    count: int
    mean: float | None
    spread: float | None
    lowest: int | None
    highest: int | None
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionFigures:
    number: int  # 1 for the set's first closed session ever, so numbers stay put across ranges
    session_id: int
    held_on: date  # the day it started, in the set's time zone
    attendance: int
    presenters: int
    ratings: RatingFigures
    outcomes: Mapping[str, int]  # every key of OUTCOMES: actions agreed at this session
    presenters_updated: int  # presenters who gave an update before the next session
    attendees: tuple[str, ...] = ()  # user keys: the facilitator's own view only


@dataclass(frozen=True, slots=True)
class ReportFigures:
    title: str  # the set's name
    timezone: str
    made_at: datetime
    period_from: date | None  # the range asked for (None: from the first session shown)
    period_to: date | None
    sessions: tuple[SessionFigures, ...]  # oldest first
    dos_by_month: tuple[tuple[str, int], ...]  # ("2026-11", 3): do's saved, months in range
    nudges_sent: int
    nudges_answered: int  # the nudged person gave an update before the next session

    def anonymous(self) -> ReportFigures:
        """The same figures with nobody named: for sharing, exports and the web."""
        return replace(self, sessions=tuple(replace(s, attendees=()) for s in self.sessions))


@dataclass(frozen=True, slots=True)
class Chart:
    """One picture of the figures: a PNG and the text that says the same thing."""

    name: str  # a file-name stem: "ratings-attendance", "outcomes"
    title: str
    png: bytes
    alt: str
    width: int
    height: int

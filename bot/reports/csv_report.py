"""The set's report as a CSV a funder can open: one row per session, then small sections.

UTF-8 with a byte-order mark, because Excel reads a CSV without one in the machine's legacy
code page and mangles every accent in a set's name or a word people gave.  Nobody is named:
the figures are made anonymous first, and no column holds a person.  The words people gave
are here (the issue asks for them) in their own section, unattributed, as they were
already shown in the round's thread.  Every cell goes through the do's export's formula
guard: a set's name or a word such as `=HYPERLINK(…)` stays text in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.dates.zones import zone_or
from bot.dos.export import csv_guard
from bot.reports.figures import OUTCOME_LABELS, OUTCOMES, ReportFigures, SessionFigures

SESSION_COLUMNS: tuple[str, ...] = (
    "Session",
    "Date",
    "Attendance",
    "Presenters",
    "Ratings",
    "Mean rating",
    "Spread",
    "Lowest rating",
    "Highest rating",
    *(OUTCOME_LABELS[o] for o in OUTCOMES),
    "Presenters updated before the next session",
)
DOS_SECTION = "Do's saved per month"
NUDGES_SECTION = "Nudges"
WORDS_SECTION = "Words people gave"
ABOUT_SECTION = "About this report"


def _number(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _whole(value: int | None) -> str:
    return "" if value is None else str(value)


def _session_row(s: SessionFigures) -> list[str]:
    r = s.ratings
    return [
        str(s.number),
        s.held_on.isoformat(),
        str(s.attendance),
        str(s.presenters),
        str(r.count),
        _number(r.mean, 1),
        _number(r.spread, 2),
        _whole(r.lowest),
        _whole(r.highest),
        *(str(s.outcomes.get(o, 0)) for o in OUTCOMES),
        str(s.presenters_updated),
    ]


def _rows(figures: ReportFigures) -> Iterable[list[str]]:
    yield list(SESSION_COLUMNS)
    for s in figures.sessions:
        yield _session_row(s)
    yield []
    yield [DOS_SECTION]
    yield ["Month", "Do's saved"]
    for month, count in figures.dos_by_month:
        yield [month, str(count)]
    yield []
    yield [NUDGES_SECTION]
    yield ["Sent", "Answered before the next session"]
    yield [str(figures.nudges_sent), str(figures.nudges_answered)]
    yield []
    yield [WORDS_SECTION]
    yield ["Session", "Date", "Word"]
    for s in figures.sessions:
        for word in s.ratings.words:
            yield [str(s.number), s.held_on.isoformat(), word]
    yield []
    yield [ABOUT_SECTION]
    first = figures.sessions[0].held_on if figures.sessions else None
    made_on = figures.made_at.astimezone(zone_or(figures.timezone)).date()
    yield ["Set", figures.title]
    yield ["From", (figures.period_from or first or made_on).isoformat()]
    yield ["To", (figures.period_to or made_on).isoformat()]
    yield ["Time zone", figures.timezone]
    yield ["Made at", figures.made_at.isoformat(timespec="seconds")]


def to_csv(figures: ReportFigures) -> bytes:
    """The report as CSV bytes (UTF-8 with BOM, CRLF lines), naming nobody."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in _rows(figures.anonymous()):
        writer.writerow([csv_guard(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")

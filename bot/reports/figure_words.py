"""How a report's figures are said in words: "4.2", "4 Nov", "session 3 (4 Nov)".

The chart's labels, its alt text and the HTML tables all say a figure through these, so a
reader comparing the picture with the table finds the very same "4.2" in both.  Pure, and
free of matplotlib: the HTML report and the chat summary use it without loading a plotter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from bot.counts import counted
from bot.dates.zones import zone_or
from bot.reports.figures import OUTCOME_LABELS, OUTCOMES, ReportFigures, SessionFigures

NONE = "–"  # a figure that does not exist (no ratings: no mean), not a zero


def one_decimal(value: float | None) -> str:
    """Rounded half up, as people round by hand: 3.25 is "3.3" (not float formatting's 3.2)."""
    if value is None:
        return NONE
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def day_month(day: date, *, with_year: bool = False) -> str:
    return f"{day.day} {day:%b}" + (f" {day.year}" if with_year else "")


def long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def spans_years(sessions: Sequence[SessionFigures]) -> bool:
    """Whether the sessions' dates need their year to be told apart and placed."""
    return len({s.held_on.year for s in sessions}) > 1


def session_name(session: SessionFigures, *, with_year: bool = False) -> str:
    return f"session {session.number} ({day_month(session.held_on, with_year=with_year)})"


def counted_people(n: int) -> str:
    return counted(n, "person", "people")


def range_words(low: int | None, high: int | None) -> str:
    if low is None or high is None:
        return NONE
    return str(low) if low == high else f"{low}–{high}"


def rating_words(session: SessionFigures) -> str:
    """Like "4.2 from 6 ratings (spread 0.7, lowest to highest 3–5)", or "no ratings"."""
    r = session.ratings
    if r.count == 0 or r.mean is None:
        return "no ratings"
    extra = []
    if r.spread is not None:
        extra.append(f"spread {one_decimal(r.spread)}")
    if r.lowest is not None and r.highest is not None:
        extra.append(f"lowest to highest {range_words(r.lowest, r.highest)}")
    detail = f" ({', '.join(extra)})" if extra else ""
    return f"{one_decimal(r.mean)} from {counted(r.count, 'rating')}{detail}"


def outcome_words(session: SessionFigures) -> str:
    """Like "4 actions: 2 done, 1 partly, 1 no update" (an outcome with none is left out),
    or "no actions agreed"."""
    total = actions_total(session)
    if not total:
        return "no actions agreed"
    parts = (
        f"{n} {OUTCOME_LABELS[k].lower()}" for k in OUTCOMES if (n := session.outcomes.get(k, 0))
    )
    return f"{counted(total, 'action')}: {', '.join(parts)}"


def actions_total(session: SessionFigures) -> int:
    return sum(session.outcomes.get(k, 0) for k in OUTCOMES)


def period_words(figures: ReportFigures) -> str:
    """The range the report covers: what was asked for, else the sessions shown."""
    start = figures.period_from or (figures.sessions[0].held_on if figures.sessions else None)
    end = figures.period_to or (figures.sessions[-1].held_on if figures.sessions else None)
    if start is None:
        return f"up to {long_day(end)}" if end else "no sessions held yet"
    if end is None:
        return f"from {long_day(start)}"
    return long_day(start) if end == start else f"{long_day(start)} to {long_day(end)}"


def made_words(figures: ReportFigures) -> str:
    """When the report was made, in the set's time zone: "5 December 2026, 09:30 (Europe/London)"."""
    zone = zone_or(figures.timezone)
    local: datetime = figures.made_at.astimezone(zone)
    return f"{long_day(local.date())}, {local:%H:%M} ({zone.key})"


def month_words(month: str) -> str:
    """ "2026-11" -> "November 2026" (a month the report cannot read is shown as given)."""
    try:
        first = date(int(month[:4]), int(month[5:7]), 1)
    except ValueError:
        return month
    return f"{first:%B %Y}"

"""Report figures built by hand for the tests of the charts and the HTML report (the
figures computed from a database are `gather.py`'s tests' business)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.reports.figures import OUTCOMES, RatingFigures, ReportFigures, SessionFigures

MADE = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
NASTY = '<script>document.title="pwned"</script> & "$x^2$" café'


def outcomes(
    done: int = 0, partly: int = 0, not_yet: int = 0, dropped: int = 0, none: int = 0
) -> dict[str, int]:
    return dict(zip(OUTCOMES, (done, partly, not_yet, dropped, none), strict=True))


def session(
    number: int,
    held_on: date,
    *,
    attendance: int,
    ratings: RatingFigures,
    actions: dict[str, int],
    presenters: int = 2,
    updated: int = 1,
    attendees: tuple[str, ...] = (),
) -> SessionFigures:
    return SessionFigures(
        number=number,
        session_id=100 + number,
        held_on=held_on,
        attendance=attendance,
        presenters=presenters,
        ratings=ratings,
        outcomes=actions,
        presenters_updated=updated,
        attendees=attendees,
    )


NO_RATINGS = RatingFigures(count=0, mean=None, spread=None, lowest=None, highest=None)

SIX = (
    session(
        3,
        date(2026, 11, 4),
        attendance=7,
        ratings=RatingFigures(6, 4.1666, 0.6872, 3, 5, ("energising", "focused", "Energising")),
        actions=outcomes(done=2, partly=1, none=1),
        attendees=("slack:T1:U1", "slack:T1:U2"),
    ),
    session(
        4,
        date(2026, 11, 11),
        attendance=5,
        ratings=RatingFigures(4, 3.25, 1.0897, 2, 5, ("slow", NASTY)),
        actions=outcomes(not_yet=2, dropped=1),
        attendees=("slack:T1:U3",),
    ),
    session(
        5,
        date(2026, 11, 18),
        attendance=3,
        ratings=NO_RATINGS,
        actions=outcomes(),
        presenters=1,
        updated=0,
    ),
    session(
        6,
        date(2026, 11, 25),
        attendance=8,
        ratings=RatingFigures(8, 4.625, 0.4841, 4, 5, ("clear",)),
        actions=outcomes(done=3, partly=2, not_yet=1, dropped=1, none=2),
        presenters=3,
        updated=3,
    ),
    session(
        7,
        date(2026, 12, 2),
        attendance=6,
        ratings=RatingFigures(1, 5.0, 0.0, 5, 5, ()),
        actions=outcomes(done=1),
        updated=2,
    ),
    session(
        8,
        date(2026, 12, 3),
        attendance=4,
        ratings=RatingFigures(3, 2.0, 0.8165, 1, 3, ("tired", "rushed")),
        actions=outcomes(none=4),
        updated=0,
    ),
)


def report(
    sessions: tuple[SessionFigures, ...] = SIX,
    *,
    title: str = "North West Leaders",
    dos: tuple[tuple[str, int], ...] = (("2026-11", 4), ("2026-12", 1)),
    period: tuple[date | None, date | None] = (None, None),
) -> ReportFigures:
    return ReportFigures(
        title=title,
        timezone="Europe/London",
        made_at=MADE,
        period_from=period[0],
        period_to=period[1],
        sessions=sessions,
        dos_by_month=dos,
        nudges_sent=9,
        nudges_answered=6,
    )


FULL = report()
EMPTY = report((), dos=())
ALL_ZERO = report(
    tuple(s for s in SIX if s.number == 5)
    + (
        session(
            9, date(2026, 12, 9), attendance=2, ratings=NO_RATINGS, actions=outcomes(), updated=0
        ),
    )
)

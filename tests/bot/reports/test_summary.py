"""The report in chat (`command.summary`): the same figures in a few lines; names only in the
facilitator's own view."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.refs import UserRef
from bot.replies import Mention
from bot.reports.command import summary
from bot.reports.figures import OUTCOMES, RatingFigures, ReportFigures, SessionFigures

BOB = "slack:T1:U0BOB"
CAROL = "slack:T1:U0CAROL"


def session(
    number: int, day: date, *, came: int, ratings: RatingFigures, **outcomes: int
) -> SessionFigures:
    return SessionFigures(
        number=number,
        session_id=number * 10,
        held_on=day,
        attendance=came,
        presenters=2,
        ratings=ratings,
        outcomes={k: outcomes.get(k, 0) for k in OUTCOMES},
        presenters_updated=1,
        attendees=(BOB, CAROL)[:came],
    )


FIGURES = ReportFigures(
    title="Riverside carers",
    timezone="Europe/London",
    made_at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    period_from=None,
    period_to=None,
    sessions=(
        session(
            3,
            date(2026, 10, 6),
            came=2,
            ratings=RatingFigures(2, 4.5, 0.5, 4, 5, ("calm", "Calm")),
            done=2,
            no_update=1,
        ),
        session(
            4,
            date(2026, 11, 3),
            came=1,
            ratings=RatingFigures(0, None, None, None, None),
            partly=1,
            dropped=1,
        ),
    ),
    dos_by_month=(("2026-10", 2), ("2026-11", 0), ("2026-12", 1)),
    nudges_sent=3,
    nudges_answered=2,
)


def lines(named: bool) -> str:
    return "".join(
        f"@{p.user.id}" if isinstance(p, Mention) else p.text
        for p in summary(FIGURES, named=named).parts
    )


def test_the_summary_reads_every_figure() -> None:
    shown = lines(named=False)
    assert shown.startswith("Riverside carers: how the set is doing")
    assert "2 sessions (6 Oct 2026 – 3 Nov 2026)" in shown
    assert "Attendance: 2, 1 (mean 1.5)" in shown
    assert "Ratings (mean per session): 4.5, –; 2 ratings, overall 4.5/5" in shown
    assert "Words people gave: calm ×2" in shown
    assert "Actions agreed: 5 — 2 done, 1 partly, 1 dropped, 1 no update" in shown
    assert "Presenters who updated before the next session: 2 of 4" in shown
    assert "Do's saved: 3 (2026-10 2, 2026-12 1)" in shown
    assert "Nudges: 3 sent, 2 answered" in shown


def test_only_the_facilitators_view_names_people() -> None:
    assert "U0BOB" not in lines(named=False)
    named = lines(named=True)
    assert "At session 4 (only you see names): @U0BOB" in named
    assert [p.user for p in summary(FIGURES, named=True).parts if isinstance(p, Mention)] == [
        UserRef.from_key(BOB)
    ]


def test_a_set_with_no_sessions_says_so() -> None:
    shown = summary(replace(FIGURES, sessions=()), named=True)
    assert "No sessions held yet" in "".join(getattr(p, "text", "") for p in shown.parts)

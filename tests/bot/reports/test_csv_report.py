"""The funder's CSV: read back with the csv module, cell by cell; nobody named; formulas
kept as text."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.dos.export import csv_unguard
from bot.reports.csv_report import SESSION_COLUMNS, to_csv
from bot.reports.figures import RatingFigures, ReportFigures, SessionFigures

MADE = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
KEYS = ("slack:T1:UALICE", "slack:T1:UBOB", "discord:G1:42")


def outcomes(*counts: int) -> dict[str, int]:
    return dict(zip(("done", "partly", "not_yet", "dropped", "no_update"), counts, strict=True))


def figures(
    title: str = "Wednesday set", words: tuple[str, ...] = ("clear", "warm")
) -> ReportFigures:
    return ReportFigures(
        title=title,
        timezone="America/New_York",
        made_at=MADE,
        period_from=None,
        period_to=None,
        sessions=(
            SessionFigures(
                number=4,
                session_id=91,
                held_on=date(2026, 2, 17),
                attendance=0,
                presenters=0,
                ratings=RatingFigures(0, None, None, None, None),
                outcomes=outcomes(0, 0, 0, 0, 0),
                presenters_updated=0,
            ),
            SessionFigures(
                number=5,
                session_id=17,
                held_on=date(2026, 3, 3),
                attendance=3,
                presenters=2,
                ratings=RatingFigures(3, 11 / 3, 0.4714045207910317, 3, 4, words),
                outcomes=outcomes(1, 2, 0, 1, 3),
                presenters_updated=1,
                attendees=KEYS,
            ),
        ),
        dos_by_month=(("2026-02", 0), ("2026-03", 4)),
        nudges_sent=5,
        nudges_answered=2,
    )


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_one_row_per_session_then_the_sections() -> None:
    got = rows(to_csv(figures()))
    assert got == [
        list(SESSION_COLUMNS),
        ["4", "2026-02-17", "0", "0", "0", "", "", "", "", "0", "0", "0", "0", "0", "0"],
        ["5", "2026-03-03", "3", "2", "3", "3.7", "0.47", "3", "4", "1", "2", "0", "1", "3", "1"],
        [],
        ["Do's saved per month"],
        ["Month", "Do's saved"],
        ["2026-02", "0"],
        ["2026-03", "4"],
        [],
        ["Nudges"],
        ["Sent", "Answered before the next session"],
        ["5", "2"],
        [],
        ["Words people gave"],
        ["Session", "Date", "Word"],
        ["5", "2026-03-03", "clear"],
        ["5", "2026-03-03", "warm"],
        [],
        ["About this report"],
        ["Set", "Wednesday set"],
        ["From", "2026-02-17"],
        ["To", "2026-04-14"],
        ["Time zone", "America/New_York"],
        ["Made at", "2026-04-14T15:00:00+00:00"],
    ]
    assert SESSION_COLUMNS[9:14] == ("Done", "Partly", "Not yet", "Dropped", "No update")


def test_a_range_asked_for_is_the_period_shown() -> None:
    from_to = replace(figures(), period_from=date(2026, 2, 1), period_to=date(2026, 3, 31))
    got = rows(to_csv(from_to))
    assert ["From", "2026-02-01"] in got and ["To", "2026-03-31"] in got


def test_no_one_is_named() -> None:
    data = to_csv(figures())
    text = data.decode("utf-8-sig")
    for key in KEYS:
        assert key not in text
    assert "slack:" not in text and "discord:" not in text and "UALICE" not in text


def test_formulas_stay_text_and_accents_survive() -> None:
    evil = ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", 'café, "quoted"\nline')
    got = rows(to_csv(figures(title="=cmd|' /C calc'!A0 Café", words=evil)))
    words = [r[2] for r in got if len(r) == 3 and r[0] == "5"]
    assert words == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        'café, "quoted"\nline',
    ]
    assert [csv_unguard(w) for w in words] == list(evil)
    assert ["Set", "'=cmd|' /C calc'!A0 Café"] in got
    # Nothing left that a spreadsheet would run.
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in got for cell in row)


def test_no_sessions_still_makes_a_file() -> None:
    empty = ReportFigures("New", "UTC", MADE, None, None, (), (), 0, 0)
    got = rows(to_csv(empty))
    assert got[0] == list(SESSION_COLUMNS) and got[1] == []
    assert ["From", "2026-04-14"] in got and ["Sent", "Answered before the next session"] in got

"""The report's figures from a seeded history, checked exactly, on SQLite and PostgreSQL.

The set (in New York) has seven closed sessions and one running.  Its rows were inserted
out of order, so ids do not follow the sessions' starts; the fifth session began at 21:00
local on 3 March, already 4 March in UTC.  A second set shares the people and the dates,
and none of its rows may count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dos.common import REMOVED, SAVED
from bot.reports.figures import RatingFigures, ReportFigures, SessionFigures
from bot.reports.gather import report_figures
from bot.store.db import Store, open_store
from bot.store.models import (
    Action,
    Attendance,
    Do,
    Evaluation,
    OutcomeUpdate,
    Round,
    Session,
    Set,
    Timer,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
NO_RATINGS = RatingFigures(0, None, None, None, None)


def at(moment: str) -> datetime:
    """A UTC moment: "2026-01-20 15:00"."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def k(name: str) -> str:
    return f"slack:T1:U{name}"


def outcomes(
    done: int = 0, partly: int = 0, not_yet: int = 0, dropped: int = 0, no_update: int = 0
) -> dict[str, int]:
    return {
        "done": done,
        "partly": partly,
        "not_yet": not_yet,
        "dropped": dropped,
        "no_update": no_update,
    }


async def add(conn: AsyncConnection, model: Any, **values: Any) -> int:
    table = model.__table__
    return int((await conn.execute(insert(table).returning(table.c.id), values)).scalar_one())


@dataclass
class History:
    store: Store
    set_id: int = 0
    other_set: int = 0
    ids: dict[str, int] = field(default_factory=dict)  # "S1" → its session id


async def session(
    conn: AsyncConnection, set_id: int, started: str, closed: str | None, status: str = "closed"
) -> int:
    return await add(
        conn,
        Session,
        set_id=set_id,
        status=status,
        state="{}",
        started_at=at(started),
        closed_at=at(closed) if closed else None,
        version=0,
        scratch={},
    )


async def seed(conn: AsyncConnection, h: History) -> None:
    h.set_id = await add(
        conn,
        Set,
        workspace_key="slack:T1",
        channel_key="slack:T1:Cals",
        timezone="America/New_York",
        settings={},
        created_at=at("2026-01-01 00:00"),
    )
    h.other_set = await add(
        conn,
        Set,
        workspace_key="slack:T1",
        channel_key="slack:T1:Cother",
        timezone="America/New_York",
        settings={},
        created_at=at("2026-01-01 00:00"),
    )
    a = h.set_id
    # Out of order on purpose: numbers and ranges follow the starts, not the ids.
    h.ids["S3"] = await session(conn, a, "2026-02-17 15:00", "2026-02-17 17:00")
    h.ids["S0"] = await session(conn, a, "2026-01-06 15:00", "2026-01-06 17:00")
    h.ids["S6"] = await session(conn, a, "2026-03-31 14:00", "2026-03-31 16:00")
    h.ids["S1"] = await session(conn, a, "2026-01-20 15:00", "2026-01-20 17:00")
    h.ids["S5"] = await session(conn, a, "2026-03-17 14:00", "2026-03-17 16:00")
    h.ids["S2"] = await session(conn, a, "2026-02-03 15:00", "2026-02-03 17:00")
    h.ids["S4"] = await session(conn, a, "2026-03-04 02:00", "2026-03-04 03:30")  # 3 March, NY
    h.ids["live"] = await session(conn, a, "2026-04-14 14:00", None, status="active")
    h.ids["B"] = await session(conn, h.other_set, "2026-02-03 16:00", "2026-02-03 18:00")
    s = h.ids

    # Attendance.  S3 had nobody recorded; the running session and set B must not show.
    for name, people in {
        "S0": "alice bob",
        "S1": "carol alice bob",
        "S2": "dave alice carol bob",
        "S4": "erin bob",
        "S5": "erin carol dave alice",
        "S6": "bob alice erin dave carol",
        "live": "alice bob carol",
        "B": "alice bob carol dave erin zoe",
    }.items():
        for person in people.split():
            await add(
                conn,
                Attendance,
                session_id=s[name],
                user_key=k(person),
                how="spoke",
                first_at=at("2026-01-01 00:00"),
            )

    # Presenters (a round without one does not count).
    for name, people in {
        "S0": ["alice"],
        "S1": ["bob", "carol", None],
        "S2": ["dave"],
        "S4": ["erin", "bob"],
        "S5": ["carol", "alice"],
        "S6": ["bob"],
        "live": ["dave"],
        "B": ["bob", "carol"],
    }.items():
        for position, person in enumerate(people):
            await add(
                conn,
                Round,
                session_id=s[name],
                presenter_key=k(person) if person else None,
                position=position,
                started_at=None,
            )

    # Ratings (who, rating, word, when): words come back in the order given, not inserted.
    for name, given in {
        "S0": [("bob", 2, "meh", "2026-01-06 16:55")],
        "S1": [
            ("carol", 4, "useful", "2026-01-20 16:59"),
            ("bob", 2, "slow", "2026-01-20 16:58"),
        ],
        "S2": [("dave", 5, None, "2026-02-03 16:50"), ("erin", 5, "  ", "2026-02-03 16:51")],
        "S4": [("erin", 3, "stuck", "2026-03-04 03:20")],
        "S5": [
            ("alice", 1, "confusing", "2026-03-17 15:50"),
            ("carol", 5, "", "2026-03-17 15:51"),
            ("dave", 5, "great", "2026-03-17 15:52"),
            ("erin", 1, None, "2026-03-17 15:53"),
        ],
        "S6": [("bob", 5, "warm", "2026-03-31 15:56"), ("alice", 4, "clear", "2026-03-31 15:55")],
        "live": [("bob", 1, "no", "2026-04-14 14:30")],
        "B": [("alice", 1, "other", "2026-02-03 17:50")],
    }.items():
        for person, rating, word, when in given:
            await add(
                conn,
                Evaluation,
                session_id=s[name],
                user_key=k(person),
                rating=rating,
                word=word,
                created_at=at(when),
            )

    # Actions (session, owner, status, last changed).
    for name, owner, status, updated in [
        ("S0", "alice", "done", "2026-01-10 12:00"),
        ("S1", "bob", "done", "2026-01-25 12:00"),  # bob: updated (a status in the window)
        ("S1", "carol", "open", "2026-01-20 16:30"),
        ("S2", "dave", "partly", "2026-02-10 12:00"),
        ("S2", "dave", "not_yet", "2026-02-11 12:00"),
        ("S4", "erin", "dropped", "2026-03-10 12:00"),  # erin: updated; answers nudge N4
        ("S4", "erin", "open", "2026-03-04 03:10"),
        ("S4", "bob", "done", "2026-03-04 03:00"),  # given during the session: not after it
        ("S5", "carol", "done", "2026-03-20 12:00"),
        ("S5", "carol", "partly", "2026-03-31 14:30"),  # after the next session began
        ("S5", "alice", "open", "2026-03-17 15:40"),
        ("S6", "bob", "not_yet", "2026-04-14 14:30"),  # after the running session began
        ("S6", "bob", "open", "2026-04-08 12:00"),  # its words edited: not a status
        ("live", "dave", "open", "2026-04-14 14:40"),
        ("B", "carol", "done", "2026-02-05 12:00"),  # carol's status in set B never counts
    ]:
        await add(
            conn,
            Action,
            set_id=h.other_set if name == "B" else a,
            session_id=s[name],
            owner_key=k(owner),
            text="something",
            due=None,
            status=status,
            created_at=at("2026-01-01 00:00"),
            updated_at=at(updated),
        )
    # An action with no session counts for no session's outcomes.
    await add(
        conn,
        Action,
        set_id=a,
        session_id=None,
        owner_key=k("zoe"),
        text="loose",
        due=None,
        status="done",
        created_at=at("2026-02-01 00:00"),
        updated_at=at("2026-02-01 00:00"),
    )

    # Outcome updates (set, who, when).
    for set_id, person, when in [
        (a, "carol", "2026-02-03 15:30"),  # after S2 began: too late for S1, and for N1
        (a, "dave", "2026-02-10 09:00"),  # dave: updated after S2; answers nudge N2
        (a, "alice", "2026-03-31 13:59"),  # alice: just before S6 began
        (h.other_set, "bob", "2026-03-05 12:00"),  # set B: neither S4's bob nor nudge N10
        (h.other_set, "bob", "2026-04-08 12:00"),  # set B: nor nudge N5
    ]:
        await add(
            conn,
            OutcomeUpdate,
            set_id=set_id,
            user_key=k(person),
            session_id=None,
            text="an update",
            created_at=at(when),
        )

    # Do's (set, status, created).
    for set_id, status, when in [
        (a, SAVED, "2026-01-02 12:00"),  # before the first session shown
        (a, SAVED, "2026-01-25 12:00"),
        (a, SAVED, "2026-02-01 04:00"),  # 31 January, 23:00 in New York
        (a, SAVED, "2026-02-20 12:00"),
        (a, REMOVED, "2026-02-21 12:00"),
        (a, SAVED, "2026-03-04 04:30"),  # 3 March, 23:30 in New York
        (a, SAVED, "2026-03-10 12:00"),
        (a, SAVED, "2026-04-14 14:59"),
        (h.other_set, SAVED, "2026-02-22 12:00"),
    ]:
        await add(
            conn,
            Do,
            set_id=set_id,
            text="a do",
            norm_text="a do",
            author_key=k("alice"),
            saved_by=[],
            tags=[],
            status=status,
            created_at=at(when),
            featured_at=None,
        )

    # Nudge timers (kind, set, person, done, note).
    for n, (kind, set_id, person, done, note) in enumerate(
        [
            ("nudge", a, "bob", "2026-01-10 14:00", "sent: 1 action"),  # N6: before the period
            ("nudge", a, "carol", "2026-01-27 14:00", "sent: 1 action"),  # N1: not answered
            ("nudge", a, "dave", "2026-02-09 14:00", "sent: 2 actions"),  # N2: answered
            ("nudge", a, "erin", "2026-03-08 14:00", "skipped: already updated"),  # N3
            ("nudge", a, "erin", "2026-03-09 14:00", "sent: 1 action"),  # N4: answered
            ("nudge", a, "bob", "2026-03-04 04:00", "sent: 1 action"),  # N10: 3 March in NY
            ("nudge", a, "bob", "2026-04-07 14:00", "sent: 1 action"),  # N5: not answered
            ("reminder", a, "dave", "2026-02-12 14:00", "sent: reminder"),  # N7
            ("nudge", h.other_set, "carol", "2026-02-04 14:00", "sent: 1 action"),  # N8
            ("nudge", a, "dave", None, None),  # N9: not yet due
        ]
    ):
        await add(
            conn,
            Timer,
            kind=kind,
            due_at=at(done or "2026-04-20 14:00"),
            status="done" if done else "pending",
            subject=k(person),
            payload={"set": set_id, "user": k(person)},
            dedupe=f"plan:{set_id}:{kind}:{k(person)}:{n}",  # as planning keys them
            done_at=at(done) if done else None,
            note=note,
        )


@pytest_asyncio.fixture
async def history(any_db_url: str) -> AsyncIterator[History]:
    store = await open_store(any_db_url)
    h = History(store)
    try:
        async with store.write() as conn:
            await seed(conn, h)
        yield h
    finally:
        await store.close()


async def figures(h: History, **period: date | None) -> ReportFigures:
    async with h.store.read() as conn:
        return await report_figures(
            conn, set_id=h.set_id, title="Wednesday set", tz=NY, now=NOW, **period
        )


def people(names: str) -> tuple[str, ...]:
    return tuple(sorted(k(n) for n in names.split()))


def expected_sessions(h: History) -> dict[str, SessionFigures]:
    s = h.ids
    return {
        "S0": SessionFigures(
            number=1,
            session_id=s["S0"],
            held_on=date(2026, 1, 6),
            attendance=2,
            presenters=1,
            ratings=RatingFigures(1, 2.0, 0.0, 2, 2, ("meh",)),
            outcomes=outcomes(done=1),
            presenters_updated=1,
            attendees=people("alice bob"),
        ),
        "S1": SessionFigures(
            number=2,
            session_id=s["S1"],
            held_on=date(2026, 1, 20),
            attendance=3,
            presenters=2,
            ratings=RatingFigures(2, 3.0, 1.0, 2, 4, ("slow", "useful")),
            outcomes=outcomes(done=1, no_update=1),
            presenters_updated=1,
            attendees=people("alice bob carol"),
        ),
        "S2": SessionFigures(
            number=3,
            session_id=s["S2"],
            held_on=date(2026, 2, 3),
            attendance=4,
            presenters=1,
            ratings=RatingFigures(2, 5.0, 0.0, 5, 5, ()),
            outcomes=outcomes(partly=1, not_yet=1),
            presenters_updated=1,
            attendees=people("alice bob carol dave"),
        ),
        "S3": SessionFigures(
            number=4,
            session_id=s["S3"],
            held_on=date(2026, 2, 17),
            attendance=0,
            presenters=0,
            ratings=NO_RATINGS,
            outcomes=outcomes(),
            presenters_updated=0,
            attendees=(),
        ),
        "S4": SessionFigures(
            number=5,
            session_id=s["S4"],
            held_on=date(2026, 3, 3),
            attendance=2,
            presenters=2,
            ratings=RatingFigures(1, 3.0, 0.0, 3, 3, ("stuck",)),
            outcomes=outcomes(done=1, dropped=1, no_update=1),
            presenters_updated=1,
            attendees=people("bob erin"),
        ),
        "S5": SessionFigures(
            number=6,
            session_id=s["S5"],
            held_on=date(2026, 3, 17),
            attendance=4,
            presenters=2,
            ratings=RatingFigures(4, 3.0, 2.0, 1, 5, ("confusing", "great")),
            outcomes=outcomes(done=1, partly=1, no_update=1),
            presenters_updated=2,
            attendees=people("alice carol dave erin"),
        ),
        "S6": SessionFigures(
            number=7,
            session_id=s["S6"],
            held_on=date(2026, 3, 31),
            attendance=5,
            presenters=1,
            ratings=RatingFigures(2, 4.5, 0.5, 4, 5, ("clear", "warm")),
            outcomes=outcomes(not_yet=1, no_update=1),
            presenters_updated=0,
            attendees=people("alice bob carol dave erin"),
        ),
    }


@pytest.mark.asyncio
async def test_the_last_six_sessions_by_default(history: History) -> None:
    got = await figures(history)
    by = expected_sessions(history)
    assert got == ReportFigures(
        title="Wednesday set",
        timezone="America/New_York",
        made_at=NOW,
        period_from=None,
        period_to=None,
        sessions=tuple(by[n] for n in ("S1", "S2", "S3", "S4", "S5", "S6")),
        dos_by_month=(("2026-01", 2), ("2026-02", 1), ("2026-03", 2), ("2026-04", 1)),
        nudges_sent=5,
        nudges_answered=2,
    )


@pytest.mark.asyncio
async def test_a_range_takes_local_days_and_keeps_the_numbers(history: History) -> None:
    # 3 March in New York includes the session that began at 02:00 UTC on 4 March.
    got = await figures(history, since=date(2026, 2, 1), until=date(2026, 3, 3))
    by = expected_sessions(history)
    assert got == ReportFigures(
        title="Wednesday set",
        timezone="America/New_York",
        made_at=NOW,
        period_from=date(2026, 2, 1),
        period_to=date(2026, 3, 3),
        sessions=(by["S2"], by["S3"], by["S4"]),
        dos_by_month=(("2026-02", 1), ("2026-03", 1)),
        nudges_sent=2,  # N2 (answered) and N10 (3 March, 23:00 local; bob answered elsewhere)
        nudges_answered=1,
    )


@pytest.mark.asyncio
async def test_open_ended_ranges(history: History) -> None:
    since = await figures(history, since=date(2026, 3, 4))
    assert [(s.number, s.held_on) for s in since.sessions] == [
        (6, date(2026, 3, 17)),
        (7, date(2026, 3, 31)),
    ]
    assert since.dos_by_month == (("2026-03", 1), ("2026-04", 1))
    assert (since.nudges_sent, since.nudges_answered) == (2, 1)  # N4 (answered), N5

    until = await figures(history, until=date(2026, 1, 31))
    by = expected_sessions(history)
    assert until.sessions == (by["S0"], by["S1"])
    # From the first session shown (6 January) to the end of 31 January in New York.
    assert until.dos_by_month == (("2026-01", 2),)
    assert (until.nudges_sent, until.nudges_answered) == (2, 0)  # N6, N1


@pytest.mark.asyncio
async def test_a_range_with_no_sessions(history: History) -> None:
    got = await figures(history, since=date(2026, 4, 1), until=date(2026, 4, 30))
    assert got.sessions == ()
    assert got.dos_by_month == (("2026-04", 1),)
    assert (got.nudges_sent, got.nudges_answered) == (1, 0)  # N5


@pytest.mark.asyncio
async def test_a_set_with_no_history(history: History) -> None:
    async with history.store.write() as conn:
        empty = await add(
            conn,
            Set,
            workspace_key="slack:T1",
            channel_key="slack:T1:Cempty",
            timezone="UTC",
            settings={},
            created_at=at("2026-01-01 00:00"),
        )
    async with history.store.read() as conn:
        got = await report_figures(conn, set_id=empty, title="New", tz=ZoneInfo("UTC"), now=NOW)
    assert got == ReportFigures("New", "UTC", NOW, None, None, (), (), 0, 0)


@pytest.mark.asyncio
async def test_the_other_set_sees_only_its_own(history: History) -> None:
    async with history.store.read() as conn:
        got = await report_figures(conn, set_id=history.other_set, title="B", tz=NY, now=NOW)
    assert got == ReportFigures(
        title="B",
        timezone="America/New_York",
        made_at=NOW,
        period_from=None,
        period_to=None,
        sessions=(
            SessionFigures(
                number=1,
                session_id=history.ids["B"],
                held_on=date(2026, 2, 3),
                attendance=6,
                presenters=2,
                ratings=RatingFigures(1, 1.0, 0.0, 1, 1, ("other",)),
                outcomes=outcomes(done=1),
                presenters_updated=2,  # no later session in set B: up to now, both answered
                attendees=people("alice bob carol dave erin zoe"),
            ),
        ),
        dos_by_month=(("2026-02", 1), ("2026-03", 0), ("2026-04", 0)),
        nudges_sent=1,
        nudges_answered=1,  # N8: carol gave a status in set B
    )


@pytest.mark.asyncio
async def test_anonymous_names_nobody(history: History) -> None:
    got = (await figures(history)).anonymous()
    assert all(s.attendees == () for s in got.sessions)
    assert [s.attendance for s in got.sessions] == [3, 4, 0, 2, 4, 5]


@pytest.mark.asyncio
async def test_the_queries_do_not_grow_with_the_sessions(history: History) -> None:
    selects: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        await figures(history)  # six sessions
        six = len(selects)
        selects.clear()
        await figures(history, since=date(2026, 2, 17), until=date(2026, 2, 17))  # one
        one = len(selects)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    # Sessions, attendance, presenters, ratings, outcomes, updates, statuses, do's, nudges.
    assert six == one == 9

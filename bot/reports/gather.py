"""The set's report figures, read in a handful of grouped queries (one per kind of figure,
never one per session), so a report over years of sessions costs the same few round trips.

What each figure means — kept exactly, because the chat summary, the charts, the CSV, the
HTML page and `docs/REPORTS.md` all describe these numbers:

- **Sessions shown**: the set's closed sessions.  With no `since`/`until`, the last
  `DEFAULT_SESSIONS` by start; otherwise those whose start, as a date in the set's time zone,
  lies within `[since, until]` (both inclusive, either may be open).  Oldest first.  A
  session's `number` is its place among *all* the set's closed sessions ever (1 = the first),
  so it stays the same whatever range is asked for; `held_on` is its local start date.
  An active session is never shown.
- **Attendance**: distinct people recorded in `attendance` for the session; `attendees`
  their user keys, sorted (the facilitator's view only: see `ReportFigures.anonymous`).
- **Presenters**: the session's rounds with a presenter.
- **Ratings**: the session's evaluations: count, mean, spread (the population standard
  deviation, 0.0 for a single rating, None with none), lowest, highest, and the non-blank
  words in the order they were given.
- **Outcomes**: actions agreed at the session (`actions.session_id`), counted by status;
  `open` counts as "no update"; every key of `OUTCOMES` is present.
- **Presenters updated**: the session's presenters who, after it closed and before the
  set's next session (closed or active) started — or up to `now` when there is none —
  gave an outcome update in this set, or gave a status (other than open) to an action of
  theirs from that session.
- **The period**: from the start of `since`'s day (or, without `since`, the first shown
  session's start) to the end of `until`'s day (or, without `until`, up to `now`), in the
  set's time zone.
- **Do's saved per month**: the set's do's whose status is saved and whose `created_at` is
  within the period, by calendar month in the set's time zone; every month from the
  period's first to `until`'s (or `now`'s), zeros included.  The first and last months
  count only their days within the period, so every do counted was saved in the range.
- **Nudges**: the set's nudge timers (their planned key: `plan:<set>:nudge:…`) done within the period whose
  note says they were sent (`sent: …`; skipped ones read `skipped: …`).  One is *answered*
  when its person (the timer's subject) gave an outcome update in this set, or a status
  other than open to one of their actions in this set, after it was sent and before the
  set's next session started (or up to `now`).
- With no session shown and no `since`, the period is empty: no months, no nudges.

"After" and "before" are strict; "up to now" includes `now`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.dates.local_times import at_local
from bot.dos.common import SAVED
from bot.followup.planning import NUDGE, planned
from bot.reports.figures import (
    DEFAULT_SESSIONS,
    OUTCOMES,
    RatingFigures,
    ReportFigures,
    SessionFigures,
)
from bot.store.models import Action, Attendance, Do, Evaluation, OutcomeUpdate, Round, Timer
from bot.store.models import Session as SessionRow

SESSIONS = SessionRow.__table__
ATTENDANCE = Attendance.__table__
ROUNDS = Round.__table__
EVALUATIONS = Evaluation.__table__
ACTIONS = Action.__table__
UPDATES = OutcomeUpdate.__table__
DOS = Do.__table__
TIMERS = Timer.__table__

SENT = "sent"  # how a nudge timer's note begins when the DM went (bot.followup.nudges)
_STATUS_OUTCOME = {"open": "no_update", **{o: o for o in OUTCOMES if o != "no_update"}}


@dataclass(frozen=True, slots=True)
class _Held:
    id: int
    status: str
    started_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Answers:
    """When each person answered in this set since the period began: outcome updates by
    person, and statuses given by owner and by (owner, session)."""

    updates: Mapping[str, Sequence[datetime]]
    statuses: Mapping[str, Sequence[datetime]]
    statuses_by_session: Mapping[tuple[str, int], Sequence[datetime]]


async def report_figures(
    conn: AsyncConnection,
    *,
    set_id: int,
    title: str,
    tz: ZoneInfo,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
) -> ReportFigures:
    """The set's figures over `[since, until]` (default: its last six sessions), as of `now`."""
    held = await _sessions(conn, set_id)
    closed = [s for s in held if s.status == "closed"]
    numbers = {s.id: n for n, s in enumerate(closed, 1)}
    shown = _shown(closed, tz, since, until)
    ids = [s.id for s in shown]
    start = (
        at_local(since, time(0), tz)
        if since is not None
        else (shown[0].started_at if shown else None)
    )
    end = at_local(until + timedelta(days=1), time(0), tz) if until is not None else None

    attendees = await _attendees(conn, ids)
    presenters = await _presenters(conn, ids)
    ratings = await _ratings(conn, ids)
    outcomes = await _outcomes(conn, ids)
    answers = await _answers(conn, set_id, start)

    sessions: list[SessionFigures] = []
    for s in shown:
        lo = s.closed_at or s.started_at
        hi = _next_start(held, s)
        keys = presenters.get(s.id, ())
        updated = sum(
            1
            for p in keys
            if _any_within(answers.updates.get(p, ()), lo, hi, now)
            or _any_within(answers.statuses_by_session.get((p, s.id), ()), lo, hi, now)
        )
        people = attendees.get(s.id, ())
        sessions.append(
            SessionFigures(
                number=numbers[s.id],
                session_id=s.id,
                held_on=s.started_at.astimezone(tz).date(),
                attendance=len(people),
                presenters=len(keys),
                ratings=ratings.get(s.id, RatingFigures(0, None, None, None, None)),
                outcomes=outcomes.get(s.id, dict.fromkeys(OUTCOMES, 0)),
                presenters_updated=updated,
                attendees=people,
            )
        )

    last_day = until if until is not None else now.astimezone(tz).date()
    months = await _dos_by_month(conn, set_id, tz, (start, end, now), last_day)
    sent, answered = await _nudges(conn, set_id, held, answers, start, end, now)
    return ReportFigures(
        title=title,
        timezone=tz.key,
        made_at=now,
        period_from=since,
        period_to=until,
        sessions=tuple(sessions),
        dos_by_month=months,
        nudges_sent=sent,
        nudges_answered=answered,
    )


# --------------------------------------------------------------------------- sessions


async def _sessions(conn: AsyncConnection, set_id: int) -> list[_Held]:
    """Every closed or active session of the set, in the order they started."""
    rows = await conn.execute(
        select(SESSIONS.c.id, SESSIONS.c.status, SESSIONS.c.started_at, SESSIONS.c.closed_at)
        .where(SESSIONS.c.set_id == set_id, SESSIONS.c.status.in_(("closed", "active")))
        .order_by(SESSIONS.c.started_at, SESSIONS.c.id)
    )
    return [_Held(r.id, r.status, r.started_at, r.closed_at) for r in rows]


def _shown(
    closed: Sequence[_Held], tz: ZoneInfo, since: date | None, until: date | None
) -> list[_Held]:
    if since is None and until is None:
        return list(closed[-DEFAULT_SESSIONS:])
    return [
        s
        for s in closed
        if (since is None or s.started_at.astimezone(tz).date() >= since)
        and (until is None or s.started_at.astimezone(tz).date() <= until)
    ]


def _next_start(held: Sequence[_Held], after: _Held | datetime) -> datetime | None:
    """When the set's next session (closed or active) started: after session `after`, or
    after the moment `after`; None when none has."""
    if isinstance(after, _Held):
        later = [s.started_at for s in held if (s.started_at, s.id) > (after.started_at, after.id)]
    else:
        later = [s.started_at for s in held if s.started_at > after]
    return min(later, default=None)


def _any_within(
    moments: Iterable[datetime], lo: datetime, hi: datetime | None, now: datetime
) -> bool:
    """Is one of `moments` after `lo` and before `hi` (up to `now` when there is no `hi`)?"""
    return any(lo < t and (t < hi if hi is not None else t <= now) for t in moments)


# --------------------------------------------------------------------------- per session


async def _attendees(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    rows = await conn.execute(  # one row per person and session (a unique constraint)
        select(ATTENDANCE.c.session_id, ATTENDANCE.c.user_key)
        .where(ATTENDANCE.c.session_id.in_(ids))
        .order_by(ATTENDANCE.c.session_id, ATTENDANCE.c.user_key)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        found[r.session_id].append(r.user_key)
    return {sid: tuple(keys) for sid, keys in found.items()}


async def _presenters(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    rows = await conn.execute(
        select(ROUNDS.c.session_id, ROUNDS.c.presenter_key).where(
            ROUNDS.c.session_id.in_(ids), ROUNDS.c.presenter_key.is_not(None)
        )
    )
    found: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        found[r.session_id].append(r.presenter_key)
    return {sid: tuple(keys) for sid, keys in found.items()}


async def _ratings(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, RatingFigures]:
    if not ids:
        return {}
    rows = await conn.execute(
        select(EVALUATIONS.c.session_id, EVALUATIONS.c.rating, EVALUATIONS.c.word)
        .where(EVALUATIONS.c.session_id.in_(ids))
        .order_by(EVALUATIONS.c.created_at, EVALUATIONS.c.id)
    )
    given: dict[int, list[int]] = defaultdict(list)
    words: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        given[r.session_id].append(int(r.rating))
        if r.word is not None and r.word.strip():
            words[r.session_id].append(r.word)
    return {
        sid: RatingFigures(
            count=len(values),
            mean=statistics.fmean(values),
            spread=statistics.pstdev(values),
            lowest=min(values),
            highest=max(values),
            words=tuple(words.get(sid, ())),
        )
        for sid, values in given.items()
    }


async def _outcomes(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    if not ids:
        return {}
    rows = await conn.execute(
        select(ACTIONS.c.session_id, ACTIONS.c.status, func.count())
        .where(ACTIONS.c.session_id.in_(ids))
        .group_by(ACTIONS.c.session_id, ACTIONS.c.status)
    )
    found: dict[int, dict[str, int]] = {}
    for sid, status, count in rows:
        outcome = _STATUS_OUTCOME.get(status)
        if outcome is not None:
            counts = found.setdefault(sid, dict.fromkeys(OUTCOMES, 0))
            counts[outcome] += int(count)
    return found


async def _answers(conn: AsyncConnection, set_id: int, start: datetime | None) -> _Answers:
    """Outcome updates and statuses given in this set after `start` (none without one)."""
    updates: dict[str, list[datetime]] = defaultdict(list)
    statuses: dict[str, list[datetime]] = defaultdict(list)
    by_session: dict[tuple[str, int], list[datetime]] = defaultdict(list)
    if start is None:
        return _Answers(updates, statuses, by_session)
    for r in await conn.execute(
        select(UPDATES.c.user_key, UPDATES.c.created_at).where(
            UPDATES.c.set_id == set_id, UPDATES.c.created_at > start
        )
    ):
        updates[r.user_key].append(r.created_at)
    for a in await conn.execute(
        select(ACTIONS.c.owner_key, ACTIONS.c.session_id, ACTIONS.c.updated_at).where(
            ACTIONS.c.set_id == set_id,
            ACTIONS.c.status != "open",
            ACTIONS.c.owner_key.is_not(None),
            ACTIONS.c.updated_at > start,
        )
    ):
        statuses[a.owner_key].append(a.updated_at)
        if a.session_id is not None:
            by_session[(a.owner_key, a.session_id)].append(a.updated_at)
    return _Answers(updates, statuses, by_session)


# --------------------------------------------------------------------------- the period


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


async def _dos_by_month(
    conn: AsyncConnection,
    set_id: int,
    tz: ZoneInfo,
    period: tuple[datetime | None, datetime | None, datetime],
    last_day: date,
) -> tuple[tuple[str, int], ...]:
    start, end, now = period
    if start is None:
        return ()
    first, last = _month(start.astimezone(tz).date()), _month(last_day)
    months: dict[str, int] = {}
    month = first
    while month <= last:
        months[month.strftime("%Y-%m")] = 0
        month = _next_month(month)
    if not months:
        return ()
    rows = await conn.execute(
        select(DOS.c.created_at).where(
            DOS.c.set_id == set_id,
            DOS.c.status == SAVED,
            DOS.c.created_at >= start,
            DOS.c.created_at < end if end is not None else DOS.c.created_at <= now,
        )
    )
    for (created_at,) in rows:
        key = created_at.astimezone(tz).strftime("%Y-%m")
        if key in months:
            months[key] += 1
    return tuple(months.items())


async def _nudges(
    conn: AsyncConnection,
    set_id: int,
    held: Sequence[_Held],
    answers: _Answers,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> tuple[int, int]:
    """(sent, answered) for the set's nudges done in `[start, end)` (or up to `now`)."""
    if start is None:
        return 0, 0
    query = select(TIMERS.c.subject, TIMERS.c.done_at).where(
        # The set's own nudges, by the key planning gives them (a prefix of a unique index),
        # not every set's read and sorted here.
        TIMERS.c.dedupe.startswith(planned(set_id, NUDGE), autoescape=True),
        TIMERS.c.kind == NUDGE,
        TIMERS.c.done_at >= start,
        TIMERS.c.done_at < end if end is not None else TIMERS.c.done_at <= now,
        TIMERS.c.note.startswith(SENT, autoescape=True),
    )
    sent = answered = 0
    for r in await conn.execute(query):
        sent += 1
        hi = _next_start(held, r.done_at)
        if _any_within(answers.updates.get(r.subject, ()), r.done_at, hi, now) or _any_within(
            answers.statuses.get(r.subject, ()), r.done_at, hi, now
        ):
            answered += 1
    return sent, answered

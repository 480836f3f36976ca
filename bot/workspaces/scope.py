"""What belongs to a workspace: its sets, the rows hanging off them, its people's rows, and
the timers about any of them.

Timers name their subject each in their own way (`timers.subject`): a person's key, a set
as `set:<id>`, a bare set, session or do-source id, a proposal as `match:<id>`. A bare
number means nothing without its kind, so `TIMER_SUBJECTS` says, for every kind the
router knows, what its subject is; a test fails when a new kind is registered without an
entry here, so a departure can never leave one of its timers running.

Everything is found by subqueries on `sets.workspace_key` or by a key prefix
(`slack:T1:`): one statement per table however large the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, literal, or_, select

from bot.dos import consent, weekly
from bot.followup import planning
from bot.network import item_expiry, match_outcomes, pair_checks, prompt_plan
from bot.store.models import DoSource, MatchProposal, Session, Timer
from bot.store.models import Set as SetRow

TIMERS = Timer.__table__
SETS = SetRow.__table__
SESSIONS = Session.__table__
SOURCES = DoSource.__table__
PROPOSALS = MatchProposal.__table__

PURGE = "workspace_purge"  # this package's own timer: the subject is the workspace key
PHASE = "phase"  # a round's deadline (`bot.rounds.control`): the subject is the session id

PERSON, SET, SET_ID, SESSION_ID, SOURCE_ID, PROPOSAL, WORKSPACE = (
    "person",
    "set:<id>",
    "set id",
    "session id",
    "do source id",
    "match:<id>",
    "workspace",
)
TIMER_SUBJECTS: dict[str, str] = {
    planning.NUDGE: PERSON,
    planning.REMINDER: SET,
    planning.DIGEST: SET,
    planning.ROLL: SET,
    prompt_plan.KIND: SET,
    pair_checks.PAIRS: SET,
    pair_checks.PAIR_CHECK: SET,
    item_expiry.REMINDER: PERSON,
    item_expiry.EXPIRY: PERSON,
    match_outcomes.CHECK: PROPOSAL,
    match_outcomes.LAPSE: PROPOSAL,
    match_outcomes.TELL: PROPOSAL,
    weekly.KIND: SET_ID,
    consent.KIND: SOURCE_ID,
    PHASE: SESSION_ID,
    PURGE: WORKSPACE,
}


def kinds(form: str) -> list[str]:
    return sorted(kind for kind, named in TIMER_SUBJECTS.items() if named == form)


def inside(workspace_key: str) -> str:
    """How every key within the workspace begins: its people, channels and messages."""
    return workspace_key + ":"


def set_ids(workspace_key: str) -> Any:
    return select(SETS.c.id).where(SETS.c.workspace_key == workspace_key)


def _text(column: Any) -> Any:
    return cast(column, String)


def set_timers(ids: Any) -> ColumnElement[bool]:
    """Timers about these sets (`ids`: a list, or a subquery of set ids), or about their
    sessions, do sources and proposals."""
    sessions = select(_text(SESSIONS.c.id)).where(SESSIONS.c.set_id.in_(ids))
    sources = select(_text(SOURCES.c.id)).where(SOURCES.c.set_id.in_(ids))
    proposals = select(literal("match:", String) + _text(PROPOSALS.c.id)).where(
        PROPOSALS.c.set_id.in_(ids)
    )
    if isinstance(ids, Sequence):
        named = [f"set:{i}" for i in ids], [str(i) for i in ids]
    else:
        named = (  # type: ignore[assignment]
            select(literal("set:", String) + _text(SETS.c.id)).where(SETS.c.id.in_(ids)),
            select(_text(SETS.c.id)).where(SETS.c.id.in_(ids)),
        )
    subject, kind = TIMERS.c.subject, TIMERS.c.kind
    return or_(
        and_(kind.in_(kinds(SET)), subject.in_(named[0])),
        and_(kind.in_(kinds(SET_ID)), subject.in_(named[1])),
        and_(kind.in_(kinds(SESSION_ID)), subject.in_(sessions)),
        and_(kind.in_(kinds(SOURCE_ID)), subject.in_(sources)),
        and_(kind.in_(kinds(PROPOSAL)), subject.in_(proposals)),
    )


def people_timers(workspace_key: str) -> ColumnElement[bool]:
    """Timers about the workspace's people (any kind: a key says whose it is)."""
    return TIMERS.c.subject.startswith(inside(workspace_key), autoescape=True)


def work_timers(workspace_key: str) -> ColumnElement[bool]:
    """Every timer doing work in the workspace: all but its own purge."""
    return or_(set_timers(set_ids(workspace_key)), people_timers(workspace_key))


def final_timers(workspace_key: str) -> ColumnElement[bool]:
    """The timers left once the sets are gone: about its people, and its purge."""
    return or_(people_timers(workspace_key), TIMERS.c.subject == workspace_key)

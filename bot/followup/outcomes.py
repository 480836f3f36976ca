"""Where each past presenter stands between two sessions: what they owe, what they said.

A *cycle* runs from the close of the set's latest session to the next one, and includes
that next session itself: an update given live in its Updates phase (`session_id` set) is
created before the session closes, so it counts for the cycle it reports on — during the
session and after — and not for the one that begins at the close.  Within a cycle a person
has *responded* once they have given an outcome update (a DM they confirmed, `/als update`,
or live), or once every action they still had has been given a status (Done, Partly, Not
yet, Dropped) in this cycle.  A DM they have not confirmed is a draft (`bot.sets.drafts`),
never an update: nothing here reads drafts.  Nudges stop at that point; the facilitators'
digest, `/als actions` and the Updates phase all read the same answer from here, so they
cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select

from bot.context import Ctx
from bot.store.models import Action, Member, OutcomeUpdate, Round
from bot.store.models import Session as SessionRow

ACTIONS = Action.__table__
UPDATES = OutcomeUpdate.__table__
SESSIONS = SessionRow.__table__
ROUNDS = Round.__table__
MEMBERS = Member.__table__

OUTSTANDING = ("open", "partly", "not_yet")  # still in progress: worth asking about


@dataclass
class Progress:
    user_key: str
    actions: list[Any] = field(default_factory=list)  # outstanding, or given a status lately
    updates: list[Any] = field(default_factory=list)  # outcome updates in this cycle
    responded: bool = False

    @property
    def outstanding(self) -> list[Any]:
        return [a for a in self.actions if a.status in OUTSTANDING]

    @property
    def unanswered(self) -> list[Any]:
        return [a for a in self.actions if a.status == "open"]


async def previous_session(ctx: Ctx, set_id: int, *, excluding: int | None = None) -> Any:
    """The set's latest closed session (id, started_at, closed_at), or None."""
    query = select(SESSIONS.c.id, SESSIONS.c.started_at, SESSIONS.c.closed_at).where(
        SESSIONS.c.set_id == set_id, SESSIONS.c.status == "closed"
    )
    if excluding is not None:
        query = query.where(SESSIONS.c.id != excluding)
    return (await ctx.conn.execute(query.order_by(SESSIONS.c.id.desc()).limit(1))).first()


async def cycle_start(ctx: Ctx, set_id: int, *, excluding: int | None = None) -> datetime | None:
    """When the current cycle began: the close of the latest session (None: no session yet).

    The close, not the start: an update given *during* a session is about the cycle before.
    """
    row = await previous_session(ctx, set_id, excluding=excluding)
    if row is None:
        return None
    closed: datetime | None = row.closed_at or row.started_at
    return closed


async def spoke_at_last_session(ctx: Ctx, set_id: int, user_key: str) -> bool:
    """Did the person give an update live at the set's latest closed session?

    After a session closes its live updates belong to the cycle before (see above); this
    lets `/als actions` still say they were given, without counting them for the new one.
    """
    latest = await previous_session(ctx, set_id)
    if latest is None:
        return False
    found = await ctx.conn.execute(
        select(UPDATES.c.id)
        .where(
            UPDATES.c.set_id == set_id,
            UPDATES.c.user_key == user_key,
            UPDATES.c.session_id == latest.id,
        )
        .limit(1)
    )
    return found.first() is not None


def _responded(actions: list[Any], updates: list[Any], since: datetime | None) -> bool:
    if updates:
        return True
    if not actions:
        return False
    return all(a.status != "open" and (since is None or a.updated_at >= since) for a in actions)


# The common case (a cycle start is known), built once: constructing statements costs more
# than running them on SQLite, and a batch of nudges asks this a thousand times.
_ACTIONS_SINCE = (
    select(ACTIONS)
    .where(
        ACTIONS.c.set_id == bindparam("set_id"),
        ACTIONS.c.owner_key == bindparam("user"),
        or_(ACTIONS.c.status.in_(OUTSTANDING), ACTIONS.c.updated_at >= bindparam("since")),
    )
    .order_by(ACTIONS.c.id)
)
_UPDATES_SINCE = (
    select(UPDATES)
    .where(
        UPDATES.c.set_id == bindparam("set_id"),
        UPDATES.c.user_key == bindparam("user"),
        UPDATES.c.created_at >= bindparam("since"),
    )
    .order_by(UPDATES.c.id)
)


async def progress(
    ctx: Ctx,
    set_id: int,
    user_key: str,
    since: datetime | None,
    *,
    created_before: datetime | None = None,
) -> Progress:
    """One person's actions and updates in the cycle that began at `since`."""
    if since is not None and created_before is None:
        params = {"set_id": set_id, "user": user_key, "since": since}
        actions = list(await ctx.conn.execute(_ACTIONS_SINCE, params))
        updates = list(await ctx.conn.execute(_UPDATES_SINCE, params))
        return Progress(user_key, actions, updates, _responded(actions, updates, since))
    relevant: ColumnElement[bool] = ACTIONS.c.status.in_(OUTSTANDING)
    if since is not None:
        relevant = or_(relevant, ACTIONS.c.updated_at >= since)
    query = select(ACTIONS).where(
        ACTIONS.c.set_id == set_id, ACTIONS.c.owner_key == user_key, relevant
    )
    if created_before is not None:
        query = query.where(ACTIONS.c.created_at < created_before)
    actions = list(await ctx.conn.execute(query.order_by(ACTIONS.c.id)))
    updates_query = select(UPDATES).where(
        UPDATES.c.set_id == set_id, UPDATES.c.user_key == user_key
    )
    if since is not None:
        updates_query = updates_query.where(UPDATES.c.created_at >= since)
    updates = list(await ctx.conn.execute(updates_query.order_by(UPDATES.c.id)))
    return Progress(user_key, actions, updates, _responded(actions, updates, since))


async def people_owing(ctx: Ctx, set_id: int) -> list[str]:
    """Active members of the set who still have outstanding actions in it."""
    rows = await ctx.conn.execute(
        select(ACTIONS.c.owner_key)
        .join(
            MEMBERS,
            and_(MEMBERS.c.set_id == ACTIONS.c.set_id, MEMBERS.c.user_key == ACTIONS.c.owner_key),
        )
        .where(
            ACTIONS.c.set_id == set_id,
            ACTIONS.c.status.in_(OUTSTANDING),
            MEMBERS.c.active.is_(True),
        )
        .distinct()
        .order_by(ACTIONS.c.owner_key)
    )
    return [r[0] for r in rows]


async def people_in_cycle(ctx: Ctx, set_id: int, since: datetime | None) -> list[str]:
    """Active members who owe an update or gave one (or statuses) in this cycle."""
    relevant: ColumnElement[bool] = ACTIONS.c.status.in_(OUTSTANDING)
    if since is not None:
        relevant = or_(relevant, ACTIONS.c.updated_at >= since)
    owners = select(ACTIONS.c.owner_key.label("key")).where(ACTIONS.c.set_id == set_id, relevant)
    updaters = select(UPDATES.c.user_key.label("key")).where(UPDATES.c.set_id == set_id)
    if since is not None:
        updaters = updaters.where(UPDATES.c.created_at >= since)
    keys = {r[0] for r in await ctx.conn.execute(owners.union(updaters)) if r[0]}
    if not keys:
        return []
    active = await ctx.conn.execute(
        select(MEMBERS.c.user_key).where(
            MEMBERS.c.set_id == set_id, MEMBERS.c.active.is_(True), MEMBERS.c.user_key.in_(keys)
        )
    )
    return sorted(r[0] for r in active)


async def presenters_of(ctx: Ctx, session_id: int) -> list[str]:
    rows = await ctx.conn.execute(
        select(ROUNDS.c.presenter_key)
        .where(ROUNDS.c.session_id == session_id, ROUNDS.c.presenter_key.is_not(None))
        .order_by(ROUNDS.c.position, ROUNDS.c.id)
    )
    return [r[0] for r in rows]


async def owners_before(
    ctx: Ctx, set_id: int, moment: datetime, since: datetime | None
) -> list[str]:
    """Owners of actions made before `moment` that are outstanding or changed since `since`."""
    relevant: ColumnElement[bool] = ACTIONS.c.status.in_(OUTSTANDING)
    if since is not None:
        relevant = or_(relevant, ACTIONS.c.updated_at >= since)
    rows = await ctx.conn.execute(
        select(ACTIONS.c.owner_key)
        .where(
            ACTIONS.c.set_id == set_id,
            ACTIONS.c.owner_key.is_not(None),
            ACTIONS.c.created_at < moment,
            relevant,
        )
        .distinct()
        .order_by(ACTIONS.c.owner_key)
    )
    return [r[0] for r in rows]


async def latest_action_at(ctx: Ctx, set_id: int, user_key: str) -> datetime | None:
    """When the person's newest outstanding action was made (anchors the fallback nudge)."""
    return (
        await ctx.conn.execute(
            select(ACTIONS.c.created_at)
            .where(
                ACTIONS.c.set_id == set_id,
                ACTIONS.c.owner_key == user_key,
                ACTIONS.c.status.in_(OUTSTANDING),
            )
            .order_by(ACTIONS.c.created_at.desc())
            .limit(1)
        )
    ).scalar()

"""Deleting a departed workspace's data once its grace period is over (timer
`workspace_purge`, planned by `bot.workspaces.departure`).

Everything goes, not just what a person could `forget-me` (`bot.sets.privacy`): the
workspace's sets and every row hanging off them, its people's rows, the inbox and outbox
rows and timers about it, an adapter's state for it, and Slack's installation rows for
its team. Only the `departed_workspaces` row stays, with `purged_at`, so the workspace
stays departed until the app is installed there again.

A large workspace is deleted `SETS_AT_ONCE` sets at a time, each step one transaction of
one statement per table (by set id list, or by subquery on those ids), and the timer plans
its own next step at once: the SQLite writer is never held long, and a crash resumes
where it stopped. Children go before their parents on every table, so nothing relies on
foreign keys being enforced (SQLite's are on, but the order is correct on both).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import timers
from bot.context import Ctx
from bot.departed import DEPARTED, lane_prefixes
from bot.outbox_rows import OUTBOX
from bot.store.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    Action,
    AdapterState,
    Attendance,
    DisplayName,
    Do,
    DoReaction,
    DoSource,
    Draft,
    Evaluation,
    Inbox,
    Lease,
    MatchProposal,
    Member,
    NetworkItem,
    OutcomeUpdate,
    Pairing,
    PairMember,
    Person,
    Posted,
    PromptPost,
    ReplyHandle,
    Round,
    ScheduleRow,
    SetPrompt,
    WebLink,
)
from bot.timers import DueTimer
from bot.workspaces import scope
from bot.workspaces.departure import departure, purge_key

log = logging.getLogger(__name__)
SETS_AT_ONCE = 25
SETS, SESSIONS, SOURCES, TIMERS = scope.SETS, scope.SESSIONS, scope.SOURCES, scope.TIMERS
INBOX = Inbox.__table__
PAIRINGS = Pairing.__table__
# Still to be applied when the purge runs: a new install must not be lost with the rest.
INSTALLED = '"kind":"app_installed"'


def _by_set(*models: Any) -> list[tuple[Any, Any]]:
    return [(m.__table__, m.__table__.c.set_id) for m in models]


async def purge_sets(conn: AsyncConnection, ids: Sequence[int]) -> dict[str, int]:
    """Delete these sets and everything hanging off them; rows deleted by table."""
    ids = list(ids)
    sessions = select(SESSIONS.c.id).where(SESSIONS.c.set_id.in_(ids))
    pairings = select(PAIRINGS.c.id).where(PAIRINGS.c.set_id.in_(ids))
    sources = select(SOURCES.c.message_key).where(SOURCES.c.set_id.in_(ids))
    reactions = DoReaction.__table__
    pair_members = PairMember.__table__
    # Timers first: their subjects are found through the sessions, sources and proposals.
    steps: list[tuple[Any, ColumnElement[bool]]] = [
        (TIMERS, scope.set_timers(ids)),
        (pair_members, pair_members.c.pairing_id.in_(pairings)),
        (reactions, reactions.c.message_key.in_(sources)),
        *(
            (table, column.in_(ids))
            for table, column in _by_set(
                Pairing, MatchProposal, NetworkItem, SetPrompt, PromptPost, DoSource, Do
            )
        ),
        *(
            (m.__table__, m.__table__.c.session_id.in_(sessions))
            for m in (Attendance, Evaluation, Round)
        ),
        *(
            (table, column.in_(ids))
            for table, column in _by_set(Action, OutcomeUpdate, Draft, WebLink, ScheduleRow)
        ),
        (SESSIONS, SESSIONS.c.set_id.in_(ids)),
        (Member.__table__, Member.__table__.c.set_id.in_(ids)),
        (SETS, SETS.c.id.in_(ids)),
    ]
    return await _run(conn, steps)


async def purge_rest(conn: AsyncConnection, workspace_key: str) -> dict[str, int]:
    """Once its sets are gone: its people's rows, the bookkeeping that names the
    workspace, and what adapters keep about it."""
    inside = scope.inside(workspace_key)
    platform, _, ident = workspace_key.partition(":")
    inbox = and_(
        INBOX.c.body.contains('"' + inside, autoescape=True),
        not_(and_(INBOX.c.status == "pending", INBOX.c.body.contains(INSTALLED))),
    )
    reactions, handles, posted = DoReaction.__table__, ReplyHandle.__table__, Posted.__table__
    steps: list[tuple[Any, ColumnElement[bool]]] = [
        (TIMERS, scope.final_timers(workspace_key)),
        (
            reactions,
            or_(
                reactions.c.message_key.startswith(inside, autoescape=True),
                reactions.c.user_key.startswith(inside, autoescape=True),
            ),
        ),
        *(
            (m.__table__, m.__table__.c.user_key.startswith(inside, autoescape=True))
            for m in (Member, Person, DisplayName)
        ),
        # A reply handle names the event it answers, not the workspace: found by the inbox.
        (handles, handles.c.cause.in_(select(INBOX.c.key).where(inbox))),
        (INBOX, inbox),
        (
            OUTBOX,
            or_(
                *(
                    OUTBOX.c.lane.startswith(p, autoescape=True)
                    for p in lane_prefixes(workspace_key)
                )
            ),
        ),
        (posted, posted.c.message_key.startswith(inside, autoescape=True)),
        (SLACK_INSTALLATIONS, SLACK_INSTALLATIONS.c.team_id == ident),
        (SLACK_BOTS, SLACK_BOTS.c.team_id == ident),
    ]
    counts = await _run(conn, steps)
    for model in (AdapterState, Lease):
        table = model.__table__
        names = [
            name
            for (name,) in await conn.execute(
                select(table.c.name).where(table.c.name.startswith(platform + ":", autoescape=True))
            )
            if ident in name.split(":")[1:]
        ]
        if names:
            await conn.execute(delete(table).where(table.c.name.in_(names)))
        counts[table.name] = len(names)
    return counts


async def _run(
    conn: AsyncConnection, steps: list[tuple[Any, ColumnElement[bool]]]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, where in steps:
        result = await conn.execute(delete(table).where(where))
        counts[table.name] = counts.get(table.name, 0) + max(result.rowcount, 0)
    return counts


async def on_purge(ctx: Ctx, timer: DueTimer) -> str | None:
    key = timer.subject
    row: Any = await departure(ctx, key)
    if row is None:
        return "skipped: the app was installed again"
    if row.purged_at is not None:
        return "skipped: already deleted"
    if row.purge_at > ctx.now:
        return f"skipped: not due until {row.purge_at.isoformat()}"
    ids = [
        r.id
        for r in await ctx.conn.execute(
            select(SETS.c.id)
            .where(SETS.c.workspace_key == key)
            .order_by(SETS.c.id)
            .limit(SETS_AT_ONCE)
        )
    ]
    if ids:
        counts = await purge_sets(ctx.conn, ids)
        await timers.schedule(
            ctx.conn,
            kind=scope.PURGE,
            due_at=ctx.now,
            subject=key,
            dedupe=f"{purge_key(key, row.departed_at)}:{ids[0]}",
        )
        return f"deleting: {len(ids)} sets, {sum(counts.values())} rows; more to come"
    counts = await purge_rest(ctx.conn, key)
    await ctx.conn.execute(
        update(DEPARTED).where(DEPARTED.c.workspace_key == key).values(purged_at=ctx.now)
    )
    log.info(
        "workspace %s: data deleted after its departure (%s) on %s; %d rows in the last step",
        key,
        row.reason,
        row.departed_at.date().isoformat(),
        sum(counts.values()),
    )
    # This timer row named the workspace too, and went with the rest (`final_timers`).
    return "deleted"

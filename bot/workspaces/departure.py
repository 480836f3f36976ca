"""The app removed from a workspace (`AppRemoved`), or installed there again (`AppInstalled`).

A removal stops all work for the workspace in the transaction that records it: every
pending timer about it is cancelled (with a note, not deleted: a new install brings the
ones still ahead back), every reply still queued for it is marked failed, and
`bot.departed` makes sure nothing applied or written afterwards reaches it. Its data is
kept `[slack] uninstall_grace_days` — an uninstall may be a mistake — and then deleted by
the `workspace_purge` timer (`bot.workspaces.purge`).

Slack sends `app_uninstalled` and `tokens_revoked` together, and may send either twice: a
second removal keeps the first one's dates (the grace period runs from the first), and
cancels and drops again, which finds nothing or what slipped in between. A removal after
the data was deleted is a departure of its own (`bot.departed`: a purged workspace is no
longer departed).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from bot import timers
from bot.context import Ctx
from bot.departed import DEPARTED, DROPPED, lane_prefixes
from bot.dos import weekly
from bot.events import AppInstalled, AppRemoved
from bot.followup import schedule
from bot.followup.hooks import SCHEDULE_CHANGED
from bot.network import item_expiry, match_outcomes
from bot.outbox_rows import OUTBOX
from bot.sets.records import info_from_row
from bot.store.upsert import insert_ignore
from bot.workspaces import scope

log = logging.getLogger(__name__)
TIMERS = scope.TIMERS
NOTE = "workspace departed"  # how the note of every timer a removal cancelled begins
# Timers worth running late when the app comes back: they change state rather than tell
# someone something at a chosen moment (an offer's expiry, an unanswered proposal lapsing,
# a round's deadline).  A nudge or a reminder whose moment passed stays cancelled.
LATE_KINDS = (item_expiry.EXPIRY, match_outcomes.LAPSE, scope.PHASE)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def purge_key(workspace_key: str, departed_at: datetime) -> str:
    """One purge per departure: a removal after a new install plans its own."""
    return f"{scope.PURGE}:{workspace_key}:{stamp(departed_at)}"


async def departure(ctx: Ctx, workspace_key: str) -> Any:
    return (
        await ctx.conn.execute(select(DEPARTED).where(DEPARTED.c.workspace_key == workspace_key))
    ).first()


async def on_removed(ctx: Ctx, event: AppRemoved) -> None:
    key = event.workspace.key
    grace = timedelta(days=ctx.config.slack.uninstall_grace_days)
    await ctx.conn.execute(
        insert_ignore(DEPARTED, ctx.conn.dialect.name, ["workspace_key"]),
        {
            "workspace_key": key,
            "reason": event.reason[:32],
            "departed_at": ctx.now,
            "purge_at": ctx.now + grace,
            "purged_at": None,
        },
    )
    row = await departure(ctx, key)
    if row is not None and row.purged_at is not None:
        # Its data went after an earlier departure, and it was used again since (or this
        # is a late duplicate, with nothing left to stop): a departure of its own.
        await ctx.conn.execute(
            update(DEPARTED)
            .where(DEPARTED.c.workspace_key == key)
            .values(
                reason=event.reason[:32],
                departed_at=ctx.now,
                purge_at=ctx.now + grace,
                purged_at=None,
            )
        )
        row = await departure(ctx, key)
    assert row is not None
    await timers.schedule(
        ctx.conn,
        kind=scope.PURGE,
        due_at=row.purge_at,
        subject=key,
        dedupe=purge_key(key, row.departed_at),
    )
    cancelled = await ctx.conn.execute(
        update(TIMERS)
        .where(TIMERS.c.status == "pending", scope.work_timers(key))
        .values(status="cancelled", note=f"{NOTE}: {row.reason}")
    )
    dropped = await ctx.conn.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.status == "pending",
            or_(*(OUTBOX.c.lane.startswith(p, autoescape=True) for p in lane_prefixes(key))),
        )
        .values(status="failed", error=DROPPED)
    )
    log.info(
        "app removed from workspace %s (%s): %d timers cancelled, %d replies dropped; "
        "its data will be deleted at %s",
        key,
        event.reason,
        cancelled.rowcount,
        dropped.rowcount,
        row.purge_at.isoformat(),
    )


async def on_installed(ctx: Ctx, event: AppInstalled) -> None:
    """Installed again: the departure is called off. Timers it cancelled that are still
    ahead (or worth running late) come back, and each set's plans are made again from its
    schedule, as when the schedule changes (nudges, reminders, the digest, prompts)."""
    key = event.workspace.key
    row = await departure(ctx, key)
    if row is None:
        return
    await ctx.conn.execute(delete(DEPARTED).where(DEPARTED.c.workspace_key == key))
    await timers.cancel(ctx.conn, kind=scope.PURGE, subject=key, note="installed again")
    if row.purged_at is not None:
        log.info("app installed again in workspace %s (its data was deleted)", key)
        return
    revived = await ctx.conn.execute(
        update(TIMERS)
        .where(
            TIMERS.c.status == "cancelled",
            TIMERS.c.note.startswith(NOTE, autoescape=True),
            or_(TIMERS.c.due_at > ctx.now, TIMERS.c.kind.in_(LATE_KINDS)),
            scope.work_timers(key),
        )
        .values(status="pending", note=None)
    )
    sets = list(await ctx.conn.execute(select(scope.SETS).where(scope.SETS.c.workspace_key == key)))
    for found in sets:
        set_info = info_from_row(found)
        next_at = await schedule.next_session(ctx, set_info)
        for changed in ctx.hooks(SCHEDULE_CHANGED):
            await changed(ctx, set_info, next_at)
        if set_info.setting(ctx, weekly.SETTING):
            await weekly.arm(ctx, set_info)
    log.info(
        "app installed again in workspace %s: departure called off, %d timers back, "
        "%d sets planned again",
        key,
        revived.rowcount,
        len(sets),
    )

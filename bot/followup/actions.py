"""Following actions up between sessions: open actions, outcome updates, statuses.

Actions are recorded in a round (`bot.rounds.commitments`); what happened with them comes
later: by `/als update`, by a DM its author confirmed (`bot.followup.update_drafts`), live
in the Updates phase (`bot.followup.live_updates`) or by status buttons. Only what someone
chose to share is an update here, and it is what the next session's Updates phase and
`export-me` are made of.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.commands.values import GiveUpdate, ListActions
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.followup import outcomes
from bot.followup.nudge_text import STATUS_LABELS
from bot.refs import UserRef
from bot.replies import Ephemeral, Mention, Strong, text
from bot.rounds.commitments import due_text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Action, OutcomeUpdate
from bot.store.upsert import inserted_id

ACTIONS = Action.__table__
UPDATES = OutcomeUpdate.__table__
MAX_UPDATE = 4000


async def open_actions(ctx: Ctx, set_id: int, owner: UserRef | None = None) -> list[Any]:
    query = select(ACTIONS).where(
        ACTIONS.c.set_id == set_id, ACTIONS.c.status.in_(("open", "partly", "not_yet"))
    )
    if owner is not None:
        query = query.where(ACTIONS.c.owner_key == owner.key)
    return list(await ctx.conn.execute(query.order_by(ACTIONS.c.owner_key, ACTIONS.c.id)))


async def latest_update(ctx: Ctx, set_id: int, user_key: str, since: Any = None) -> Any:
    query = select(UPDATES).where(UPDATES.c.set_id == set_id, UPDATES.c.user_key == user_key)
    if since is not None:
        query = query.where(UPDATES.c.created_at >= since)
    return (await ctx.conn.execute(query.order_by(UPDATES.c.id.desc()).limit(1))).first()


async def list_actions(ctx: Ctx, event: CommandInvoked, command: ListActions) -> None:
    set_info = sets.command_set(ctx)
    owner = UserRef(event.workspace, command.user) if command.user else None
    rows = await open_actions(ctx, set_info.id, owner)
    if not rows:
        body = (
            text("No open actions", " for ", Mention(owner))
            if owner
            else text("No open actions in this set")
        )
        ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body + "."))
        return
    body = text(Strong("Open actions"))
    current = None
    for row in rows:
        if row.owner_key != current:
            current = row.owner_key
            who = (
                text(Mention(UserRef.from_key(current))) if current else text("(someone who left)")
            )
            status = await _update_state(ctx, set_info.id, current)
            body += text("\n") + who + status
        body += text(
            f"\n  #{row.id} ",
            row.text,
            due_text(row.due),
            f" [{STATUS_LABELS.get(row.status, row.status)}]",
        )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))


async def _update_state(ctx: Ctx, set_id: int, owner_key: str | None) -> str:
    """Whether someone has updated in the current cycle (see `bot.followup.outcomes`)."""
    if not owner_key:
        return ""
    since = await outcomes.cycle_start(ctx, set_id)
    progress = await outcomes.progress(ctx, set_id, owner_key, since)
    if progress.updates:
        return " — has given an update"
    if progress.responded:
        return " — has given each action a status"
    if await outcomes.spoke_at_last_session(ctx, set_id, owner_key):
        return " — has given an update (live, at the last session)"
    return " — no update yet"


async def give_update(ctx: Ctx, event: CommandInvoked, command: GiveUpdate) -> None:
    set_info = sets.command_set(ctx)
    await save_update(ctx, set_info, event.user, command.text)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(
                "Thanks — your update is saved and will be shared at the next session's Updates."
            ),
        )
    )


async def save_update(
    ctx: Ctx, set_info: SetInfo, user: UserRef, body: str, *, session_id: int | None = None
) -> int:
    """Record an update the person has chosen to share (`session_id`: given live in it)."""
    ctx.set_id = set_info.id
    result = await ctx.conn.execute(
        insert(UPDATES).values(
            set_id=set_info.id,
            user_key=user.key,
            session_id=session_id,
            text=body.strip()[:MAX_UPDATE],
            created_at=ctx.now,
        )
    )
    return inserted_id(result)


async def my_update(ctx: Ctx, update_id: int, owner: UserRef) -> Any:
    """One of `owner`'s updates, or a Refusal (never saying whose it was, nor what)."""
    row = (await ctx.conn.execute(select(UPDATES).where(UPDATES.c.id == update_id))).first()
    if row is None:
        raise Refusal("That update is no longer recorded.")
    if not sets.same_person(ctx, owner, row.user_key):
        raise Refusal("That update isn't yours to change.")
    return row


async def replace_update(ctx: Ctx, update_id: int, owner: UserRef, body: str) -> Any:
    row = await my_update(ctx, update_id, owner)
    ctx.set_id = row.set_id
    await ctx.conn.execute(
        update(UPDATES).where(UPDATES.c.id == update_id).values(text=body.strip()[:MAX_UPDATE])
    )
    return row


async def remove_update(ctx: Ctx, update_id: int, owner: UserRef) -> Any:
    row = await my_update(ctx, update_id, owner)
    ctx.set_id = row.set_id
    await ctx.conn.execute(delete(UPDATES).where(UPDATES.c.id == update_id))
    return row


async def updated_in_session(ctx: Ctx, set_id: int, user_key: str, session_id: int) -> bool:
    """Whether the person has already given an update live in this session."""
    found = await ctx.conn.execute(
        select(UPDATES.c.id)
        .where(
            UPDATES.c.set_id == set_id,
            UPDATES.c.user_key == user_key,
            UPDATES.c.session_id == session_id,
        )
        .limit(1)
    )
    return found.first() is not None


async def set_status(ctx: Ctx, action_id: int, owner: UserRef, status: str) -> Any:
    row = (await ctx.conn.execute(select(ACTIONS).where(ACTIONS.c.id == action_id))).first()
    if row is None or row.owner_key is None or not sets.same_person(ctx, owner, row.owner_key):
        raise Refusal("That action isn't one of yours.")
    await ctx.conn.execute(
        update(ACTIONS).where(ACTIONS.c.id == action_id).values(status=status, updated_at=ctx.now)
    )
    return row


def register(router: Router) -> None:
    router.command(ListActions, list_actions)
    router.command(GiveUpdate, give_update)

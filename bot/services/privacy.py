"""Data rights: a person can see everything kept about them, and have it removed.

`forget-me` keeps the set's shared record intact where that matters to others (an action
stays, with no name on it) but removes the person's own words and choices: updates,
ratings, preferences, memberships, and do's they wrote.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update

from bot.events import CommandInvoked
from bot.grammar import ExportMe, ForgetMe
from bot.refs import UserRef
from bot.replies import Ephemeral, File, text
from bot.services import dos_capture
from bot.services.context import Ctx
from bot.store.models import (
    Action,
    Do,
    DoReaction,
    DoSource,
    Evaluation,
    Member,
    OutcomeUpdate,
    Person,
    Round,
    Timer,
)
from bot.store.models import Set as SetRow


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}


async def collect(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    key = user.key
    c = ctx.conn

    async def rows(table: Any, where: Any) -> list[dict[str, Any]]:
        return [_plain(r) for r in await c.execute(select(table).where(where))]

    sets_t = SetRow.__table__
    members = Member.__table__
    return {
        "person": key,
        "preferences": await rows(Person.__table__, Person.__table__.c.user_key == key),
        "memberships": [
            {**_plain(r)}
            for r in await c.execute(
                select(members, sets_t.c.channel_key)
                .join(sets_t, sets_t.c.id == members.c.set_id)
                .where(members.c.user_key == key)
            )
        ],
        "actions": await rows(Action.__table__, Action.__table__.c.owner_key == key),
        "outcome_updates": await rows(
            OutcomeUpdate.__table__, OutcomeUpdate.__table__.c.user_key == key
        ),
        "ratings": await rows(Evaluation.__table__, Evaluation.__table__.c.user_key == key),
        "presented": await rows(Round.__table__, Round.__table__.c.presenter_key == key),
        "dos_written": await rows(Do.__table__, Do.__table__.c.author_key == key),
        "dos_saved": [_plain(r) for r in await dos_capture.saved_by_person(ctx, key)],
    }


async def export_me(ctx: Ctx, event: CommandInvoked, _command: ExportMe) -> None:
    data = await collect(ctx, event.user)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    ctx.emit(
        File(
            channel=event.channel,
            user=event.user,
            filename="alsbot-my-data.json",
            content=body,
            title="Everything alsbot keeps about you",
        )
    )


async def forget(ctx: Ctx, user: UserRef) -> None:
    key = user.key
    c = ctx.conn
    actions = Action.__table__
    await c.execute(update(actions).where(actions.c.owner_key == key).values(owner_key=None))
    for table, column in (
        (OutcomeUpdate.__table__, "user_key"),
        (Evaluation.__table__, "user_key"),
        (Person.__table__, "user_key"),
        (Member.__table__, "user_key"),
        (DoReaction.__table__, "user_key"),
    ):
        await c.execute(delete(table).where(table.c[column] == key))
    await c.execute(
        update(Round.__table__)
        .where(Round.__table__.c.presenter_key == key)
        .values(presenter_key=None)
    )
    await c.execute(delete(DoSource.__table__).where(DoSource.__table__.c.author_key == key))
    await c.execute(delete(Do.__table__).where(Do.__table__.c.author_key == key))
    await dos_capture.forget_saver(ctx, key)
    timers = Timer.__table__
    await c.execute(
        update(timers)
        .where(timers.c.subject == key, timers.c.status == "pending")
        .values(status="cancelled", note="forget-me")
    )


async def forget_me(ctx: Ctx, event: CommandInvoked, command: ForgetMe) -> None:
    if not command.confirmed:
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text(
                    "This removes your updates, ratings, preferences, memberships and the do's you wrote, "
                    "and takes your name off your actions. It cannot be undone. "
                    "To go ahead, type `/als forget-me confirm`. (`/als export-me` gives you a copy first.)"
                ),
            )
        )
        return
    await forget(ctx, event.user)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text("Done: alsbot has forgotten you. Thank you for taking part."),
        )
    )

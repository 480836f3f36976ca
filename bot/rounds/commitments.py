"""What a presenter commits to in a round: their actions.

Following the actions up between sessions is `bot.followup`'s work; ratings are
`bot.rounds.evaluation`'s and the closing summary `bot.rounds.summary`'s.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from bot.commands.values import AddAction
from bot.context import Ctx
from bot.events import CommandInvoked
from bot.refs import MessageRef, UserRef
from bot.replies import Ephemeral, Mention, Post, text
from bot.rounds.sessions import active_session, header_handle
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Action
from bot.store.upsert import inserted_id

ACTIONS = Action.__table__


def due_text(due: date | None) -> str:
    return f" (by {due.strftime('%a %-d %b %Y')})" if due else ""


async def record(
    ctx: Ctx,
    set_info: SetInfo,
    session_id: int | None,
    owner: UserRef,
    command: AddAction,
    *,
    thread: MessageRef | None = None,
) -> int:
    result = await ctx.conn.execute(
        insert(ACTIONS).values(
            set_id=set_info.id,
            session_id=session_id,
            owner_key=owner.key,
            text=command.text,
            due=command.due,
            status="open",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    action_id = inserted_id(result)
    confirmation = text(
        "✅ Action recorded for ", Mention(owner), ": ", command.text, due_text(command.due)
    )
    if session_id is not None:
        ctx.emit(
            Post(
                channel=set_info.channel,
                text=confirmation,
                thread=thread,
                thread_handle=None if thread else header_handle(session_id),
            )
        )
    else:
        ctx.emit(Ephemeral(channel=set_info.channel, user=owner, text=confirmation))
    return action_id


async def add_action(ctx: Ctx, event: CommandInvoked, command: AddAction) -> None:
    set_info = sets.command_set(ctx)
    session = await active_session(ctx, set_info.id)
    if session is not None:  # the dispatcher has checked it is the presenter's turn
        await record(ctx, set_info, session.id, event.user, command)
        return
    await sets.ensure_member(ctx, set_info.id, event.user)
    await record(ctx, set_info, None, event.user, command)


def register(router: Router) -> None:
    router.command(AddAction, add_action)

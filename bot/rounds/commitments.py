"""What a presenter commits to in a round: their actions.

An action is recorded only when the presenter means it: by `/als action`, by a message in the
Actions phase that reads as a commitment (`commitment_words`), or by pressing [Record as
action] on words held for them (`bot.sets.drafts`). One message may hold several actions, each
with its own due date (`action_items`, `bot.dates.due`, read in the set's time zone). The same
words twice for one person in one session are kept once. A date meant but unreadable is said,
privately, and the action kept without it. Editing and removing are `action_changes`.

Following the actions up between sessions is `bot.followup`'s work; ratings are
`bot.rounds.evaluation`'s and the closing summary `bot.rounds.summary`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.commands.values import AddAction, AddActionFor
from bot.context import Ctx, Refusal
from bot.dates.due import show as show_day
from bot.events import CommandInvoked
from bot.refs import MessageRef, UserRef
from bot.replies import Button, Direct, Mention, Post, Reply, Text, text
from bot.rounds import action_items
from bot.rounds.privately import Privately
from bot.rounds.sessions import SESSIONS, active_session, header_handle, scheduled_next
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Action
from bot.store.upsert import inserted_id

ACTIONS = Action.__table__
MAX_TEXT = 2000


def due_text(day: date | None) -> str:
    return f" (by {show_day(day)})" if day else ""


def handle_of(action_id: int) -> str:
    """The confirmation a session's action was posted as, so edits and removals show there."""
    return f"action:{action_id}"


def buttons_for(action_id: int, created_at: datetime) -> tuple[Button, ...]:
    """[Edit] [Remove], naming the action by its id and when it was made: a database may
    give a removed action's id to a new one, and an old button must not reach that one."""
    value = f"{action_id}:{stamp(created_at)}"
    return (
        Button("action:edit", "Edit", value),
        Button("action:remove", "Remove", value, style="danger"),
    )


def stamp(created_at: datetime) -> str:
    return str(int(created_at.timestamp()))


def confirmation(action_id: int, owner: UserRef, words: str, due: date | None,
                 by: UserRef | None = None) -> Text:  # fmt: skip
    said = text("✅ Action recorded for ", Mention(owner), ": ", words, due_text(due))
    said += f" · #{action_id}"
    return said + (text(" · recorded by ", Mention(by)) if by else text())


def same_words(words: str) -> str:
    """Words compared for "already recorded": case, punctuation and spacing aside."""
    return " ".join(re.sub(r"[^\w\s]", " ", words.casefold()).split())


@dataclass(frozen=True, slots=True)
class Where:
    """Where a recording happens: the set, the session (None between sessions), the round's
    thread if known, and who is recording (the owner, or a facilitator for them)."""

    set_info: SetInfo
    session_id: int | None
    actor: UserRef
    thread: MessageRef | None = None
    late: bool = False  # said just after the owner's Actions phase ended

    def private(self, body: Text, buttons: tuple[Button, ...] = ()) -> Reply:
        """Only the actor sees it: in the round's thread during a session."""
        handle = header_handle(self.session_id) if self.session_id is not None else None
        where = Privately(self.actor, self.set_info.channel, self.thread, handle)
        return where.reply(body, buttons)


def local_today(ctx: Ctx, set_info: SetInfo) -> date:
    return ctx.now.astimezone(set_info.tz).date()


async def next_session_day(ctx: Ctx, set_info: SetInfo) -> date | None:
    """The next session's local date, for "before the next session"."""
    upcoming = await scheduled_next(ctx, set_info)
    return upcoming.astimezone(set_info.tz).date() if upcoming else None


async def read_items(
    ctx: Ctx, set_info: SetInfo, words: str, *, split: bool = True
) -> list[action_items.Item]:
    return action_items.read_items(
        words,
        today=local_today(ctx, set_info),
        next_session=await next_session_day(ctx, set_info),
        split=split,
    )


async def already(ctx: Ctx, where: Where, owner: UserRef, words: str) -> Any:
    """The owner's action with the same words in the same session (or between sessions)."""
    query = select(ACTIONS.c.id, ACTIONS.c.text).where(
        ACTIONS.c.set_id == where.set_info.id, ACTIONS.c.owner_key == owner.key
    )
    if where.session_id is None:
        query = query.where(ACTIONS.c.session_id.is_(None), ACTIONS.c.status == "open")
    else:
        query = query.where(ACTIONS.c.session_id == where.session_id)
    wanted = same_words(words)
    for row in await ctx.conn.execute(query):
        if same_words(row.text) == wanted:
            return row
    return None


async def record_words(
    ctx: Ctx, where: Where, owner: UserRef, words: str, *, split: bool = True
) -> list[int]:
    """Record every action in `words`; returns the new actions' ids."""
    recorded: list[int] = []
    for item in await read_items(ctx, where.set_info, words, split=split):
        if item.text.strip():
            new = await record_item(ctx, where, owner, item)
            if new is not None:
                recorded.append(new)
    return recorded


async def record_item(
    ctx: Ctx, where: Where, owner: UserRef, item: action_items.Item
) -> int | None:
    words = item.text.strip()[:MAX_TEXT]
    same = await already(ctx, where, owner, words)
    if same is not None:
        ctx.emit(where.private(text(f"That's already recorded as #{same.id}: “", same.text,
                                    "” — I haven't added it again.")))  # fmt: skip
        return None
    result = await ctx.conn.execute(
        insert(ACTIONS).values(
            set_id=where.set_info.id,
            session_id=where.session_id,
            owner_key=owner.key,
            text=words,
            due=item.due,
            status="open",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    action_id = inserted_id(result)
    by = None if sets.same_person(ctx, where.actor, owner.key) else where.actor
    _confirm(ctx, where, owner, action_id, words, item.due, by)
    if item.problem:
        ctx.emit(where.private(text(
            f"I couldn't read the date in “{item.phrase}” ({item.problem}); I've kept the "
            f"action without a date — `/als action edit {action_id} <words> by <date>` to add one."
        )))  # fmt: skip
    return action_id


def _confirm(ctx: Ctx, where: Where, owner: UserRef, action_id: int, words: str,
             due: date | None, by: UserRef | None) -> None:  # fmt: skip
    body = confirmation(action_id, owner, words, due, by)
    if where.late:
        body += text(" · counted as an action for ", Mention(owner), "'s turn")
    buttons = buttons_for(action_id, ctx.now)
    if where.session_id is not None:
        ctx.emit(
            Post(
                channel=where.set_info.channel,
                text=body,
                buttons=buttons,
                handle=handle_of(action_id),
                thread=where.thread,
                thread_handle=None if where.thread else header_handle(where.session_id),
            )
        )
    elif by is None:
        ctx.emit(where.private(body, buttons))
    else:
        ctx.emit(where.private(body))
        ctx.emit(Direct(user=owner, text=body, buttons=buttons, handle=handle_of(action_id)))


async def add_action(ctx: Ctx, event: CommandInvoked, command: AddAction) -> None:
    set_info = sets.command_set(ctx)
    session = await active_session(ctx, set_info.id)
    if session is None:  # between sessions: anyone may (the dispatcher checked in a session)
        await sets.ensure_member(ctx, set_info.id, event.user)
    where = Where(set_info, session.id if session else None, event.user)
    await record_words(ctx, where, event.user, command.text)


async def add_action_for(ctx: Ctx, event: CommandInvoked, command: AddActionFor) -> None:
    set_info = sets.command_set(ctx)
    owner = UserRef(event.user.workspace, command.user)
    member = await sets.member_row(ctx, set_info.id, owner)
    if member is None or not member.active:
        raise Refusal("They aren't a member of this set: they can `/als join` first.")
    session = await active_session(ctx, set_info.id)
    where = Where(set_info, session.id if session else None, event.user)
    await record_words(ctx, where, owner, command.text)


async def next_session_started(ctx: Ctx, set_id: int, since: Any) -> bool:
    """Whether a session of the set started after `since` (an action's or a draft's time):
    from then on, what was committed before is what the set follows up, so it stays."""
    row = (
        await ctx.conn.execute(
            select(SESSIONS.c.id)
            .where(SESSIONS.c.set_id == set_id, SESSIONS.c.started_at > since)
            .limit(1)
        )
    ).first()
    return row is not None


def register(router: Router) -> None:
    router.command(AddAction, add_action)
    router.command(AddActionFor, add_action_for)

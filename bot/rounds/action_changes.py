"""Changing an action after it was recorded, and recording one the bot did not guess.

An action can be edited or removed by the person who committed to it, or by a facilitator,
until the set's next session starts: from then on it is what the set follows up, and changing
it would rewrite what people were told. Removing deletes the row, so the summary, `/als
actions` and the nudges never show it. The buttons on a confirmation do the same as the
commands; chat platforms here have no forms, so [Edit] answers privately with the exact
command to type, the current words filled in.

[Record as action] records words the bot held for the presenter (`bot.sets.drafts`, kind
`action`) because they did not read as a commitment: only their author can press it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select, update

from bot.commands.values import EditAction, RemoveAction
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.dates import due
from bot.dates.when import WhenError
from bot.events import ButtonPressed, CommandInvoked
from bot.refs import UserRef
from bot.replies import Edit, Ephemeral, Mention, Text, text
from bot.rounds import action_items, commitments, privately
from bot.rounds.commitments import ACTIONS, Where, due_text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import drafts
from bot.sets import records as sets

DRAFT_KIND = "action"
_DATE_FIRST = re.compile(r"\s*(?:by|before|until|till|within|in|on)\s", re.IGNORECASE)
LOCKED = (
    "The next session has started, so #{n} can no longer be edited or removed: it is what the "
    "set follows up now. You can still give its status with `/als update`."
)


async def changeable(ctx: Ctx, action_id: int, user: UserRef, set_id: int | None) -> Any:
    """The action, if `user` may change it now; otherwise a Refusal that says why (and never
    shows another set's action)."""
    row = (await ctx.conn.execute(select(ACTIONS).where(ACTIONS.c.id == action_id))).first()
    if row is None or (set_id is not None and row.set_id != set_id):
        raise Refusal(f"There's no action #{action_id} here: `/als actions` shows the numbers.")
    mine = row.owner_key is not None and sets.same_person(ctx, user, row.owner_key)
    if not mine and not await sets.is_facilitator(ctx, row.set_id, user):
        raise Refusal(
            f"Only the person who committed to #{action_id}, or a facilitator, can change it."
        )
    if await commitments.next_session_started(ctx, row.set_id, row.created_at):
        raise Refusal(LOCKED.format(n=action_id))
    return row


async def edit(ctx: Ctx, set_info: SetInfo, row: Any, user: UserRef, words: str) -> Text:
    """New words (and a due date, if they name one); a due date not named stays as it was.
    Returns the private answer."""
    today = commitments.local_today(ctx, set_info)
    next_day = await commitments.next_session_day(ctx, set_info)
    try:  # only a date: `/als action edit 12 by friday` changes the due date alone
        only = due.read_due(words, today=today, next_session=next_day)
    except WhenError as exc:
        dated = _DATE_FIRST.match(words) is not None
        if dated and (exc.kind != "unreadable" or due.meant_as_date(words)):
            raise Refusal(
                f"I couldn't read the date in “{words.strip()[:80]}”: {exc.message}."
            ) from None
        only = None
    [item] = action_items.read_items(words, today=today, next_session=next_day, split=False)
    new_text = row.text if only is not None else item.text.strip()[: commitments.MAX_TEXT]
    new_due = only or item.due or row.due
    await ctx.conn.execute(
        update(ACTIONS)
        .where(ACTIONS.c.id == row.id)
        .values(text=new_text, due=new_due, updated_at=ctx.now)
    )
    owner = UserRef.from_key(row.owner_key) if row.owner_key else user
    edited = text(" · edited") + (
        text() if sets.same_person(ctx, user, owner.key) else text(" by ", Mention(user))
    )
    ctx.emit(
        Edit(
            handle=commitments.handle_of(row.id),
            text=commitments.confirmation(row.id, owner, new_text, new_due) + edited,
            buttons=commitments.buttons_for(row.id, row.created_at),
        )
    )
    answer = text(f"✏️ #{row.id} now reads: ", new_text, due_text(new_due))
    if only is None and item.problem:
        answer += text(
            f"\nI couldn't read the date in “{item.phrase}” ({item.problem}); "
            + ("the due date is unchanged." if row.due else "it has no due date yet.")
        )
    return answer


async def remove(ctx: Ctx, row: Any, user: UserRef) -> Text:
    await ctx.conn.execute(delete(ACTIONS).where(ACTIONS.c.id == row.id))
    owner = UserRef.from_key(row.owner_key) if row.owner_key else user
    ctx.emit(
        Edit(
            handle=commitments.handle_of(row.id),
            text=text("🗑 An action of ", Mention(owner), f" was removed (#{row.id})."),
        )
    )
    return text(f"🗑 Removed #{row.id}: ", row.text, due_text(row.due))


async def edit_command(ctx: Ctx, event: CommandInvoked, command: EditAction) -> None:
    set_info = sets.command_set(ctx)
    row = await changeable(ctx, command.action_id, event.user, set_info.id)
    answer = await edit(ctx, set_info, row, event.user, command.text)
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=answer))


async def remove_command(ctx: Ctx, event: CommandInvoked, command: RemoveAction) -> None:
    set_info = sets.command_set(ctx)
    row = await changeable(ctx, command.action_id, event.user, set_info.id)
    answer = await remove(ctx, row, event.user)
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=answer))


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    number_part, _, made = event.value.partition(":")
    try:
        number = int(number_part)
    except ValueError:
        raise Refusal(OUT_OF_DATE) from None
    if verb == "record":
        await _record_held(ctx, event, number)
        return
    if verb not in ("edit", "remove"):
        raise Refusal(OUT_OF_DATE)
    row = await changeable(ctx, number, event.user, None)
    if made and made != commitments.stamp(row.created_at):
        raise Refusal(f"That action was removed; #{number} is now another one.")
    set_info = await sets.get_set(ctx, row.set_id)
    ctx.set_id = set_info.id
    if verb == "remove":
        answer = await remove(ctx, row, event.user)
    else:
        words = row.text + (f" by {row.due:%d/%m/%Y}" if row.due else "")
        answer = text(
            f"To change #{row.id}, send (editing the words as you like):\n"
            f"/als action edit {row.id} ",
            words,
            f"\nor `/als action remove {row.id}` to remove it.",
        )
    ctx.emit((await privately.to_presser(ctx, event)).reply(answer))


async def hold(ctx: Ctx, where: Where, words: str) -> int:
    """Keep words that did not read as a commitment, for their author to record with one press."""
    data: dict[str, Any] = {"session_id": where.session_id}
    if where.late:
        data["late"] = True
    return await drafts.hold(ctx, where.set_info.id, where.actor, DRAFT_KIND, words, data)


async def _record_held(ctx: Ctx, event: ButtonPressed, draft_id: int) -> None:
    held = await drafts.mine(ctx, draft_id, event.user, DRAFT_KIND)
    set_info = await sets.get_set(ctx, held.set_id)
    ctx.set_id = set_info.id
    if await commitments.next_session_started(ctx, held.set_id, held.created_at):
        await drafts.drop(ctx, draft_id)
        raise Refusal("The next session has started, so that can't be recorded for the last one "
                      "now; `/als action <what you will do>` records a new action.")  # fmt: skip
    session_id = (held.data or {}).get("session_id")
    owner = UserRef.from_key(held.user_key)
    late = (held.data or {}).get("late") is True
    where = Where(set_info, session_id if isinstance(session_id, int) else None, owner, late=late)
    await drafts.drop(ctx, draft_id)
    await commitments.record_words(ctx, where, owner, held.text)


def register(router: Router) -> None:
    router.command(EditAction, edit_command)
    router.command(RemoveAction, remove_command)
    router.button("action", on_button)

"""Answering a DM that asks about the set: when it next meets, where, whether it is on.

The bot answers from what it knows — the schedule (in the person's own time zone), a
session running now, and where the schedule says it meets (venue, link) — and says plainly
what it does not know. Anything else in the message stays with its author: it is neither
shared nor offered as an update (they can send that as a message of its own).
"""

from __future__ import annotations

from bot.context import Ctx
from bot.dates import sessions
from bot.dates.recurrence import asked_at
from bot.dates.sessions import end_of
from bot.followup import schedule
from bot.followup.dm_reading import Asked, Reading
from bot.followup.nudge_text import place, when
from bot.refs import UserRef
from bot.replies import Direct, Strong, Text, text
from bot.rounds.sessions import active_session
from bot.set_info import SetInfo
from bot.sets import records as sets


async def _about_the_set(ctx: Ctx, set_info: SetInfo, me: UserRef, asked: frozenset[Asked]) -> Text:
    row = await schedule.current(ctx, set_info.id)
    venue, link = (row.venue, row.link) if row is not None else (None, None)
    placed = False
    if await active_session(ctx, set_info.id) is not None:
        out = text("Your set is meeting right now — the session is under way in its channel.")
    else:
        upcoming = await schedule.next_of(ctx, set_info, row)
        if upcoming is None:
            out = text(
                "No next session is scheduled at the moment — a facilitator can set one with "
                "`/als schedule`, and I'll remind everyone before it."
            )
        else:
            tz = await sets.timezone_for(ctx, me, set_info)
            end = (
                end_of(upcoming, row.first_at, row.ends_at, tz, asked_at(row.recurrence))
                if row is not None
                else None
            )
            said = when(upcoming, tz, end=end)
            lead = "As far as I know it's on: the" if Asked.STILL_ON in asked else "The"
            out = text(
                f"{lead} next session is on ",
                Strong(said),
                f" ({tz.key} time)",
                place(venue, link),
                ".",
            )
            placed = True
    if Asked.WHERE in asked and not (placed and (venue or link)):
        if venue or link:
            where = f"The set meets {sessions.where(venue) if venue else 'online'}"
            out += text("\n", where, f"; join at {link}" if link else "", ".")
        else:
            out += "\nI don't have a venue recorded for the set — your facilitator will know."
    return out


async def answer(
    ctx: Ctx,
    to: UserRef,
    mine: list[tuple[SetInfo, UserRef]],
    reading: Reading,
    *,
    has_actions: bool,
) -> None:
    if not mine:
        body = text(
            "I can only answer for an Action Learning Set you're in, and you're not in one "
            "yet: `/als join` in its channel."
        )
    elif len(mine) > 1:
        body = text(
            "You're in several sets: `/als schedule` in a set's channel shows when it next meets."
        )
    else:
        set_info, me = mine[0]
        ctx.set_id = set_info.id
        body = await _about_the_set(ctx, set_info, me, reading.asked)
    if reading.rest:
        body += "\n🔒 Nothing else from your message is shared with your set."
        if has_actions:
            body += (
                " If part of it was an update on your actions, send it to me as a message of "
                "its own: I'll show it to you before anything is shared."
            )
    ctx.emit(Direct(user=to, text=body))

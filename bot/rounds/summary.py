"""The closing summary: what a session leaves behind, in one post.

It says what happened: who presented (and who was named but did not get their turn), the
actions, the ratings with the words people gave, and the next session — which is never the
time this session was meant for (a session started a little early consumes its scheduled
time when it starts: `bot.followup.planning.on_started`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.context import Ctx
from bot.counts import counted, tally
from bot.dates import sessions
from bot.dates.recurrence import asked_at
from bot.refs import UserRef
from bot.replies import Mention, Text, text
from bot.rounds import wording
from bot.rounds.commitments import ACTIONS, due_text
from bot.rounds.evaluation import EVALUATIONS
from bot.rounds.sessions import ROUNDS, next_from, schedule_row
from bot.set_info import SetInfo


async def presented(ctx: Ctx, session_id: int) -> list[str]:
    """Who took their turn: a presenter's round row is written when their Presenting phase
    starts (`sessions.record_round`), so a row with `started_at` means they presented."""
    rows = await ctx.conn.execute(
        select(ROUNDS.c.presenter_key)
        .where(ROUNDS.c.session_id == session_id, ROUNDS.c.started_at.is_not(None))
        .order_by(ROUNDS.c.position, ROUNDS.c.id)
    )
    return [r[0] for r in rows if r[0]]


async def presenter_lines(ctx: Ctx, session_id: int, named: list[str]) -> Text:
    """ "Presenters: …" only for those who presented; everyone else named for the session
    (the session ended early, or they were taken off the list) did not present this time."""
    took_turn = await presented(ctx, session_id)
    waiting = [key for key in dict.fromkeys(named) if key not in took_turn]
    out = text("\nPresenters: ")
    out += wording.people(took_turn) if took_turn else text("nobody presented this time")
    if waiting:
        out += text("\nDid not present this time: ") + wording.people(waiting)
    return out


async def summary_lines(ctx: Ctx, set_info: SetInfo, session_id: int) -> Text:
    out = text()
    rows = list(
        await ctx.conn.execute(
            select(ACTIONS).where(ACTIONS.c.session_id == session_id).order_by(ACTIONS.c.id)
        )
    )
    out += text("\nActions:") if rows else text("\nActions: none recorded.")
    for row in rows:
        who = text(Mention(UserRef.from_key(row.owner_key))) if row.owner_key else text("someone")
        out += text("\n• ") + who + text(": ", row.text, due_text(row.due))
    given = list(
        await ctx.conn.execute(
            select(EVALUATIONS.c.rating, EVALUATIONS.c.word)
            .where(EVALUATIONS.c.session_id == session_id)
            .order_by(EVALUATIONS.c.created_at, EVALUATIONS.c.id)
        )
    )
    if given:
        average = sum(r.rating for r in given) / len(given)
        out += f"\nEvaluation: {counted(len(given), 'rating')}, average {average:.1f}/5"
        words = tally(r.word for r in given)
        out += f" — {words}." if words else "."
    schedule = await schedule_row(ctx, set_info.id)  # read once: the next session and its details
    next_at = None if schedule is None else next_from(schedule, set_info, ctx.now)
    if schedule is not None and next_at is not None:
        out += text("\nNext session: ", _session_text(set_info, schedule, next_at), ".")
    else:
        out += "\nNext session: not scheduled yet (`/als schedule <when>`)."
    return out


def _session_text(set_info: SetInfo, row: Any, next_at: datetime) -> str:
    """`Thursday 8 January 2026, 10:00–12:00 (Europe/London), Room 8`: with the end, venue
    and link the schedule holds (a recurring session keeps the first one's length)."""
    end = sessions.end_of(next_at, row.first_at, row.ends_at, set_info.tz, asked_at(row.recurrence))
    return sessions.show(next_at, set_info.tz, end=end, venue=row.venue, link=row.link)

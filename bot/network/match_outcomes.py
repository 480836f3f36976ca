"""What came of a match: a week after the conversation opened, both are asked "Did you
talk?" ([We talked] [Not yet]), and the answer is recorded on the proposal.

The question is a timer (kind `match_check`, one per proposal by its dedupe key, subject
`match:<id>`), so it survives restarts and goes once across processes (the timer claim).
It lands on a working day outside the set's quiet hours in the set's zone: it goes to two
people at once, so neither's own hours decide. The outcome is one column for the pair, and
"talked" beats "not yet" whoever answers last — one of them saying they talked is the fact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from bot import timers
from bot.context import Ctx
from bot.dates.local_times import parse_quiet
from bot.dates.working_days import next_working
from bot.network import proposal_words as words
from bot.refs import UserRef
from bot.replies import Direct, Edit
from bot.set_info import SetInfo
from bot.store.models import MatchProposal, NetworkItem

PROPOSALS = MatchProposal.__table__
ITEMS = NetworkItem.__table__

CHECK = "match_check"
# A proposal nobody finished answering lapses after this long (timer kind `match_lapse`,
# handled by `proposals`), so an unanswered proposal does not hold its want for ever.
LAPSE = "match_lapse"
# A proposal DM waiting for its reader's working hours (`proposal_tell`).
TELL = "match_tell"
ANSWER_DAYS = 14
TALKED, NOT_YET = "talked", "not_yet"  # `match_proposals.outcome`


def subject(proposal_id: int) -> str:
    return f"match:{proposal_id}"


async def cancel_timers(ctx: Ctx, proposal_id: int) -> None:
    for kind in (CHECK, LAPSE, TELL):
        await timers.cancel(ctx.conn, kind=kind, subject=subject(proposal_id))


async def ask_later(ctx: Ctx, set_info: SetInfo | None, proposal_id: int, due: datetime) -> None:
    """Plan the question for `due`, moved to a working moment in the set's zone."""
    if set_info is not None:
        quiet = parse_quiet(set_info.setting(ctx, "quiet_hours"))
        weekends = bool(set_info.setting(ctx, "send_on_weekends"))
        due = next_working(due, set_info.tz, quiet, weekends)
    await timers.schedule(
        ctx.conn,
        kind=CHECK,
        due_at=due,
        subject=subject(proposal_id),
        payload={"proposal": proposal_id},
        dedupe=f"{CHECK}:{proposal_id}",
    )


async def on_check(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    proposal_id = int(timer.payload.get("proposal", 0))
    row = (await ctx.conn.execute(select(PROPOSALS).where(PROPOSALS.c.id == proposal_id))).first()
    if row is None:
        return "skipped: the match is gone (forgotten)"
    ctx.set_id = row.set_id
    if row.status != "opened":
        return f"skipped: the match is {row.status}"
    if row.outcome == TALKED:
        return "skipped: they have already said they talked"
    want_text = (
        await ctx.conn.execute(select(ITEMS.c.text).where(ITEMS.c.id == row.want_id))
    ).scalar() or ""
    wanter, offerer = UserRef.from_key(row.wanter_key), UserRef.from_key(row.offerer_key)
    for user, other, role in ((wanter, offerer, "want"), (offerer, wanter, "offer")):
        ctx.emit(
            Direct(
                user=user,
                text=words.check_question(other, want_text),
                buttons=words.check_buttons(row.id),
                handle=words.check_handle(row.id, role),
            )
        )
    return "sent: asked both whether they talked"


async def record(ctx: Ctx, row: Any, role: str, verb: str) -> None:
    """[We talked] sets the outcome whatever it was; [Not yet] only when none is set."""
    if verb == words.TALKED:
        open_to = or_(PROPOSALS.c.outcome.is_(None), PROPOSALS.c.outcome == NOT_YET)
        outcome = TALKED
    else:
        open_to = PROPOSALS.c.outcome.is_(None)
        outcome = NOT_YET
    await ctx.conn.execute(
        update(PROPOSALS)
        .where(PROPOSALS.c.id == row.id, PROPOSALS.c.status == "opened", open_to)
        .values(outcome=outcome, outcome_at=ctx.now)
    )
    ctx.emit(Edit(handle=words.check_handle(row.id, role), text=words.outcome_noted(verb)))

"""Answers to a match proposal (buttons `match:yes` / `match:no`, value the proposal id),
and the week-later answers (`match:talked` / `match:notyet`, recorded by `match_outcomes`).

Exactly once across processes: each answer is recorded with one `UPDATE … WHERE status =
'proposed' RETURNING` both answers — PostgreSQL's row lock makes a concurrent second answer
wait and then see the first — and the proposal is opened by a conditional `UPDATE … WHERE
status = 'proposed' RETURNING`; only the transaction that changed the row emits the
`GroupDirect` (and plans the week-later question).

Who declined is never shown: the one who said no is thanked; the other hears nothing then,
and a later press on their proposal reads "not going ahead this time", word for word what a
lapsed proposal (an item removed or expired, unanswered, someone left) reads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select, update

from bot import timers
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.events import ButtonPressed
from bot.network import match_outcomes
from bot.network import proposal_words as words
from bot.refs import UserRef
from bot.replies import Direct, Edit, GroupDirect, text
from bot.sets import records as sets
from bot.store.models import MatchProposal, NetworkItem

ITEMS = NetworkItem.__table__
PROPOSALS = MatchProposal.__table__


async def _mine(ctx: Ctx, event: ButtonPressed) -> tuple[Any, str]:
    """The proposal a button names, and which side of it the presser is."""
    if not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = (
        await ctx.conn.execute(select(PROPOSALS).where(PROPOSALS.c.id == int(event.value)))
    ).first()
    if row is None:
        raise Refusal(OUT_OF_DATE)
    ctx.set_id = row.set_id
    if sets.same_person(ctx, event.user, row.wanter_key):
        return row, "want"
    if sets.same_person(ctx, event.user, row.offerer_key):
        return row, "offer"
    raise Refusal(words.NOT_YOURS)


async def _item_texts(ctx: Ctx, row: Any) -> tuple[str, str]:
    found = {
        r.id: r.text
        for r in await ctx.conn.execute(
            select(ITEMS.c.id, ITEMS.c.text).where(ITEMS.c.id.in_((row.want_id, row.offer_id)))
        )
    }
    return found.get(row.want_id, ""), found.get(row.offer_id, "")


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    if verb in (words.TALKED, words.NOT_YET):
        row, role = await _mine(ctx, event)
        await match_outcomes.record(ctx, row, role, verb)
        return
    if verb not in (words.YES, words.NO):
        raise Refusal(OUT_OF_DATE)
    row, role = await _mine(ctx, event)
    answer = PROPOSALS.c.want_answer if role == "want" else PROPOSALS.c.offer_answer
    want_text, offer_text = await _item_texts(ctx, row)
    mine = words.handle(row.id, role)
    waiting = and_(PROPOSALS.c.id == row.id, PROPOSALS.c.status == "proposed")
    if verb == words.NO:
        declined = (
            await ctx.conn.execute(
                update(PROPOSALS)
                .where(waiting)
                .values({answer: "no", PROPOSALS.c.status: "declined"})
                .returning(PROPOSALS.c.id)
            )
        ).first()
        if declined is None:
            await _no_longer_waiting(ctx, event, row.id, role)
            return
        ctx.emit(Edit(handle=mine, text=words.said_no(want_text)))
        await _answered(ctx, row.id)
        return
    answers = (
        await ctx.conn.execute(
            update(PROPOSALS)
            .where(waiting)
            .values({answer: "yes"})
            .returning(PROPOSALS.c.want_answer, PROPOSALS.c.offer_answer)
        )
    ).first()
    if answers is None:
        await _no_longer_waiting(ctx, event, row.id, role)
        return
    if answers.want_answer != "yes" or answers.offer_answer != "yes":
        ctx.emit(Edit(handle=mine, text=words.said_yes(want_text)))
        return
    opened = (
        await ctx.conn.execute(
            update(PROPOSALS)
            .where(waiting)
            .values(status="opened", opened_at=ctx.now)
            .returning(PROPOSALS.c.id)
        )
    ).first()
    if opened is None:
        return  # cannot happen under the row lock just taken; never a second conversation
    wanter, offerer = UserRef.from_key(row.wanter_key), UserRef.from_key(row.offerer_key)
    ctx.emit(
        GroupDirect(
            users=(wanter, offerer), text=words.opening(wanter, offerer, want_text, offer_text)
        ),
        Edit(handle=words.handle(row.id, "want"), text=words.opened_note(want_text)),
        Edit(handle=words.handle(row.id, "offer"), text=words.opened_note(want_text)),
    )
    await _answered(ctx, row.id)
    set_info = await sets.set_by_id(ctx.conn, row.set_id)
    await match_outcomes.ask_later(ctx, set_info, row.id, ctx.now + timedelta(days=7))


async def _answered(ctx: Ctx, proposal_id: int) -> None:
    """Decided either way: it can no longer lapse."""
    await timers.cancel(
        ctx.conn,
        kind=match_outcomes.LAPSE,
        subject=match_outcomes.subject(proposal_id),
        note="answered",
    )


async def _no_longer_waiting(ctx: Ctx, event: ButtonPressed, proposal_id: int, role: str) -> None:
    """A press on a proposal already decided: opened, or not going ahead — said the same
    for a decline and a lapse, except to whoever declined it."""
    row = (await ctx.conn.execute(select(PROPOSALS).where(PROPOSALS.c.id == proposal_id))).first()
    own = (row.want_answer if role == "want" else row.offer_answer) if row else None
    if row is not None and row.status == "opened":
        said = words.ALREADY_OPEN
    elif own == "no":
        said = words.ALREADY_DECLINED
    else:
        said = words.NOT_GOING_AHEAD
    ctx.emit(Direct(user=event.user, text=text(said)))

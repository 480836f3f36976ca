"""A person's match proposals under the data rights: what `export-me` shows and what
`forget-me` removes (hooks `PERSON_EXPORT`, `PERSON_FORGET`, registered by `proposals`).

Export: each proposal they are part of, from their side — their item, their own answer,
the proposal's state and outcome. Never the other person's answer or key, and a declined
proposal reads `declined` only to whoever declined it (to the other it is `not going
ahead`, as a lapsed one is): nobody is shown who declined, in a file either. The other
item's words are included only while it is open, when the whole set can read them anyway.

Forget: every proposal they are part of goes, the other person's side with it. A proposal
is one row about two people and two items, and the forgotten person's items go too
(`items.py`); what is left for the other (that they were once matched with someone and
what they answered) is not worth keeping a half-row for, and the pair cannot be proposed
again since the forgotten person's items are gone. The forgotten proposals' timers (the
week-later question, the lapse) are cancelled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from bot.context import Ctx
from bot.network import match_outcomes
from bot.network.handles import forget_handles
from bot.store.models import MatchProposal, NetworkItem, Timer

PROPOSALS = MatchProposal.__table__
ITEMS = NetworkItem.__table__
TIMERS = Timer.__table__


def _theirs(key: str) -> Any:
    return or_(PROPOSALS.c.wanter_key == key, PROPOSALS.c.offerer_key == key)


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    rows = list(
        await ctx.conn.execute(select(PROPOSALS).where(_theirs(key)).order_by(PROPOSALS.c.id))
    )
    other_ids = {r.offer_id if r.wanter_key == key else r.want_id for r in rows}
    open_texts = {
        r.id: r.text
        for r in await ctx.conn.execute(
            select(ITEMS.c.id, ITEMS.c.text).where(
                ITEMS.c.id.in_(other_ids), ITEMS.c.status == "open"
            )
        )
    }
    out: list[dict[str, Any]] = []
    for r in rows:
        mine_is_want = r.wanter_key == key
        answer = r.want_answer if mine_is_want else r.offer_answer
        other_id = r.offer_id if mine_is_want else r.want_id
        status = r.status
        if status in ("declined", "lapsed") and answer != "no":
            status = "not going ahead"
        out.append(
            {
                "id": r.id,
                "set_id": r.set_id,
                "your_side": "want" if mine_is_want else "offer",
                "your_item_id": r.want_id if mine_is_want else r.offer_id,
                "other_item_id": other_id,
                "other_item_text": open_texts.get(other_id),
                "your_answer": answer,
                "status": status,
                "proposed_at": r.created_at.isoformat(),
                "opened_at": r.opened_at.isoformat() if r.opened_at else None,
                "outcome": r.outcome,
            }
        )
    return {"match_proposals": out}


async def forget_person(ctx: Ctx, key: str) -> None:
    """Their proposals, and the timers of any proposal now gone: the items' own forget may
    have run first, and its deleted items take their proposals with them (the foreign key
    cascades), leaving timers this could not find by the person."""
    theirs = select(ITEMS.c.id).where(ITEMS.c.author_key == key)
    gone = [
        r.id
        for r in await ctx.conn.execute(
            select(PROPOSALS.c.id).where(
                or_(_theirs(key), PROPOSALS.c.want_id.in_(theirs), PROPOSALS.c.offer_id.in_(theirs))
            )
        )
    ]
    await forget_handles(ctx, (f"match:{pid}:" for pid in gone))
    await ctx.conn.execute(delete(PROPOSALS).where(_theirs(key)))
    pending = {
        int((r.payload or {}).get("proposal", 0))
        for r in await ctx.conn.execute(
            select(TIMERS.c.payload).where(
                TIMERS.c.kind.in_((match_outcomes.CHECK, match_outcomes.LAPSE)),
                TIMERS.c.status == "pending",
            )
        )
    }
    kept = {
        r.id
        for r in await ctx.conn.execute(select(PROPOSALS.c.id).where(PROPOSALS.c.id.in_(pending)))
    }
    for proposal_id in sorted(pending - kept):
        await match_outcomes.cancel_timers(ctx, proposal_id)

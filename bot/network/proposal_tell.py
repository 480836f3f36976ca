"""Putting a proposal to someone when they are about: their quiet hours and weekends.

The person whose offer or want was just saved is at the keyboard, so their proposal DM goes
at once. The other person did nothing: their DM waits, as nudges do, for the end of their
quiet hours (their own, else the config's, in their own zone) and, unless the set sends at
weekends, for a working day (`bot.dates.working_days.next_working`). The wait is a timer
(kind `match_tell`, subject `match:<id>`, one per proposal and side by its dedupe key), so
it survives a restart and goes once across processes; when it fires the proposal is checked
again, and nothing is sent for one that was declined, lapsed or forgotten meanwhile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot import timers
from bot.context import Ctx
from bot.dates.working_days import next_working
from bot.followup import timer_checks
from bot.network import match_outcomes
from bot.network import proposal_words as words
from bot.refs import UserRef
from bot.replies import Direct
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import MatchProposal, NetworkItem

PROPOSALS = MatchProposal.__table__
ITEMS = NetworkItem.__table__
TELL = match_outcomes.TELL


def proposal_dm(row: Any, role: str, want_text: str, offer_text: str) -> Direct:
    """The proposal as one side reads it: the other's item, [Let's talk] [Not now]."""
    wanter, offerer = UserRef.from_key(row.wanter_key), UserRef.from_key(row.offerer_key)
    if role == "want":
        body = words.to_wanter(offerer, want_text, offer_text)
        to = wanter
    else:
        body = words.to_offerer(wanter, want_text, offer_text)
        to = offerer
    return Direct(
        user=to, text=body, buttons=words.answer_buttons(row.id), handle=words.handle(row.id, role)
    )


async def tell(
    ctx: Ctx,
    set_info: SetInfo,
    row: Any,
    role: str,
    texts: tuple[str, str],
    *,
    awake: str | None,
) -> None:
    """Send one side its proposal now, or plan it for when they are about."""
    key = row.wanter_key if role == "want" else row.offerer_key
    if key != awake:
        person = await timer_checks.person_state(ctx, set_info, key)
        weekends = bool(set_info.setting(ctx, "send_on_weekends"))
        later = next_working(ctx.now, person.tz, person.quiet, weekends)
        if later != ctx.now:
            await timers.schedule(
                ctx.conn,
                kind=TELL,
                due_at=later,
                subject=match_outcomes.subject(row.id),
                payload={"proposal": row.id, "role": role},
                dedupe=f"{TELL}:{row.id}:{role}",
            )
            return
    ctx.emit(proposal_dm(row, role, *texts))


async def on_tell(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    """A proposal DM that waited for its reader's working hours."""
    row = (
        await ctx.conn.execute(
            select(PROPOSALS).where(PROPOSALS.c.id == int(timer.payload.get("proposal", 0)))
        )
    ).first()
    if row is None:
        return "skipped: the proposal is gone"
    if row.status != "proposed":
        return f"skipped: the proposal is {row.status}"
    set_info = await sets.set_by_id(ctx.conn, row.set_id)
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    found = {
        r.id: r.text
        for r in await ctx.conn.execute(
            select(ITEMS.c.id, ITEMS.c.text).where(ITEMS.c.id.in_((row.want_id, row.offer_id)))
        )
    }
    role = str(timer.payload.get("role", ""))
    if role not in ("want", "offer"):
        return "skipped: no side named"
    ctx.emit(proposal_dm(row, role, found.get(row.want_id, ""), found.get(row.offer_id, "")))
    return None

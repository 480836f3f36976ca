"""Match proposals: a want and an offer in one set, put privately to both people, and one
conversation opened only when both say yes (issue 18).

When an item is saved (`ITEM_SAVED`, from `items.py`), `matching` ranks the set's open
items of the other kind by their authors still in the set; a want is proposed its best
offer not proposed before, an offer the wants it best meets. A pair is proposed at most
once (`match_proposals` is unique on it), so a declined one never returns. Each want has
at most one proposal waiting for answers, and each person at most `WAITING_PER_PERSON`, so
nobody is flooded; a want declined or lapsed is proposed again when an offer is saved (or
it is edited). A proposal not answered by both within `ANSWER_DAYS` lapses (timer
`match_lapse`), and a wanter who had said yes is proposed their next offer; someone leaving
the set lapses their waiting proposals (`MEMBER_LEAVING`).

Answers, exactly once across processes, and who is told what: `proposal_answers`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import or_, select, update

from bot import timers
from bot.context import Ctx
from bot.network import items, match_outcomes, proposal_answers, proposal_data, proposal_tell
from bot.network import proposal_words as words
from bot.network.hooks import ITEM_GONE, ITEM_SAVED
from bot.network.matching import Index, Item, Scored
from bot.refs import UserRef
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import MEMBER_LEAVING, PERSON_EXPORT, PERSON_FORGET
from bot.store.models import MatchProposal, NetworkItem
from bot.store.upsert import insert_ignore

ITEMS = NetworkItem.__table__
PROPOSALS = MatchProposal.__table__

WAITING_PER_PERSON = 3  # proposals awaiting answers that involve one person, at most
WANTS_PER_OFFER = 2  # wants one saved offer is proposed to at once, at most


@dataclass(frozen=True, slots=True)
class _Open:
    """An open item of the set, as matching and proposing need it."""

    id: int
    kind: str
    author: str
    text: str
    tags: tuple[str, ...]

    def as_item(self) -> Item:
        return Item(self.id, self.author, self.text, self.tags)


async def _open_items(ctx: Ctx, set_id: int) -> list[_Open]:
    """The set's open offers and wants as the matcher sees them, oldest first (the order
    ties are ranked in)."""
    rows = sorted(await items.open_items(ctx, set_id), key=lambda r: r.id)
    return [
        _Open(r.id, r.kind, r.author_key, r.text, tuple(str(t) for t in r.tags or ())) for r in rows
    ]


@dataclass
class _Waiting:
    """What limits new proposals: pairs already proposed (in any state), and proposals
    still waiting for answers, per want, per person and per pair of people."""

    pairs: set[tuple[int, int]]
    wants: set[int]
    people: Counter[str]
    between: set[tuple[str, str]]

    def free(self, want: _Open, offer: _Open) -> bool:
        return (
            (want.id, offer.id) not in self.pairs
            and want.id not in self.wants
            and self.people[want.author] < WAITING_PER_PERSON
            and self.people[offer.author] < WAITING_PER_PERSON
            and (want.author, offer.author) not in self.between
        )

    def add(self, want: _Open, offer: _Open) -> None:
        self.pairs.add((want.id, offer.id))
        self.wants.add(want.id)
        self.people.update((want.author, offer.author))
        self.between.add((want.author, offer.author))


async def _waiting(ctx: Ctx, set_id: int, item_id: int) -> _Waiting:
    rows = await ctx.conn.execute(
        select(
            PROPOSALS.c.want_id,
            PROPOSALS.c.offer_id,
            PROPOSALS.c.wanter_key,
            PROPOSALS.c.offerer_key,
            PROPOSALS.c.status,
        ).where(
            PROPOSALS.c.set_id == set_id,
            or_(
                PROPOSALS.c.status == "proposed",
                PROPOSALS.c.want_id == item_id,
                PROPOSALS.c.offer_id == item_id,
            ),
        )
    )
    found = _Waiting(set(), set(), Counter(), set())
    for r in rows:
        found.pairs.add((r.want_id, r.offer_id))
        if r.status == "proposed":
            found.wants.add(r.want_id)
            found.people.update((r.wanter_key, r.offerer_key))
            found.between.add((r.wanter_key, r.offerer_key))
    return found


async def on_item_saved(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
    """Propose matches for an offer or a want just added or changed by its author, who is
    at the keyboard (`proposal_tell`: the other side hears in their working hours)."""
    await _propose_for(ctx, set_info, item_id, awake=True)


async def _propose_for(ctx: Ctx, set_info: SetInfo, item_id: int, *, awake: bool) -> None:
    items = await _open_items(ctx, set_info.id)
    by_id = {i.id: i for i in items}
    saved = by_id.get(item_id)
    if saved is None:
        return  # removed, expired, or its author has left the set
    others = [i for i in items if i.kind != saved.kind]
    ranked = Index(i.as_item() for i in items).rank(saved.as_item(), [o.as_item() for o in others])
    waiting = await _waiting(ctx, set_info.id, item_id)
    made, at_most = 0, (1 if saved.kind == "want" else WANTS_PER_OFFER)
    for found in ranked:
        other = by_id[found.item.id]
        want, offer = (saved, other) if saved.kind == "want" else (other, saved)
        if not waiting.free(want, offer):
            continue
        if await _propose(ctx, set_info, want, offer, found, saved.author if awake else None):
            waiting.add(want, offer)
            made += 1
            if made >= at_most:
                return


async def _propose(
    ctx: Ctx, set_info: SetInfo, want: _Open, offer: _Open, found: Scored, awake: str | None
) -> bool:
    """Record the pair (once: a second process proposing it concurrently inserts nothing)
    and put it to both people (`awake`: whose item was just saved, told at once)."""
    inserted = (
        await ctx.conn.execute(
            insert_ignore(PROPOSALS, ctx.dialect, ["want_id", "offer_id"]).returning(
                PROPOSALS.c.id
            ),
            {
                "set_id": set_info.id,
                "want_id": want.id,
                "offer_id": offer.id,
                "wanter_key": want.author,
                "offerer_key": offer.author,
                "score": round(found.score, 4),
                "status": "proposed",
                "created_at": ctx.now,
            },
        )
    ).first()
    if inserted is None:
        return False
    pid = int(inserted.id)
    await timers.schedule(
        ctx.conn,
        kind=match_outcomes.LAPSE,
        due_at=ctx.now + timedelta(days=match_outcomes.ANSWER_DAYS),
        subject=match_outcomes.subject(pid),
        payload={"proposal": pid},
        dedupe=f"{match_outcomes.LAPSE}:{pid}",
    )
    ctx.set_id = set_info.id
    row = SimpleNamespace(id=pid, wanter_key=want.author, offerer_key=offer.author)
    for role in ("want", "offer"):
        await proposal_tell.tell(ctx, set_info, row, role, (want.text, offer.text), awake=awake)
    return True


async def on_item_gone(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
    """Proposals still waiting on the item lapse, quietly (a later press reads "not going
    ahead this time", as a declined one does), and their pending timers are cancelled. A
    conversation already opened keeps its week-later question: the match was made."""
    lapsed = await ctx.conn.execute(
        update(PROPOSALS)
        .where(
            or_(PROPOSALS.c.want_id == item_id, PROPOSALS.c.offer_id == item_id),
            PROPOSALS.c.status == "proposed",
        )
        .values(status="lapsed")
        .returning(PROPOSALS.c.id)
    )
    for row in list(lapsed):
        await match_outcomes.cancel_timers(ctx, row.id)


async def on_lapse(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    """Unanswered for `ANSWER_DAYS`: the proposal lapses quietly. If the wanter had said
    yes, their want is matched again (its next offer; never this one)."""
    lapsed = (
        await ctx.conn.execute(
            update(PROPOSALS)
            .where(
                PROPOSALS.c.id == int(timer.payload.get("proposal", 0)),
                PROPOSALS.c.status == "proposed",
            )
            .values(status="lapsed")
            .returning(PROPOSALS.c.set_id, PROPOSALS.c.want_id, PROPOSALS.c.want_answer)
        )
    ).first()
    if lapsed is None:
        return "skipped: answered, or gone"
    ctx.set_id = lapsed.set_id
    if lapsed.want_answer == "yes":
        set_info = await sets.set_by_id(ctx.conn, lapsed.set_id)
        if set_info is not None:
            await _propose_for(ctx, set_info, lapsed.want_id, awake=False)
    return f"lapsed: unanswered for {match_outcomes.ANSWER_DAYS} days"


async def on_leaving(ctx: Ctx, set_info: SetInfo, user: UserRef) -> None:
    """Someone leaving the set: their proposals still waiting lapse, quietly."""
    lapsed = await ctx.conn.execute(
        update(PROPOSALS)
        .where(
            PROPOSALS.c.set_id == set_info.id,
            or_(PROPOSALS.c.wanter_key == user.key, PROPOSALS.c.offerer_key == user.key),
            PROPOSALS.c.status == "proposed",
        )
        .values(status="lapsed")
        .returning(PROPOSALS.c.id)
    )
    for row in list(lapsed):
        await match_outcomes.cancel_timers(ctx, row.id)


def register(router: Router) -> None:
    """The matcher on the items' hooks, the `match` buttons, the week-later question, and
    the proposals' part of export-me and forget-me."""
    router.hook(ITEM_SAVED, on_item_saved)
    router.hook(ITEM_GONE, on_item_gone)
    router.button(words.PREFIX, proposal_answers.on_button)
    router.timer(match_outcomes.CHECK, match_outcomes.on_check)
    router.timer(match_outcomes.LAPSE, on_lapse)
    router.timer(match_outcomes.TELL, proposal_tell.on_tell)
    router.hook(MEMBER_LEAVING, on_leaving)
    router.hook(PERSON_EXPORT, proposal_data.export_person)
    router.hook(PERSON_FORGET, proposal_data.forget_person)

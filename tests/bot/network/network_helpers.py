"""Offers and wants for the proposals' tests, without the items' commands.

`add_item` writes a `network_items` row as `/als offer …` / `/als want …` will and runs the
`ITEM_SAVED` hook in one write transaction, as the command's handler would; `remove_item`
likewise for `ITEM_GONE`. Once `bot/network/items.py` lands, these two can become
`h.cmd(who, f"{kind} {text}")` and `h.cmd(who, f"{kind} remove {n}")`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update

from bot.context import Ctx
from bot.network.hooks import ITEM_GONE, ITEM_SAVED
from bot.outbox_rows import enqueue
from bot.replies import Direct, GroupDirect, Reply
from bot.sets import records as sets
from bot.store.models import MatchProposal, NetworkItem
from testkit.harness import Harness, u

ITEMS = NetworkItem.__table__
PROPOSALS = MatchProposal.__table__


async def set_of(h: Harness, *people: str) -> int:
    """A set in #general with these members (the first is its facilitator)."""
    for who in people:
        await h.cmd(who, "join")
    h.new()
    async with h.app.store.read() as conn:
        found = await sets.sets_of(Ctx(conn, h.clock.now(), h.app.config), u(people[0]))
    return found[0].id


async def _in_transaction(h: Harness, set_id: int, call: Any) -> None:
    async with h.app.store.write() as conn:
        ctx = Ctx(conn, h.clock.now(), h.app.config, hooks=h.app.router.hooks, traits=h.app.traits)
        set_info = await sets.set_by_id(conn, set_id)
        assert set_info is not None
        await call(ctx, set_info)
        await enqueue(conn, ctx.out, now=ctx.now, set_id=set_id)


async def add_item(
    h: Harness, set_id: int, who: str, kind: str, text: str, tags: tuple[str, ...] = ()
) -> int:
    """An offer or a want by `who`, saved; returns its id (replies wait in `h.new()`)."""
    made: list[int] = []

    async def save(ctx: Ctx, set_info: Any) -> None:
        now = ctx.now
        result = await ctx.conn.execute(
            insert(ITEMS).returning(ITEMS.c.id),
            {
                "set_id": set_id,
                "kind": kind,
                "author_key": u(who).key,
                "text": text,
                "tags": list(tags),
                "status": "open",
                "created_at": now,
                "updated_at": now,
                "expires_at": now + timedelta(days=90),
            },
        )
        made.append(int(result.scalar_one()))
        for handler in ctx.hooks(ITEM_SAVED):
            await handler(ctx, set_info, made[0])

    await _in_transaction(h, set_id, save)
    await h.app.settle()
    return made[0]


async def resave_item(h: Harness, set_id: int, item_id: int) -> None:
    """The item's words saved again (an edit): `ITEM_SAVED` once more."""

    async def save(ctx: Ctx, set_info: Any) -> None:
        for handler in ctx.hooks(ITEM_SAVED):
            await handler(ctx, set_info, item_id)

    await _in_transaction(h, set_id, save)
    await h.app.settle()


async def remove_item(h: Harness, set_id: int, item_id: int) -> None:
    async def gone(ctx: Ctx, set_info: Any) -> None:
        await ctx.conn.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(status="removed"))
        for handler in ctx.hooks(ITEM_GONE):
            await handler(ctx, set_info, item_id)

    await _in_transaction(h, set_id, gone)
    await h.app.settle()


async def proposals(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(PROPOSALS).order_by(PROPOSALS.c.id)))


def proposal_dms(replies: list[Reply], who: str) -> list[Direct]:
    return [
        r
        for r in replies
        if isinstance(r, Direct)
        and r.user.id == who
        and any(b.label == "Let's talk" for b in r.buttons)
    ]


def groups(replies: list[Reply]) -> list[GroupDirect]:
    return [r for r in replies if isinstance(r, GroupDirect)]

"""Words held privately for their author until they say yes.

Action Learning rests on confidentiality, so the bot never turns what someone said into a
record others can see on a guess: a DM that might be an outcome update, a round message
that might be an action, a status read from someone's words. Such words wait here, seen
by their author alone (with buttons to confirm, edit or discard), and become a record only
when they press yes. Drafts are part of `export-me`, go with `forget-me`, and expire after
`DRAFT_DAYS` (`bot.retention`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.context import Ctx, Refusal
from bot.refs import UserRef
from bot.sets import records as sets
from bot.store.models import Draft
from bot.store.upsert import inserted_id

DRAFTS = Draft.__table__
MAX_TEXT = 4000
GONE = "That is no longer waiting for you: it was already confirmed, discarded or has expired."


async def hold(
    ctx: Ctx,
    set_id: int,
    user: UserRef,
    kind: str,
    body: str,
    data: dict[str, Any] | None = None,
) -> int:
    """Keep `body` for `user` alone; returns the draft's id (for its buttons' values)."""
    result = await ctx.conn.execute(
        insert(DRAFTS).values(
            set_id=set_id,
            user_key=user.key,
            kind=kind,
            text=body.strip()[:MAX_TEXT],
            data=data or {},
            created_at=ctx.now,
        )
    )
    return inserted_id(result)


async def mine(ctx: Ctx, draft_id: int, user: UserRef, kind: str | None = None) -> Any:
    """The draft, if it is still waiting and belongs to `user`; otherwise a Refusal that
    says so (never whose it was, nor what it said)."""
    row = (await ctx.conn.execute(select(DRAFTS).where(DRAFTS.c.id == draft_id))).first()
    if row is None or (kind is not None and row.kind != kind):
        raise Refusal(GONE)
    if not sets.same_person(ctx, user, row.user_key):
        raise Refusal("That isn't yours to confirm: only the person who said it can.")
    return row


async def latest(ctx: Ctx, user: UserRef, kind: str, *, editing: bool | None = None) -> Any:
    """`user`'s newest waiting draft of `kind` (optionally only one they asked to edit)."""
    rows = await ctx.conn.execute(
        select(DRAFTS)
        .where(DRAFTS.c.user_key == user.key, DRAFTS.c.kind == kind)
        .order_by(DRAFTS.c.id.desc())
    )
    for row in rows:
        if editing is None or bool((row.data or {}).get("editing")) == editing:
            return row
    return None


async def revise(
    ctx: Ctx, draft_id: int, *, body: str | None = None, data: dict[str, Any] | None = None
) -> None:
    values: dict[str, Any] = {}
    if body is not None:
        values["text"] = body.strip()[:MAX_TEXT]
    if data is not None:
        values["data"] = data
    if values:
        await ctx.conn.execute(update(DRAFTS).where(DRAFTS.c.id == draft_id).values(**values))


async def drop(ctx: Ctx, draft_id: int) -> None:
    await ctx.conn.execute(delete(DRAFTS).where(DRAFTS.c.id == draft_id))

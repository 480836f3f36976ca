"""Saving a message into the set's toolkit: who reacted, and merging a do said twice.

Both paths to a saved do use it: enough reactions to a message in the set's channel
(`capture`), and its author's yes to a private one (`consent`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update

from bot.context import Ctx
from bot.dos import statements as q
from bot.dos.common import DOS, REACTIONS, SAVED, SOURCES
from bot.dos.do_text import hashtags, normalise_text

MAX_VARIANTS = 16  # skin tones × burst is 12; more is noise, not a person
# In `do_reactions.emoji`: this person chose "Save as do" on the message (`bot.dos.save_as_do`).
# No platform's emoji name has spaces or brackets, so no reaction can add or take it back.
CHOSE = "(save as do)"


async def source_row(ctx: Ctx, message_key: str) -> Any:
    return (await ctx.conn.execute(q.SOURCE, {"b_message_key": message_key})).first()


def _dump(variants: list[str]) -> str:
    return json.dumps(variants, ensure_ascii=False)


def _variants(raw: str | None) -> list[str]:
    """The stored set of a person's variants; a row from before variants has none known."""
    if not raw:
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return []
    return [str(v) for v in found] if isinstance(found, list) else []


async def note_reaction(
    ctx: Ctx, message_key: str, user_key: str, emoji: str, variant: str
) -> None:
    """`user_key` reacted with `variant` of the do emoji: one row per person, and the
    variants they have on the message (a burst ✅ and a normal ✅ are two)."""
    added = await q.lean_note_reaction(ctx.dialect).run(
        ctx.conn,
        {
            "message_key": message_key,
            "user_key": user_key,
            "emoji": emoji,
            "created_at": ctx.now,
            "variants": _dump([variant]),
        },
    )
    if added.rowcount:
        return
    row = await _reaction_row(ctx, message_key, user_key, emoji)
    if row is None:
        return
    variants = _variants(row.variants)
    if variant not in variants and len(variants) < MAX_VARIANTS:
        await ctx.conn.execute(
            update(REACTIONS)
            .where(REACTIONS.c.id == row.id)
            .values(variants=_dump(sorted([*variants, variant])))
        )


async def take_back_reaction(
    ctx: Ctx, message_key: str, user_key: str, emoji: str, variant: str
) -> bool:
    """`user_key` removed `variant`: True when that was their last one, so their reaction
    no longer counts (its row is gone). A removal that does not say its variant (""),
    or a row from before variants, takes the reaction back whole."""
    row = await _reaction_row(ctx, message_key, user_key, emoji)
    if row is None:
        return False
    left = [v for v in _variants(row.variants) if v != variant] if variant else []
    if left:
        await ctx.conn.execute(
            update(REACTIONS).where(REACTIONS.c.id == row.id).values(variants=_dump(left))
        )
        return False
    await ctx.conn.execute(delete(REACTIONS).where(REACTIONS.c.id == row.id))
    return True


async def _reaction_row(ctx: Ctx, message_key: str, user_key: str, emoji: str) -> Any:
    return (
        await ctx.conn.execute(
            select(REACTIONS.c.id, REACTIONS.c.variants)
            .where(
                REACTIONS.c.message_key == message_key,
                REACTIONS.c.user_key == user_key,
                (REACTIONS.c.emoji == emoji) | REACTIONS.c.emoji.is_(None),
            )
            .with_for_update()
        )
    ).first()


async def note_choice(ctx: Ctx, message_key: str, user_key: str) -> None:
    """`user_key` chose "Save as do" on the message: they are one of its savers (a reaction
    they had on it becomes their choice), and their choice outlasts any reaction."""
    await q.lean_note_reaction(ctx.dialect).run(
        ctx.conn,
        {
            "message_key": message_key,
            "user_key": user_key,
            "emoji": CHOSE,
            "created_at": ctx.now,
            "variants": _dump([]),
        },
    )
    await ctx.conn.execute(
        update(REACTIONS)
        .where(REACTIONS.c.message_key == message_key, REACTIONS.c.user_key == user_key)
        .values(emoji=CHOSE, variants=_dump([]))
    )


async def chosen(ctx: Ctx, message_key: str) -> bool:
    """Someone chose "Save as do" on the message: taking reactions back does not undo it."""
    found = await ctx.conn.execute(
        select(REACTIONS.c.id)
        .where(REACTIONS.c.message_key == message_key, REACTIONS.c.emoji == CHOSE)
        .limit(1)
    )
    return found.first() is not None


async def reactors(
    ctx: Ctx, message_key: str, author_key: str | None, allow_self: bool
) -> list[str]:
    """Distinct people whose reaction counts, in the order they reacted."""
    if author_key and not allow_self:
        params = {"b_message_key": message_key, "b_author_key": author_key}
        return [r[0] for r in await q.LEAN_REACTORS_BUT_AUTHOR.run(ctx.conn, params)]
    return [r[0] for r in await q.LEAN_REACTORS.run(ctx.conn, {"b_message_key": message_key})]


async def save_source(
    ctx: Ctx, set_id: int, source_id: int, body: str, author_key: str | None, savers: list[str]
) -> tuple[int, bool]:
    """Make the source part of a do: a new one, or merged with one saying the same thing.

    Returns the do's id and whether it was merged.
    """
    existing, do_id = await do_for(ctx, set_id, body, author_key, savers)
    if existing is not None:
        await merge_into(ctx, existing, body, savers)
    await ctx.conn.execute(
        q.SOURCE_SAVED,
        {"b_id": source_id, "do_id": do_id, "status": SAVED, "saved_at": ctx.now, "text": body},
    )
    return do_id, existing is not None


async def do_for(
    ctx: Ctx, set_id: int, body: str, author_key: str | None, savers: list[str]
) -> tuple[Any, int]:
    """The set's do saying the same as `body` (not yet merged), else a new one: (row, id)."""
    norm = normalise_text(body) or body.strip()
    values = {
        "v_set_id": set_id,
        "v_text": body,
        "v_norm_text": norm,
        "v_author_key": author_key,
        "v_saved_by": list(dict.fromkeys(savers)),
        "v_tags": hashtags(body),
        "v_status": SAVED,
        "v_created_at": ctx.now,
        "b_set_id": set_id,
        "b_norm": norm,
    }
    new = (await q.LEAN_NEW_DO_UNLESS_SAME.run(ctx.conn, values)).first()
    if new is not None:
        return None, new[0]
    existing = (await ctx.conn.execute(q.SAME_TEXT, {"b_set_id": set_id, "b_norm": norm})).one()
    return existing, existing.id


async def merge_into(ctx: Ctx, existing: Any, body: str, savers: list[str]) -> None:
    saved_by = list(existing.saved_by or [])
    saved_by += [s for s in savers if s not in saved_by]
    tags = list(existing.tags or [])
    tags += [t for t in hashtags(body) if t not in tags]
    await ctx.conn.execute(
        update(DOS).where(DOS.c.id == existing.id).values(saved_by=saved_by, tags=tags)
    )


async def add_saver(ctx: Ctx, do_id: int | None, user_key: str) -> None:
    if do_id is None:
        return
    row = (await ctx.conn.execute(select(DOS.c.saved_by).where(DOS.c.id == do_id))).first()
    if row is not None and user_key not in (row.saved_by or []):
        await ctx.conn.execute(
            update(DOS).where(DOS.c.id == do_id).values(saved_by=[*(row.saved_by or []), user_key])
        )


async def rest_on_remaining_sources(ctx: Ctx, do_id: int, gone: str) -> None:
    """Re-found do `do_id` on the sources still in it, or remove it when none is left.

    A merged do is several people's words; when the source it was founded on goes (its
    author's `forget-me`, or every reaction taken back within the undo window), the do
    must not keep words nobody stands behind any more.
    """
    c = ctx.conn
    remaining = list(
        await c.execute(
            select(SOURCES.c.author_key, SOURCES.c.text)
            .where(SOURCES.c.do_id == do_id, SOURCES.c.status == SAVED)
            .order_by(SOURCES.c.id)
        )
    )
    remaining = [r for r in remaining if r.text]
    if not remaining:
        await c.execute(delete(DOS).where(DOS.c.id == do_id))
        return
    row = (await c.execute(select(DOS.c.author_key).where(DOS.c.id == do_id))).first()
    if row is None or row.author_key != gone:
        return  # their message was merged into someone else's do: its text was never theirs
    first = remaining[0]
    tags = list(dict.fromkeys(t for r in remaining for t in hashtags(r.text)))
    await c.execute(
        update(DOS)
        .where(DOS.c.id == do_id)
        .values(
            text=first.text,
            norm_text=normalise_text(first.text) or first.text.strip(),
            author_key=first.author_key,
            tags=tags,
        )
    )

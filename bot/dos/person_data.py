"""A person's do's under the data rights: what `export-me` shows and `forget-me` removes.

Privacy (`bot.sets.privacy`) calls these through its hooks, so the do's tables are known
only to the do's package.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, delete, or_, select, update
from sqlalchemy import cast as sa_cast

from bot.context import Ctx
from bot.dos.common import DOS, REACTIONS, SOURCES
from bot.dos.saving import rest_on_remaining_sources
from bot.store.plain import plain


async def saved_by_person(ctx: Ctx, key: str) -> list[Any]:
    """The do's `key` helped save (their name is on them as a saver)."""
    rows = await ctx.conn.execute(
        select(DOS).where(sa_cast(DOS.c.saved_by, String).contains(f'"{key}"', autoescape=True))
    )
    return [r for r in rows if key in (r.saved_by or [])]


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    """A do is theirs to see when they wrote it first or when a message of theirs was merged
    into it: either way their words are part of it."""
    own_sources = [
        plain(r)
        for r in await ctx.conn.execute(
            select(SOURCES).where(SOURCES.c.author_key == key).order_by(SOURCES.c.id)
        )
    ]
    merged_into = select(SOURCES.c.do_id).where(SOURCES.c.author_key == key)
    written = await ctx.conn.execute(
        select(DOS)
        .where(or_(DOS.c.author_key == key, DOS.c.id.in_(merged_into)))
        .order_by(DOS.c.id)
    )
    return {
        "dos_written": _own_saves([plain(r) for r in written], key),
        "do_sources": own_sources,
        "dos_saved": _own_saves([plain(r) for r in await saved_by_person(ctx, key)], key),
    }


def _own_saves(dos: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Who else wrote or saved a do is their data, not this person's: only their own name.
    (The text stays: it is the set's shared toolkit, which every member can read.)"""
    return [
        {
            **do,
            "author_key": do.get("author_key") if do.get("author_key") == key else None,
            "saved_by": [k for k in do.get("saved_by") or [] if k == key],
        }
        for do in dos
    ]


async def forget_person(ctx: Ctx, key: str) -> None:
    """Their reactions, their messages in do's, and their name on do's they helped save.

    A do is the set's, often said by several people (merged sources): only this person's
    sources go. A do they wrote first keeps living on another contributor's source — its
    text, author and tags become that source's (the search index follows the text: triggers
    on SQLite, an expression index on PostgreSQL) — and goes only when no source is left.
    """
    c = ctx.conn
    await c.execute(delete(REACTIONS).where(REACTIONS.c.user_key == key))
    touched = {
        r.do_id
        for r in await c.execute(select(SOURCES.c.do_id).where(SOURCES.c.author_key == key))
        if r.do_id is not None
    }
    touched |= {r.id for r in await c.execute(select(DOS.c.id).where(DOS.c.author_key == key))}
    await c.execute(delete(SOURCES).where(SOURCES.c.author_key == key))
    for do_id in sorted(touched):
        await rest_on_remaining_sources(ctx, do_id, key)
    for row in await saved_by_person(ctx, key):
        await c.execute(
            update(DOS)
            .where(DOS.c.id == row.id)
            .values(saved_by=[k for k in row.saved_by if k != key])
        )

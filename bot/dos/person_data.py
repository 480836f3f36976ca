"""A person's do's under the data rights: what `export-me` shows and `forget-me` removes.

Privacy (`bot.sets.privacy`) calls these through its hooks, so the do's tables are known
only to the do's package.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, delete, select, update
from sqlalchemy import cast as sa_cast

from bot.context import Ctx
from bot.dos.common import DOS, REACTIONS, SOURCES
from bot.store.plain import plain


async def saved_by_person(ctx: Ctx, key: str) -> list[Any]:
    """The do's `key` helped save (their name is on them as a saver)."""
    rows = await ctx.conn.execute(
        select(DOS).where(sa_cast(DOS.c.saved_by, String).contains(f'"{key}"', autoescape=True))
    )
    return [r for r in rows if key in (r.saved_by or [])]


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    written = await ctx.conn.execute(select(DOS).where(DOS.c.author_key == key))
    return {
        "dos_written": _own_saves([plain(r) for r in written], key),
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
    """Their reactions, the do's they wrote, and their name on do's they helped save."""
    await ctx.conn.execute(delete(REACTIONS).where(REACTIONS.c.user_key == key))
    await ctx.conn.execute(delete(SOURCES).where(SOURCES.c.author_key == key))
    await ctx.conn.execute(delete(DOS).where(DOS.c.author_key == key))
    for row in await saved_by_person(ctx, key):
        await ctx.conn.execute(
            update(DOS)
            .where(DOS.c.id == row.id)
            .values(saved_by=[k for k in row.saved_by if k != key])
        )

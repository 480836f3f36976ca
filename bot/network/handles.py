"""Forgetting the DMs sent to a person: the `posted` rows their handles became.

A handle (`match:7:want`, `pair:12`, `offer:3:…`) names the platform message a DM became,
so that an answer can edit it; the row says which DM channel it is in, which on some
platforms names the person. Once the record it belongs to is forgotten, nothing will edit
the message again, so `forget-me` takes these rows too.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_

from bot.context import Ctx
from bot.store.models import Posted

POSTED = Posted.__table__
_AT_ONCE = 200


async def forget_handles(ctx: Ctx, prefixes: Iterable[str]) -> None:
    """Delete the `posted` rows whose handles start with any of `prefixes`."""
    wanted = sorted(set(prefixes))
    for start in range(0, len(wanted), _AT_ONCE):
        chunk = wanted[start : start + _AT_ONCE]
        await ctx.conn.execute(
            delete(POSTED).where(
                or_(*(POSTED.c.handle.startswith(p, autoescape=True) for p in chunk))
            )
        )

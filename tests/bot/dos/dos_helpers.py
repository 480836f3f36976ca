"""Reactions and rows for the do's tests: events as an adapter would hand them to the core."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from bot.events import ReactionAdded, ReactionRemoved
from bot.refs import MessageRef
from bot.replies import Reply
from bot.store.models import Do, DoReaction, DoSource
from testkit.harness import GENERAL, Harness, u

_keys = itertools.count(1)


def msg(n: int | str, channel=GENERAL) -> MessageRef:
    return MessageRef(channel, f"m{n}")


async def react(
    h: Harness,
    who: str,
    message: MessageRef,
    *,
    author: str | None,
    text: str | None,
    emoji: str = "white_check_mark",
    thread: MessageRef | None = None,
    key: str | None = None,
    variant: str = "",
) -> list[Reply]:
    await h.app.handle(
        ReactionAdded(
            variant=variant,
            key=key or f"test:react:{next(_keys)}",
            user=u(who),
            message=message,
            emoji=emoji,
            author=u(author) if author else None,
            text=text,
            thread=thread,
        )
    )
    return h.new()


async def unreact(
    h: Harness,
    who: str,
    message: MessageRef,
    emoji: str = "white_check_mark",
    *,
    variant: str = "",
) -> list[Reply]:
    await h.app.handle(
        ReactionRemoved(
            key=f"test:unreact:{next(_keys)}",
            user=u(who),
            message=message,
            emoji=emoji,
            variant=variant,
        )
    )
    return h.new()


async def rows(h: Harness, model: Any, *where: Any) -> list[Any]:
    table = model.__table__
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(table).where(*where).order_by(table.c.id)))


async def dos(h: Harness) -> list[Any]:
    return await rows(h, Do)


async def sources(h: Harness) -> list[Any]:
    return await rows(h, DoSource)


async def reactions(h: Harness) -> list[Any]:
    return await rows(h, DoReaction)


async def make_set(h: Harness, facilitator: str = "alice") -> None:
    """A set in #general with `facilitator` as its facilitator (the first one to add one)."""
    await h.cmd(facilitator, f"facilitator add <@{facilitator}>")
    h.new()

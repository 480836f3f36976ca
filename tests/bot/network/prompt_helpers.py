"""The prompt of the week's tests: a set with a facilitator and members, and what was posted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.refs import MessageRef
from bot.replies import Post, Reply
from bot.store.models import PromptPost, SetPrompt, Timer
from testkit.harness import Harness

TIMERS = Timer.__table__


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def a_set(h: Harness, *members: str) -> None:
    """alice facilitates the set in #general; `members` join it."""
    await h.cmd("alice", "facilitator add <@alice>")
    for who in members:
        await h.cmd(who, "join")
    h.new()


def prompts_in(replies: list[Reply]) -> list[Post]:
    return [r for r in replies if isinstance(r, Post) and (r.handle or "").startswith("prompt:")]


def posted_prompts(h: Harness) -> list[tuple[datetime, Post]]:
    """Every prompt the outlet was handed, with the fake time it was delivered at."""
    return [
        (d.created_at, d.reply)
        for d in h.outlet.sent
        if isinstance(d.reply, Post) and (d.reply.handle or "").startswith("prompt:")
    ]


def prompt_ref(h: Harness, handle: str) -> MessageRef:
    """The message a prompt became (the recording outlet numbers what it is handed)."""
    for n, delivery in enumerate(h.outlet.sent, start=1):
        if isinstance(delivery.reply, Post) and delivery.reply.handle == handle:
            return MessageRef(delivery.reply.channel, str(n))
    raise AssertionError(f"no post {handle}")


async def table(h: Harness, model: Any) -> list[Any]:
    t = model.__table__
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(t).order_by(t.c.id)))


async def posts(h: Harness) -> list[Any]:
    return await table(h, PromptPost)


async def own(h: Harness) -> list[Any]:
    return await table(h, SetPrompt)


async def prompt_timers(h: Harness, status: str | None = "pending") -> list[Any]:
    query = select(TIMERS).where(TIMERS.c.kind == "prompt")
    if status is not None:
        query = query.where(TIMERS.c.status == status)
    async with h.app.store.read() as conn:
        return list(await conn.execute(query.order_by(TIMERS.c.due_at, TIMERS.c.id)))

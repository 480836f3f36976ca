"""Helpers for the pairs tests: a set of named members, its pairings, the introductions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from bot.network.pair_checks import PAIR_MEMBERS, PAIRINGS
from bot.replies import Direct, GroupDirect, Mention, Reply
from bot.store.models import Do
from testkit.harness import Harness, u
from testkit.nudges import closed_session

SEVEN = ("alice", "bob", "carol", "dave", "erin", "frank", "grace")


async def set_of(h: Harness, names: tuple[str, ...] = SEVEN, *, pairs: bool = True) -> None:
    """`names[0]` sets the set up (its facilitator), the others join; pairs on."""
    await h.cmd(names[0], "setup")
    for name in names[1:]:
        await h.cmd(name, "join")
    if pairs:
        await h.cmd(names[0], "pairs on")
    h.new()


async def session_closes(h: Harness, presenter: str = "bob") -> None:
    await closed_session(h, presenter=presenter)


def introductions(replies: list[Reply]) -> list[GroupDirect]:
    return [r for r in replies if isinstance(r, GroupDirect)]


def groups(replies: list[Reply]) -> list[tuple[str, ...]]:
    return [tuple(sorted(user.id for user in g.users)) for g in introductions(replies)]


def mentioned(reply: GroupDirect) -> set[str]:
    return {p.user.id for p in reply.text.parts if isinstance(p, Mention)}


def questions(replies: list[Reply], who: str) -> list[Direct]:
    return [
        r
        for r in replies
        if isinstance(r, Direct) and r.user.id == who and r.text.plain().startswith("Did you")
    ]


async def pairing_rows(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(
            await conn.execute(
                select(PAIRINGS, PAIR_MEMBERS.c.user_key, PAIR_MEMBERS.c.answer)
                .join(PAIR_MEMBERS, PAIR_MEMBERS.c.pairing_id == PAIRINGS.c.id)
                .order_by(PAIRINGS.c.id, PAIR_MEMBERS.c.id)
            )
        )


async def add_do(h: Harness, words: str, set_id: int = 1) -> None:
    async with h.app.store.write() as conn:
        await conn.execute(
            insert(Do.__table__).values(
                set_id=set_id,
                text=words,
                norm_text=words.lower(),
                author_key=u("carol").key,
                saved_by=[u("dave").key],
                tags=[],
                status="saved",
                created_at=h.clock.now(),
            )
        )

"""A message whose text the platform withheld (Discord without the Message Content intent)
has no effect and gets no answer, in every phase of a round; the same words with their
text are read as ever."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.events import MessagePosted
from bot.refs import MessageRef
from bot.store.models import Action, Attendance, Draft, OutcomeUpdate
from testkit.harness import GENERAL, Harness, u
from testkit.nudges import closed_session


async def rows(h: Harness, model: Any) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def withheld(h: Harness, who: str, words: str = "") -> list[Any]:
    """What Discord hands a bot without the intent: the message, its text empty."""
    key = h.key()
    await h.app.handle(
        MessagePosted(
            key=key,
            user=u(who),
            channel=GENERAL,
            message=MessageRef(GENERAL, key),
            text=words,
            thread=h.header(),
            withheld=True,
        )
    )
    return h.new()


@pytest.mark.asyncio
async def test_a_withheld_message_has_no_effect_and_no_answer_in_any_phase(h: Harness) -> None:
    await closed_session(h)  # bob presented last time: the Updates phase is for him
    await h.cmd("alice", "start @dave")
    await h.cmd("carol", "join")
    h.new()
    before = len(await rows(h, Attendance))
    # opening, updates, presenting, questions, summary, actions, evaluation
    for phase in range(7):
        for who in ("bob", "carol", "dave"):
            assert await withheld(h, who) == [], f"an answer in phase {phase} to {who}"
        await h.cmd("alice", "next")
        h.new()
    assert len(await rows(h, Attendance)) == before  # nobody counted as having spoken
    assert len(await rows(h, Action)) == 1  # last session's, nothing new
    assert await rows(h, OutcomeUpdate) == [] and await rows(h, Draft) == []


@pytest.mark.asyncio
async def test_a_withheld_message_is_not_read_even_if_it_carried_words(h: Harness) -> None:
    """`withheld` wins: an adapter that says the text was withheld is believed."""
    await h.cmd("alice", "start @bob")
    for _ in range(5):
        await h.cmd("alice", "next")
    h.new()
    assert await withheld(h, "bob", "call the volunteer centre by Friday") == []
    assert await rows(h, Action) == []
    # The same words, read, are an action as ever.
    out = await h.say("bob", "call the volunteer centre by Friday")
    assert any("Action recorded for @bob" in r.text.plain() for r in out)

"""Where the platform cannot read the thread, the typing phases' prompts carry a button that
opens a one-field form, and what comes back from it is read as a typed message: a question
shown in the thread and handed to the presenter, an action recorded, an update recorded.
Where the platform reads the thread (the console here, Slack), nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.events import MessagePosted
from bot.ports import PlatformTraits
from bot.refs import MessageRef, Platform
from bot.replies import Button, Direct, Post, Reply
from bot.store.models import Action, OutcomeUpdate
from bot.typed_in import opens_form, what_of
from testkit.harness import GENERAL, Harness, private_to, public, u
from testkit.nudges import closed_session


def cannot_read(h: Harness) -> None:
    """The console platform declared as one whose bot cannot read the thread."""
    h.app.processor.traits.declare(Platform.CONSOLE, PlatformTraits(reads_messages=lambda: False))


def typing_buttons(replies: list[Reply]) -> list[Button]:
    return [b for r in replies if isinstance(r, Post) for b in r.buttons if opens_form(b.action_id)]


async def typed_in(h: Harness, who: str, words: str) -> list[Reply]:
    """What an adapter hands over when `who` sends the form: the message they would have
    typed in the round's thread, marked as come through the form."""
    key = h.key()
    await h.app.handle(
        MessagePosted(
            key=key,
            user=u(who),
            channel=GENERAL,
            message=MessageRef(GENERAL, key),
            text=words,
            thread=h.header(),
            via_form=True,
        )
    )
    return h.new()


async def rows(h: Harness, model: Any) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


async def prompts_of_a_round(h: Harness) -> dict[str, list[Reply]]:
    """Alice runs a round with Bob presenting; each phase's replies, by the header's phase."""
    out = {"opening": await h.cmd("alice", "start @bob")}
    for phase in ("updates", "presenting", "questions", "summary", "actions", "evaluation"):
        out[phase] = await h.cmd("alice", "next")
    return out


@pytest.mark.asyncio
async def test_a_platform_that_reads_the_thread_gets_no_typing_buttons(h: Harness) -> None:
    shown = await prompts_of_a_round(h)
    assert all(typing_buttons(replies) == [] for replies in shown.values())
    assert not any("can't read messages" in t for r in shown.values() for t in public(r))


@pytest.mark.asyncio
async def test_each_typing_phase_offers_its_button_where_the_thread_is_unreadable(
    h: Harness,
) -> None:
    cannot_read(h)
    shown = await prompts_of_a_round(h)
    offered = {
        phase: [(what_of(b.action_id), b.label, b.value) for b in typing_buttons(replies)]
        for phase, replies in shown.items()
    }
    assert offered == {
        "opening": [],
        "updates": [("update", "Give an update", "How did your actions go?")],
        "presenting": [],
        "questions": [("question", "Ask a question", "Your question")],
        "summary": [],
        "actions": [("action", "Add an action", "Your action (“by Friday” if you like)")],
        "evaluation": [],
    }
    [questions] = [t for t in public(shown["questions"]) if t.startswith("Questions for")]
    assert "press" not in questions and "[Ask a question]" in questions
    assert all(len(b.value) <= 45 for r in shown.values() for b in typing_buttons(r))


@pytest.mark.asyncio
async def test_a_question_from_the_form_is_shown_and_handed_to_the_presenter(h: Harness) -> None:
    cannot_read(h)
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    for _ in range(3):  # updates, presenting, questions
        await h.cmd("alice", "next")
    h.new()
    out = await typed_in(h, "carol", "What have you tried so far? <@everyone>")
    [shown] = [r for r in out if isinstance(r, Post)]
    assert shown.text.plain() == "Question from @carol: “What have you tried so far? <@everyone>”"
    assert shown.thread_handle is not None and shown.thread_handle.endswith(":header")
    # Advice through the form: shown as typed advice would have been, coached privately.
    out = await typed_in(h, "carol", "You should pay them more")
    assert "Question from @carol: “You should pay them more”" in public(out)
    assert private_to(out, "carol"), "the private reminder about advice"
    summary = await h.cmd("alice", "next")
    [handed] = [r for r in summary if isinstance(r, Direct) and r.user.id == "bob"]
    assert "What have you tried so far?" in handed.text.plain()


@pytest.mark.asyncio
async def test_an_action_from_the_form_is_recorded_as_a_typed_one(h: Harness) -> None:
    cannot_read(h)
    await h.cmd("alice", "start @bob")
    for _ in range(5):
        await h.cmd("alice", "next")
    h.new()
    out = await typed_in(h, "bob", "call the volunteer centre by Friday")
    assert any(
        t.startswith("✅ Action recorded for @bob: call the volunteer centre") for t in public(out)
    )
    assert not any(t.startswith("Question from") for t in public(out))
    [row] = await rows(h, Action)
    assert row.text == "call the volunteer centre" and row.due is not None


@pytest.mark.asyncio
async def test_an_update_from_the_form_is_recorded_and_shown(h: Harness) -> None:
    await closed_session(h)  # bob presented last time
    cannot_read(h)
    await h.cmd("alice", "start @dave")
    await h.cmd("alice", "next")  # updates
    h.new()
    out = await typed_in(h, "bob", "The centre will send two people")
    assert "Update from @bob: “The centre will send two people”" in public(out)
    assert any("Recorded as your update" in t for t in private_to(out, "bob"))
    [update] = await rows(h, OutcomeUpdate)
    assert update.text == "The centre will send two people" and update.session_id == 2


@pytest.mark.asyncio
async def test_words_from_the_form_that_no_phase_takes_are_given_back_privately(
    h: Harness,
) -> None:
    cannot_read(h)
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    for _ in range(5):  # … to bob's Actions
        await h.cmd("alice", "next")
    h.new()
    # A supporter pressed [Add an action]: not theirs to add.
    out = await typed_in(h, "carol", "ring the trustees")
    assert public(out) == [] and await rows(h, Action) == []
    [back] = private_to(out, "carol")
    assert back.startswith("I haven't taken this in") and back.endswith("“ring the trustees”")
    # Typed words nothing takes stay silent, as ever.
    assert await h.say("carol", "ring the trustees") == []
    # Paused: not taken either.
    await h.cmd("alice", "pause")
    h.new()
    out = await typed_in(h, "bob", "call the volunteer centre")
    assert await rows(h, Action) == [] and len(private_to(out, "bob")) == 1

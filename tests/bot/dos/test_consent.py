"""Consent for messages from a round's thread, removal by command, and forget-me."""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio

from bot.events import ButtonPressed
from bot.replies import Direct, Edit
from bot.store.models import Timer
from testkit.harness import GENERAL, Harness, private_to, u
from tests.bot.dos.dos_helpers import dos, make_set, msg, react, reactions, rows, sources

SECRET = "I keep a list of what each volunteer enjoys #rota"


@pytest_asyncio.fixture
async def h(h: Harness) -> Harness:
    """The shared harness (conftest), with a set already made."""
    await make_set(h)
    return h


async def in_round(h: Harness):
    await h.cmd("alice", "start <@bob>")
    h.new()
    return h.header()


async def ask_bob(h: Harness) -> list:
    thread = await in_round(h)
    return await react(h, "carol", msg(1), author="bob", text=SECRET, thread=thread)


@pytest.mark.asyncio
async def test_round_thread_message_waits_for_its_author_and_approval_saves(h: Harness) -> None:
    out = await ask_bob(h)
    assert await dos(h) == []
    [asked] = [r for r in out if isinstance(r, Direct)]
    assert asked.user == u("bob") and SECRET in asked.text.plain()
    assert [b.action_id for b in asked.buttons] == ["do:approve", "do:decline"]
    assert "asked its author" in private_to(out, "carol")[0]
    [source] = await sources(h)
    assert source.status == "pending" and source.text == SECRET

    await react(h, "erin", msg(1), author="bob", text=SECRET, thread=h.header())
    assert len([r for r in h.new() if isinstance(r, Direct)]) == 0, "asked once"

    button = h.button("Yes, save it", who="bob")
    await h.app.handle(  # carol cannot see bob's DM, but a forged press must fail too
        ButtonPressed(
            key="forged",
            user=u("carol"),
            channel=GENERAL,
            action_id=button.action_id,
            value=button.value,
        )
    )
    assert "Only the person who wrote" in private_to(h.new(), "carol")[0]
    assert await dos(h) == []

    out = await h.press("bob", "Yes, save it")
    [do] = await dos(h)
    assert do.text == SECRET and do.saved_by == [u("carol").key, u("erin").key]
    [done] = [r for r in out if isinstance(r, Edit)]
    assert "saved as do #1" in done.text.plain() and not done.buttons
    out = await h.press("bob", "Yes, save it")
    assert "already been answered" in private_to(out, "bob")[0]
    assert len(await dos(h)) == 1


@pytest.mark.asyncio
async def test_declining_keeps_nothing_and_stops_asking(h: Harness) -> None:
    await ask_bob(h)
    out = await h.press("bob", "No, keep it private")
    assert "Kept private" in [r for r in out if isinstance(r, Edit)][0].text.plain()
    [source] = await sources(h)
    assert source.status == "declined" and source.text == ""
    assert await reactions(h) == [], "who reacted is forgotten too"
    out = await react(h, "erin", msg(1), author="bob", text=SECRET, thread=h.header())
    assert await dos(h) == [] and not [r for r in out if isinstance(r, Direct)]


@pytest.mark.asyncio
async def test_an_ended_rounds_thread_is_still_confidential(h: Harness) -> None:
    thread = await in_round(h)
    await h.cmd("alice", "end")
    out = await react(h, "carol", msg(1), author="bob", text=SECRET, thread=thread)
    assert await dos(h) == [] and [r for r in out if isinstance(r, Direct)]


@pytest.mark.asyncio
async def test_the_author_reacting_themselves_is_consent(h: Harness) -> None:
    await h.cmd("alice", "settings do_allow_self on")
    thread = await in_round(h)
    await react(h, "bob", msg(1), author="bob", text=SECRET, thread=thread)
    assert len(await dos(h)) == 1


@pytest.mark.asyncio
async def test_taking_the_reactions_back_withdraws_the_question(h: Harness) -> None:
    await ask_bob(h)
    from tests.bot.dos.dos_helpers import unreact

    out = await unreact(h, "carol", msg(1))
    [withdrawn] = [r for r in out if isinstance(r, Edit)]
    assert "No answer needed" in withdrawn.text.plain()
    [source] = await sources(h)
    assert source.status == "counting" and source.text == ""
    await h.app.handle(
        ButtonPressed(
            key="late-press",
            user=u("bob"),
            channel=GENERAL,
            action_id="do:approve",
            value=f"{source.id}:0",
        )
    )
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_an_unanswered_question_expires_after_a_week(h: Harness) -> None:
    await ask_bob(h)
    out = await h.wait(timedelta(days=7, minutes=1))
    assert any(isinstance(r, Edit) and "expired" in r.text.plain() for r in out)
    [source] = await sources(h)
    assert source.status == "expired" and source.text == ""
    consent = await rows(h, Timer, Timer.__table__.c.kind == "do_consent")
    assert [t.status for t in consent] == ["done"]


# --------------------------------------------------------------------------- removal


@pytest.mark.asyncio
async def test_authors_remove_their_own_and_facilitators_any(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text="Tip one")
    await react(h, "carol", msg(2), author="erin", text="Tip two")
    out = await h.cmd("carol", "dos remove 1")
    assert "Only a facilitator" in private_to(out, "carol")[0]
    out = await h.cmd("dave", "dos remove 1")
    assert "Removed do #1" in private_to(out, "dave")[0]
    out = await h.cmd("alice", "dos remove 2")
    assert "Removed do #2" in private_to(out, "alice")[0]
    assert await dos(h) == []
    assert {(s.status, s.text) for s in await sources(h)} == {("removed", "")}
    await react(h, "frank", msg(1), author="dave", text="Tip one")
    assert await dos(h) == [], "a removed do does not come back by reacting again"
    out = await h.cmd("alice", "dos remove 9")
    assert "no do #9" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_forget_me_removes_the_dos_you_wrote_and_your_name_as_saver(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text="Dave's tip")
    await react(h, "carol", msg(2), author="erin", text="Erin's tip")
    await react(h, "dave", msg(2), author="erin", text="Erin's tip")
    out = await h.cmd("dave", "export-me")
    [exported] = [r for r in out if hasattr(r, "content")]
    assert b"Dave's tip" in exported.content and b"dos_saved" in exported.content
    await h.cmd("dave", "forget-me confirm")
    [left] = await dos(h)
    assert left.text == "Erin's tip" and left.saved_by == [u("carol").key]
    assert all(r.user_key != u("dave").key for r in await reactions(h))
    out = await h.cmd("carol", "dos dave")
    assert "No do's match" in private_to(out, "carol")[0]

"""Actions the presenter means: recorded from a commitment, offered for anything else, several
a message with their own dates, kept once, editable and removable until the next session."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.events import ButtonPressed
from bot.replies import Button, Edit, Ephemeral, Post, Reply
from bot.store.models import Action, Draft
from testkit.harness import GENERAL, Harness, private_to, public, u
from tests.bot.rounds.round_helpers import next_phases, to_actions


async def actions(h: Harness) -> list:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(Action.__table__).order_by(Action.id)))


async def drafts(h: Harness) -> list:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(Draft.__table__)))


def private_button(replies: list[Reply], who: str, label: str) -> Button:
    for reply in reversed(replies):
        if isinstance(reply, Ephemeral) and reply.user.id == who:
            for button in reply.buttons:
                if button.label == label:
                    return button
    raise AssertionError(f"{who} sees no private [{label}]")


def posted_button(replies: list[Reply], label: str) -> Button:
    for reply in reversed(replies):
        if isinstance(reply, Post):
            for button in reply.buttons:
                if button.label == label:
                    return button
    raise AssertionError(f"no [{label}] on a post")


async def press(h: Harness, who: str, button: Button) -> list[Reply]:
    await h.app.handle(
        ButtonPressed(key=h.key(), user=u(who), channel=GENERAL, action_id=button.action_id,
                      value=button.value)
    )  # fmt: skip
    return h.new()


@pytest.mark.asyncio
async def test_a_commitment_is_recorded_with_edit_and_remove(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("bob", "Ask three volunteers what keeps them coming")
    [post] = [r for r in out if isinstance(r, Post)]
    assert "Action recorded for @bob: Ask three volunteers what keeps them coming" in (
        post.text.plain()
    )
    assert [b.label for b in post.buttons] == ["Edit", "Remove"]
    assert post.thread is not None, "in the round's thread"


@pytest.mark.parametrize(
    "said",
    ["Thanks everyone, that was really helpful!", "Hmm, not sure about the budget one yet",
     "maybe talk to HR", "What should I do first?", "👍"],
)  # fmt: skip
@pytest.mark.asyncio
async def test_what_is_not_a_commitment_is_offered_privately(h: Harness, said: str) -> None:
    await to_actions(h)
    out = await h.say("bob", said)
    assert not public(out) and await actions(h) == []
    [offer] = private_to(out, "bob")
    assert "If that was an action, press [Record as action]" in offer
    button = private_button(out, "bob", "Record as action")

    refused = await press(h, "carol", button)  # only the presenter can say yes
    assert (
        await actions(h) == [] and "only the person who said it" in private_to(refused, "carol")[0]
    )

    out = await press(h, "bob", button)
    [row] = await actions(h)
    assert row.text == said and row.session_id is not None
    assert any("Action recorded for @bob" in t for t in public(out))
    assert await drafts(h) == []
    again = await press(h, "bob", button)
    assert "no longer waiting" in private_to(again, "bob")[0] and len(await actions(h)) == 1


@pytest.mark.asyncio
async def test_several_actions_in_one_message_each_with_its_own_date(h: Harness) -> None:
    await h.cmd("alice", "facilitator add @alice")
    await h.cmd("alice", "settings timezone Pacific/Auckland")
    # Sunday 18 January 12:00 UTC is already Monday 19 January 01:00 in Auckland.
    await h.wait(timedelta(days=6, hours=2))
    await h.cmd("alice", "start @bob")
    await next_phases(h, 5)  # … to Bob's actions
    out = await h.say("bob", "Write up notes by Friday, and share with the team by Monday")
    rows = await actions(h)
    assert [(r.text, r.due) for r in rows] == [
        ("Write up notes", date(2026, 1, 23)),
        ("Share with the team", date(2026, 1, 26)),  # Monday in Auckland is the 19th: next is 26th
    ]
    assert len([r for r in out if isinstance(r, Post)]) == 2

    await h.say("bob", "- Book the venue by 23/01\n- Ring the council in two weeks\n- Thanks all!")
    rows = await actions(h)
    assert [(r.text, r.due) for r in rows[2:]] == [
        ("Book the venue", date(2026, 1, 23)),
        ("Ring the council", date(2026, 2, 2)),
    ]


@pytest.mark.asyncio
async def test_before_the_next_session_is_the_scheduled_date(h: Harness) -> None:
    await to_actions(h, schedule="9 Feb 2026 10am")
    await h.say("bob", "Read the report before the next session")
    [row] = await actions(h)
    assert (row.text, row.due) == ("Read the report", date(2026, 2, 9))


@pytest.mark.asyncio
async def test_an_unreadable_date_is_said_and_the_action_kept(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("bob", "Book the venue by the Ides of March")
    [row] = await actions(h)
    assert row.text == "Book the venue by the Ides of March" and row.due is None
    assert any("Action recorded" in t for t in public(out))
    said = private_to(out, "bob")
    assert any(
        "I couldn't read the date in “by the Ides of March”" in t
        and "I've kept the action without a date" in t
        and f"/als action edit {row.id}" in t
        for t in said
    ), said
    assert not any("couldn't read" in t for t in public(out)), "said privately"


@pytest.mark.asyncio
async def test_the_same_words_twice_are_kept_once(h: Harness) -> None:
    await to_actions(h)
    await h.say("bob", "Talk to my manager")
    out = await h.say("bob", "talk to my  manager!")
    out += await h.cmd("bob", "action Talk to my manager by friday")
    assert len(await actions(h)) == 1
    assert not public(out)
    told = private_to(out, "bob")
    assert len(told) == 2 and all("already recorded as #1" in t for t in told), told


@pytest.mark.asyncio
async def test_edit_and_remove_by_command(h: Harness) -> None:
    await to_actions(h)
    await h.say("bob", "Draft a rota by Friday")
    [row] = await actions(h)
    out = await h.cmd("bob", f"action edit {row.id} Draft a rota with the team leader by 23/01")
    [edited] = await actions(h)
    assert (edited.text, edited.due) == ("Draft a rota with the team leader", date(2026, 1, 23))
    assert any(f"#{row.id} now reads: Draft a rota with the team leader" in t
               for t in private_to(out, "bob"))  # fmt: skip
    [change] = [r for r in out if isinstance(r, Edit)]
    assert change.handle == f"action:{row.id}" and "team leader" in change.text.plain()

    await h.cmd("bob", f"action edit {row.id} by end of month")  # only the date
    [edited] = await actions(h)
    assert (edited.text, edited.due) == ("Draft a rota with the team leader", date(2026, 1, 31))

    for unusable in ("by 2020-01-01", "by the Ides of March"):
        out = await h.cmd("bob", f"action edit {row.id} {unusable}")
        assert "I couldn't read the date" in private_to(out, "bob")[0]
    [edited] = await actions(h)
    assert (edited.text, edited.due) == ("Draft a rota with the team leader", date(2026, 1, 31))

    out = await h.cmd("carol", f"action remove {row.id}")
    assert "Only the person who committed" in private_to(out, "carol")[0]
    out = await h.cmd("bob", f"action remove #{row.id}")
    assert await actions(h) == []
    assert any(f"Removed #{row.id}" in t for t in private_to(out, "bob"))
    assert any(isinstance(r, Edit) and "was removed" in r.text.plain() for r in out)
    out = await h.cmd("alice", "end")
    assert any("Actions: none recorded." in t for t in public(out)), "the summary reads the rows"


@pytest.mark.asyncio
async def test_edit_and_remove_by_button(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("bob", "Talk to my manager")
    [row] = await actions(h)
    edit = posted_button(out, "Edit")
    said = private_to(await press(h, "bob", edit), "bob")
    assert f"/als action edit {row.id} Talk to my manager" in said[0]
    refused = await press(h, "carol", edit)
    assert "Only the person who committed" in private_to(refused, "carol")[0]

    await h.cmd("bob", "action Email the trustees")
    out = await press(h, "alice", posted_button(out, "Remove"))  # a facilitator may
    assert [r.text for r in await actions(h)] == ["Email the trustees"]
    assert any(isinstance(r, Edit) and r.handle == f"action:{row.id}" for r in out)
    out = await h.cmd("alice", "end")
    summary = " ".join(public(out))
    assert "Email the trustees" in summary and "Talk to my manager" not in summary


@pytest.mark.asyncio
async def test_no_change_once_the_next_session_has_started(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("bob", "Talk to my manager")
    remove = posted_button(out, "Remove")
    await h.say("bob", "Thanks all, very helpful")
    held = private_button(h.outlet.replies(), "bob", "Record as action")
    [row] = await actions(h)
    await h.cmd("alice", "end")
    await h.cmd("bob", f"action edit {row.id} Talk to my manager on Monday")  # still allowed
    await h.wait(timedelta(days=1))
    await h.cmd("alice", "start @carol")
    for attempt in (
        await h.cmd("bob", f"action edit {row.id} Talk to HR"),
        await h.cmd("bob", f"action remove {row.id}"),
        await h.cmd("alice", f"action remove {row.id}"),
        await press(h, "bob", remove),
    ):
        assert any("next session has started" in t for t in texts_private(attempt)), attempt
    out = await press(h, "bob", held)
    assert any("next session has started" in t for t in private_to(out, "bob"))
    [row] = await actions(h)
    assert row.text == "Talk to my manager"


def texts_private(replies: list[Reply]) -> list[str]:
    return [r.text.plain() for r in replies if isinstance(r, Ephemeral)]


@pytest.mark.asyncio
async def test_a_facilitator_records_for_a_presenter(h: Harness) -> None:
    await to_actions(h)
    out = await h.cmd("alice", "action @bob Call the volunteer centre by friday")
    [row] = await actions(h)
    assert (row.owner_key, row.text, row.due) == (u("bob").key, "Call the volunteer centre",
                                                  date(2026, 1, 16))  # fmt: skip
    assert any("Action recorded for @bob" in t and "recorded by @alice" in t for t in public(out))
    out = await h.cmd("alice", f"action edit {row.id} Call the volunteer centre manager")
    [change] = [r.text.plain() for r in out if isinstance(r, Edit)]
    assert "Call the volunteer centre manager (by Fri 16 Jan 2026)" in change
    assert change.endswith("· edited by @alice")
    out = await h.cmd("carol", "action @bob Something else")
    assert "Only a facilitator" in private_to(out, "carol")[0] and len(await actions(h)) == 1

    await h.cmd("alice", "end")  # out of a session: the facilitator is told, Bob gets a DM
    out = await h.cmd("alice", "action for @bob Ring the council")
    assert any("recorded by @alice" in t for t in private_to(out, "alice"))
    assert any("Ring the council" in t for t in private_to(out, "bob"))
    assert [r.text for r in await actions(h)] == [
        "Call the volunteer centre manager",
        "Ring the council",
    ]
    out = await h.cmd("alice", "action @dave Ring the council")
    assert "aren't a member" in private_to(out, "alice")[0]


@pytest.mark.asyncio
async def test_a_supporter_s_words_in_the_actions_phase_are_not_actions(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("carol", "Ask the board by friday")
    assert not out and await actions(h) == [] and await drafts(h) == []

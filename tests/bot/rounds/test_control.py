"""A whole session through the core, the roles that may move it, and its timers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.refs import Platform, WorkspaceRef
from bot.replies import Direct, Edit, Ephemeral, Post
from bot.store.models import Action, Evaluation, Session
from testkit.harness import Harness, private_to, public, texts


async def rows(h: Harness, table) -> list:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(table.__table__)))


async def to_questions(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    await h.cmd("alice", "next")  # updates
    await h.cmd("alice", "next")  # presenting
    await h.cmd("alice", "next")  # questions


@pytest.mark.asyncio
async def test_whole_session_by_commands_buttons_and_thread(h: Harness) -> None:
    out = await h.cmd("alice", "start @bob")
    assert any("Ground rules" in t and "Confidentiality" in t for t in public(out))
    assert any(isinstance(r, Post) and r.handle and r.buttons for r in out)
    await h.cmd("carol", "join")
    await h.cmd("dave", "join")
    await h.press("alice", "Next phase")
    out = await h.press("alice", "Next phase")
    assert any("Presenting" in t and "@bob" in t for t in public(out))
    await h.say("bob", "Our volunteer rota keeps collapsing.")
    out = await h.cmd("alice", "next")
    assert any(t.startswith("Questions for @bob") for t in public(out))

    out = await h.say("dave", "You should just pay them more.")
    assert private_to(out, "dave") and "gentle reminder" in private_to(out, "dave")[0]
    assert not public(out), "advice is never answered in public"
    await h.say("carol", "What have you tried so far?")
    await h.say("bob", "What do I do?")  # the presenter's own words are not 'questions asked'

    out = await h.cmd("alice", "next")
    listing = [r for r in out if isinstance(r, Direct) and r.user.id == "bob"]
    assert len(listing) == 1
    assert "What have you tried so far?" in listing[0].text.plain()
    assert "pay them more" not in listing[0].text.plain()
    assert "What do I do?" not in listing[0].text.plain()

    await h.cmd("alice", "next")  # actions
    out = await h.say("bob", "Call the volunteer centre by 2026-01-30")
    assert any(
        "Action recorded for @bob: Call the volunteer centre (by Fri 30 Jan 2026)" in t
        for t in public(out)
    )
    await h.cmd("bob", "action Write to the trustees")
    out = await h.say("carol", "I think that's a great plan")
    assert not out, "only the presenter's messages become actions"

    await h.cmd("alice", "next")  # evaluation
    await h.press("carol", "4")
    await h.say("dave", "5 energising")
    await h.say("bob", "3")
    out = await h.cmd("alice", "next")
    summary = [t for t in public(out) if t.startswith("Session summary")]
    assert (
        summary
        and "Call the volunteer centre" in summary[0]
        and "Write to the trustees" in summary[0]
    )
    assert "Evaluation: 3 ratings, average 4.0/5 — energising." in summary[0]

    sessions = await rows(h, Session)
    assert [s.status for s in sessions] == ["closed"]
    assert sessions[0].scratch == {}, "the question list is forgotten once handed over"
    assert sorted(a.text for a in await rows(h, Action)) == [
        "Call the volunteer centre",
        "Write to the trustees",
    ]
    assert sorted(
        (e.user_key.split(":")[-1], e.rating, e.word) for e in await rows(h, Evaluation)
    ) == [
        ("bob", 3, None),
        ("carol", 4, None),
        ("dave", 5, "energising"),
    ]


@pytest.mark.asyncio
async def test_only_facilitators_move_the_round(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    for verb in ("next", "pause", "end"):
        out = await h.cmd("carol", verb)
        assert private_to(out, "carol") == ["Only a facilitator can move the round on."] or any(
            "facilitator" in t for t in private_to(out, "carol")
        ), verb
        assert not public(out)
    out = await h.press("carol", "End")
    assert any("facilitator" in t for t in private_to(out, "carol"))
    out = await h.cmd("carol", "start")
    assert any("Only a facilitator" in t for t in private_to(out, "carol"))
    await h.cmd("alice", "facilitator add @carol")
    out = await h.cmd("carol", "pause")
    assert any("paused" in t for t in public(out))


@pytest.mark.asyncio
async def test_actions_only_by_the_presenter_in_the_actions_phase(h: Harness) -> None:
    await to_questions(h)
    out = await h.cmd("bob", "action Call Sam")
    assert private_to(out, "bob") and "Actions" in private_to(out, "bob")[0]
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")
    out = await h.cmd("carol", "action Call Sam")
    assert private_to(out, "carol")
    assert await rows(h, Action) == []
    out = await h.cmd("bob", "action Call Sam by 1 Jan 2020")
    # A date meant but unusable is said, and the action kept without it (issue 12).
    assert any("already passed" in t and "without a date" in t for t in private_to(out, "bob"))
    [kept] = await rows(h, Action)
    assert kept.text == "Call Sam by 1 Jan 2020" and kept.due is None


@pytest.mark.asyncio
async def test_warning_and_automatic_move_on(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # presenting, 8 minutes
    out = await h.wait(timedelta(minutes=6, seconds=59))
    assert not any("One minute" in t for t in texts(out))
    out = await h.wait(timedelta(seconds=1))
    assert any("One minute left for Presenting" in t for t in public(out))
    out = await h.wait(timedelta(minutes=1))
    assert any(t.startswith("Questions for @bob") for t in public(out))


@pytest.mark.asyncio
async def test_pause_stops_the_clock(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.wait(timedelta(minutes=1))
    await h.cmd("alice", "pause")
    out = await h.wait(timedelta(hours=2))
    assert not any("Updates" in t for t in public(out)), "nothing moves while paused"
    out = await h.cmd("alice", "resume")
    assert any("Resumed: 2 min left" in t for t in public(out))
    out = await h.wait(timedelta(minutes=2))
    assert any(t.startswith("Updates from last time") for t in public(out))


@pytest.mark.asyncio
async def test_restart_mid_round_keeps_phase_and_timer(sqlite_url: str, clock) -> None:
    first = await Harness.open(sqlite_url, clock)
    await first.cmd("alice", "start @bob")
    await first.cmd("alice", "next")
    await first.cmd("alice", "next")  # presenting until 10:08
    await first.close()
    clock.advance(timedelta(minutes=3))
    second = await Harness.open(sqlite_url, clock)
    try:
        out = await second.wait(timedelta(minutes=5))
        assert any("One minute left for Presenting" in t for t in public(out))
        assert any(t.startswith("Questions for @bob") for t in public(out))
        assert sum(t.startswith("Questions for") for t in public(out)) == 1
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_two_presenters_and_volunteering(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    out = await h.press("carol", "I'd like to present")
    assert any("@carol will present" in t for t in public(out))
    out = await h.press("carol", "I'd like to present")
    assert any("already" in t.lower() for t in private_to(out, "carol"))
    seen = []
    for _ in range(11):  # updates, 4 phases x 2 presenters, evaluation, close
        seen += public(await h.cmd("alice", "next"))
    starts = [t for t in seen if t.startswith("Presenting: ")]
    assert [s.split(",")[0] for s in starts] == ["Presenting: @bob", "Presenting: @carol"]
    assert any(t.startswith("Session summary") for t in seen)


@pytest.mark.asyncio
async def test_a_member_of_another_workspace_cannot_press_our_buttons(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    stranger_ws = WorkspaceRef(Platform.CONSOLE, "elsewhere")
    out = await h.press("mallory", "End", ws=stranger_ws)
    assert not public(out)
    sessions = await rows(h, Session)
    assert sessions[0].status == "active"


@pytest.mark.asyncio
async def test_bad_input_gets_usage_never_a_trace(h: Harness) -> None:
    for text in (
        "frobnicate",
        "facilitator add",
        "action",
        "schedule yesterday 9am",
        "dos remove x",
        "\u202e\u200b",
    ):
        out = await h.cmd("alice", text)
        assert len(out) == 1 and isinstance(out[0], Ephemeral), text
        body = out[0].text.plain()
        assert "Traceback" not in body and body.strip()
    out = await h.cmd("alice", "next")
    assert any("no Action Learning Set" in t or "No session" in t for t in private_to(out, "alice"))


@pytest.mark.asyncio
async def test_duplicate_delivery_has_no_second_effect(h: Harness) -> None:
    from bot.events import CommandInvoked
    from testkit.harness import GENERAL, u

    event = CommandInvoked(
        key="slack:command:same", user=u("alice"), channel=GENERAL, text="start <@bob>"
    )
    assert await h.app.handle(event) is True
    first = len(h.outlet.sent)
    assert await h.app.handle(event) is False
    assert len(h.outlet.sent) == first
    assert len(await rows(h, Session)) == 1


@pytest.mark.asyncio
async def test_end_early_posts_summary_and_closes(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    out = await h.cmd("alice", "end")
    assert any(t.startswith("Session summary (ended early)") for t in public(out))
    assert any(isinstance(r, Edit) and not r.buttons for r in out)
    out = await h.cmd("alice", "next")
    assert private_to(out, "alice")


@pytest.mark.asyncio
async def test_a_stale_next_press_does_not_advance_twice(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("alice", "facilitator add @carol")
    stale = h.button("Next phase")
    out = await h.press("alice", "Next phase")
    assert any(t.startswith("Updates from last time") for t in public(out))
    from bot.events import ButtonPressed
    from testkit.harness import GENERAL, u

    # Carol clicks the same, now out-of-date, button a moment later.
    await h.app.handle(
        ButtonPressed(
            key="late-click",
            user=u("carol"),
            channel=GENERAL,
            action_id=stale.action_id,
            value=stale.value,
        )
    )
    out = h.new()
    assert "out of date" in private_to(out, "carol")[0]
    assert not any(t.startswith("Presenting") for t in public(out))
    out = await h.press("carol", "Next phase")  # the fresh button works
    assert any(t.startswith("Presenting") for t in public(out))


@pytest.mark.asyncio
async def test_a_session_started_without_presenters_says_so(h: Harness) -> None:
    out = await h.cmd("alice", "start")
    shown = public(out)
    assert any("Presenters: nobody yet" in t for t in shown)
    assert not any("Presenters: \n" in t or t.rstrip().endswith("Presenters:") for t in shown)

"""The console's forms (`alice: /als offer`, then `alice: form: … | …`) and group DMs.

A form is only another way of typing the command: its answers reach the core as the
command's text. A `GroupDirect` is one conversation shown to its members, whose buttons
only they may press.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console import script
from adapters.console.runner import ConsoleRunner
from adapters.console.world import ConsoleOutlet, ConsoleWorld, group_channel, user
from bot.clock import FakeClock
from bot.events import CommandInvoked, event_from_json
from bot.ports import Delivery
from bot.replies import Button, GroupDirect, Mention, text
from bot.store.models import Inbox
from testkit.config import START_OF_TESTS
from tests.adapters.console.console_helpers import console_at, play_and_show


async def commands(runner: ConsoleRunner) -> list[str]:
    async with runner.app.store.read() as conn:
        bodies = (await conn.execute(select(Inbox.body).order_by(Inbox.id))).scalars().all()
    return [e.text for b in bodies if isinstance(e := event_from_json(b), CommandInvoked)]


def test_form_lines_are_read_as_answers_in_order() -> None:
    assert script.read_line("Alice: form: I can help | funding, writing") == script.FormAnswers(
        "alice", ("I can help", "funding, writing")
    )
    assert script.read_line("bob: form: to chair |") == script.FormAnswers("bob", ("to chair", ""))


@pytest.mark.asyncio
async def test_a_form_prints_its_questions_and_its_answers_become_the_command(
    tmp_path: Path,
) -> None:
    async with console_at(tmp_path, START_OF_TESTS) as (runner, out):
        shown = await play_and_show(runner, out, "alice: /als offer")
        assert "📝 (only alice sees) Offer help — answer as `alice: form: … | …`:" in shown
        assert "1. What can you offer the set? (e.g. I can help with grant applications)" in shown
        assert "2. Tags (optional) [optional] (e.g. funding, writing)" in shown
        assert await commands(runner) == []  # nothing is sent until it is answered
        shown = await play_and_show(
            runner, out, "alice: form: I can help with grant applications | funding, writing"
        )
        assert (
            "alice sent the form: /als offer I can help with grant applications #funding #writing"
        ) in shown
        assert await commands(runner) == [
            "offer I can help with grant applications #funding #writing"
        ]
        # A required answer left empty keeps the form open; the optional one may be.
        shown = await play_and_show(runner, out, "bob: /als want add", "bob: form:  | research")
        assert "Please fill in: What would you like help with, or to learn?" in shown
        await play_and_show(runner, out, "bob: form: to run a focus group")
        assert (await commands(runner))[-1] == "want to run a focus group"
        # No form open, or too many answers: the script says what is wrong.
        assert await runner.run_lines(["carol: form: hello"]) == 1
        assert await runner.run_lines(["carol: /als offer", "carol: form: a | b | c"]) == 2
        assert "carol has no form open" in out.getvalue()


@pytest.mark.asyncio
async def test_a_group_dm_is_one_conversation_whose_members_may_press_its_buttons() -> None:
    out = io.StringIO()
    world = ConsoleWorld(clock=FakeClock(START_OF_TESTS), out=out)
    outlet = ConsoleOutlet(world)
    alice, bob = user("alice"), user("bob")
    reply = GroupDirect(
        users=(bob, alice),
        text=text("You both said yes: ", Mention(alice), " meet ", Mention(bob)),
        buttons=(Button("match:met", "We talked", "3"),),
    )
    ref = await outlet.deliver(Delivery(reply))
    assert ref is not None and ref.channel == group_channel(["alice", "bob"])
    assert "✉ [group DM → alice, bob] [#1] alsbot: You both said yes: @alice meet @bob" in (
        out.getvalue()
    )
    assert "[We talked]" in out.getvalue()
    [message] = world.group_dms("bob", "alice")
    assert message.members == ("alice", "bob")
    assert world.find_button("bob", "We talked", None) == (message, reply.buttons[0])
    assert world.find_button("alice", "We talked", 1) is not None
    assert world.find_button("carol", "We talked", None) is None  # not in it
    again = await outlet.deliver(Delivery(reply))
    assert again is not None and again.channel == ref.channel  # the same conversation
    assert len(world.group_dms("alice", "bob")) == 2

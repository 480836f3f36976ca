"""A whole session on Slack, end to end, in both connection modes.

Slash commands, button clicks and thread messages go over the wire exactly as Slack sends
them; the real core processes them; the outlet posts to the Web API stand-in.  The same
script runs in HTTP mode and in Socket Mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE, BOB, CAROL, DAVE = "UALICE", "UBOB", "UCAROL", "UDAVE"


@pytest_asyncio.fixture(params=["http", "socket"])
async def world(
    request: pytest.FixtureRequest, web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    socket = await SocketModeServer().start() if request.param == "socket" else None
    w = await SlackWorld.open(web_api, sqlite_url, clock, mode=request.param, socket=socket)
    try:
        yield w
    finally:
        await w.close()
        if socket is not None:
            await socket.close()


def labels(world: SlackWorld) -> list[str]:
    return [b["text"]["text"] for b in world.buttons(world.header())]


@pytest.mark.asyncio
async def test_a_whole_session(world: SlackWorld) -> None:
    api = world.api
    answer = await world.command(ALICE, f"start <@{BOB}|bob>")
    assert answer.status == 200 and answer.seconds < 1.0
    await world.settle()
    header = world.header()
    assert f"<@{BOB}>" in header.text and "Opening" in header.text
    assert labels(world)[:4] == ["Next phase", "Pause", "+5 min", "End"]
    assert any("Ground rules" in t for t in world.thread())

    for person in (CAROL, DAVE):
        assert (await world.command(person, "join")).status == 200
    await world.settle()

    await world.press(ALICE, "Next phase")  # → Updates
    await world.settle()
    assert "Updates" in world.header().text
    assert api.calls_to("chat.update"), "the header is updated in place"
    await world.press(ALICE, "Next phase")  # → Presenting
    await world.settle()
    assert "Presenting" in world.header().text

    await world.say(BOB, "Our volunteer rota keeps collapsing.")
    await world.wait(timedelta(minutes=8))  # the phase timer moves on by itself
    assert "Questions" in world.header().text

    await world.say(CAROL, "What have you already tried to keep volunteers engaged?")
    await world.say(DAVE, "You should just offer them gift vouchers.")
    await world.settle()
    reminder = [e for e in api.ephemerals if e["user"] == DAVE]
    assert reminder and reminder[0]["thread_ts"] == world.header().ts, "advice → private nudge"

    assert (await world.command(ALICE, "next")).status == 200  # → Summary
    await world.settle()
    assert any("What have you already tried" in t for t in world.private(BOB))

    await world.press(ALICE, "Next phase")  # → Actions
    await world.settle()
    await world.say(BOB, "Ask three long-standing volunteers what keeps them coming")
    await world.settle()
    assert any("Action recorded" in t for t in world.thread())

    await world.press(ALICE, "Next phase")  # → Evaluation
    await world.settle()
    assert "Evaluation" in world.header().text
    assert {"1", "2", "3", "4", "5"} <= set(labels(world))
    await world.press(CAROL, "4")
    await world.say(DAVE, "5 energising")
    await world.settle()

    await world.press(ALICE, "Next phase")  # → Closed
    await world.settle()
    assert "ended" in world.header().text
    assert labels(world) == [], "a closed session's header has no buttons"
    summary = [m.text for m in api.messages[SET] if "Session summary" in m.text]
    assert summary and "Ask three long-standing volunteers" in summary[0]
    failed = [c for c in api.calls if c.error and c.method != "auth.test"]
    assert failed == [], f"Slack refused some calls: {[(c.method, c.error) for c in failed]}"

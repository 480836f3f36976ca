"""A round in a public Slack channel: `/als start` asks Slack (`conversations.info`) and, for a
public channel, warns the facilitator privately and starts only when they choose to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from bot.rounds.room import CANCELLED, PUBLIC_WARNING
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

ALICE, BOB = "UALICE", "UBOB"


@pytest_asyncio.fixture
async def world(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[SlackWorld]:
    w = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        yield w
    finally:
        await w.close()


def headers(world: SlackWorld) -> list[str]:
    return [
        m.text
        for m in world.api.messages.get(SET, [])
        if m.thread_ts is None and "Action Learning session" in m.text
    ]


@pytest.mark.asyncio
async def test_a_public_channel_gets_a_private_warning_and_starts_only_when_chosen(
    world: SlackWorld,
) -> None:
    world.api.public_channels.add(SET)
    await world.command(ALICE, f"start <@{BOB}|bob>")
    await world.settle()
    (info,) = world.api.calls_to("conversations.info")
    assert info.args["channel"] == SET
    assert headers(world) == [] and world.api.posted(SET) == [], "nothing said in the channel"
    warning = world.private(ALICE)[-1]
    assert "This channel is public" in warning and "private channel" in warning
    assert world.private(BOB) == []

    await world.press_private(ALICE, "Cancel")
    await world.settle()
    assert world.private(ALICE)[-1] == CANCELLED and headers(world) == []

    await world.press_private(ALICE, "Start anyway")
    await world.settle()
    (header,) = headers(world)
    assert f"<@{BOB}>" in header, "the presenters named in the command are kept"
    assert any("Ground rules" in t for t in world.thread())


@pytest.mark.asyncio
async def test_only_a_facilitator_can_start_anyway(world: SlackWorld) -> None:
    world.api.public_channels.add(SET)
    await world.command(ALICE, "setup")
    await world.command(ALICE, "start")
    await world.settle()
    assert PUBLIC_WARNING.split(":")[0] in world.private(ALICE)[-1]
    # Bob never saw the button; a forged press from him is refused like any facilitator move.
    found = [r for r in world.api.responses if "Start anyway" in str(r.get("blocks"))]
    assert found
    world.api.responses.append({**found[-1], "key": "forged"})
    world.askers["forged"] = BOB
    await world.press_private(BOB, "Start anyway")
    await world.settle()
    assert "Only a facilitator" in world.private(BOB)[-1] and headers(world) == []


@pytest.mark.asyncio
async def test_a_private_channel_starts_at_once(world: SlackWorld) -> None:
    await world.command(ALICE, f"start <@{BOB}|bob>")
    await world.settle()
    assert len(world.api.calls_to("conversations.info")) == 1
    assert len(headers(world)) == 1
    assert not any("This channel is public" in t for t in world.private(ALICE))
    # Other commands never ask Slack about the channel.
    await world.command(ALICE, "actions")
    await world.settle()
    assert len(world.api.calls_to("conversations.info")) == 1


@pytest.mark.asyncio
async def test_when_slack_cannot_say_the_round_starts(world: SlackWorld) -> None:
    world.api.channel_errors[SET] = "channel_not_found"
    world.api.public_channels.add(SET)
    await world.command(ALICE, "start")
    await world.settle()
    assert world.api.calls_to("conversations.info")
    assert not any("This channel is public" in t for t in world.private(ALICE))

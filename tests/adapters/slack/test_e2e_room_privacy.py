"""A round in a public Slack channel: `/als start` asks Slack (`conversations.info`) and, for a
public channel, warns the facilitator privately and starts only when they choose to."""

from __future__ import annotations

import pytest

from bot.rounds.room import CANCELLED, PUBLIC_WARNING
from testkit.slack.world import SET, SlackWorld

ALICE, BOB = "UALICE", "UBOB"


def headers(world: SlackWorld) -> list[str]:
    return [
        m.text
        for m in world.api.messages.get(SET, [])
        if m.thread_ts is None and "Action Learning session" in m.text
    ]


@pytest.mark.asyncio
async def test_a_public_channel_gets_a_private_warning_and_starts_only_when_chosen(
    http_world: SlackWorld,
) -> None:
    http_world.api.public_channels.add(SET)
    await http_world.command(ALICE, f"start <@{BOB}|bob>")
    await http_world.settle()
    (info,) = http_world.api.calls_to("conversations.info")
    assert info.args["channel"] == SET
    assert headers(http_world) == [] and http_world.api.posted(SET) == [], (
        "nothing said in the channel"
    )
    warning = http_world.private(ALICE)[-1]
    assert "This channel is public" in warning and "private channel" in warning
    assert http_world.private(BOB) == []

    await http_world.press_private(ALICE, "Cancel")
    await http_world.settle()
    assert http_world.private(ALICE)[-1] == CANCELLED and headers(http_world) == []

    await http_world.press_private(ALICE, "Start anyway")
    await http_world.settle()
    (header,) = headers(http_world)
    assert f"<@{BOB}>" in header, "the presenters named in the command are kept"
    assert any("Ground rules" in t for t in http_world.thread())


@pytest.mark.asyncio
async def test_only_a_facilitator_can_start_anyway(http_world: SlackWorld) -> None:
    http_world.api.public_channels.add(SET)
    await http_world.command(ALICE, "setup")
    await http_world.command(ALICE, "start")
    await http_world.settle()
    assert PUBLIC_WARNING.split(":")[0] in http_world.private(ALICE)[-1]
    # Bob never saw the button; a forged press from him is refused like any facilitator move.
    found = [r for r in http_world.api.responses if "Start anyway" in str(r.get("blocks"))]
    assert found
    http_world.api.responses.append({**found[-1], "key": "forged"})
    http_world.askers["forged"] = BOB
    await http_world.press_private(BOB, "Start anyway")
    await http_world.settle()
    assert "Only a facilitator" in http_world.private(BOB)[-1] and headers(http_world) == []


@pytest.mark.asyncio
async def test_a_private_channel_starts_at_once(http_world: SlackWorld) -> None:
    await http_world.command(ALICE, f"start <@{BOB}|bob>")
    await http_world.settle()
    assert len(http_world.api.calls_to("conversations.info")) == 1
    assert len(headers(http_world)) == 1
    assert not any("This channel is public" in t for t in http_world.private(ALICE))
    # Other commands never ask Slack about the channel.
    await http_world.command(ALICE, "actions")
    await http_world.settle()
    assert len(http_world.api.calls_to("conversations.info")) == 1


@pytest.mark.asyncio
async def test_when_slack_cannot_say_the_round_starts(http_world: SlackWorld) -> None:
    http_world.api.channel_errors[SET] = "channel_not_found"
    http_world.api.public_channels.add(SET)
    await http_world.command(ALICE, "start")
    await http_world.settle()
    assert http_world.api.calls_to("conversations.info")
    assert not any("This channel is public" in t for t in http_world.private(ALICE))

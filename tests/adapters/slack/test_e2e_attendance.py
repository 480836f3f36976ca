"""Attendance on Slack, over the wire (issue 17): [I'm here] is a Block Kit button on the
Opening in the round's thread, answered privately; bots' messages in the thread, the bot's
own included, never count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.rounds.attendance import ALREADY, MARKED
from bot.store.models import Attendance
from testkit.slack import signing as sign
from testkit.slack.world import SET, SlackWorld

ALICE, BOB, CAROL, DAVE = "UALICE", "UBOB", "UCAROL", "UDAVE"


async def attended(world: SlackWorld) -> dict[str, str]:
    table = Attendance.__table__
    async with world.bot.store.read() as conn:
        return {r.user_key.rsplit(":", 1)[1]: r.how for r in await conn.execute(select(table))}


async def bot_says(world: SlackWorld, user: str, bot_id: str, text: str) -> None:
    """A bot's message in the round's thread, as Slack sends it (with `bot_id`)."""
    thread_ts = world.header().ts
    message = world.api.seed_message(SET, text, user=user, thread_ts=thread_ts, bot_id=bot_id)
    event = sign.message_event(
        user=user, channel=SET, text=text, ts=message.ts, thread_ts=thread_ts, bot_id=bot_id
    )
    assert (await world.event(event)).status == 200


@pytest.mark.asyncio
async def test_im_here_on_the_opening_and_bots_never_count(http_world: SlackWorld) -> None:
    world = http_world
    await world.command(ALICE, f"start <@{BOB}|bob>")
    await world.settle()
    root = world.header().ts
    opening = next(m for m in world.api.messages[SET] if "Ground rules" in m.text)
    assert opening.thread_ts == root, "the Opening is in the round's thread"
    [button] = world.buttons(opening)
    assert button["text"]["text"] == "I'm here" and button["action_id"].startswith("attend:here")

    assert (await world.press(CAROL, "I'm here")).status == 200
    await world.settle()
    assert world.private(CAROL) == [MARKED]
    await world.press(CAROL, "I'm here")
    await world.settle()
    assert world.private(CAROL) == [MARKED, ALREADY]

    await bot_says(world, "UBOT", "BBOT", "the bot's own words, echoed back by Slack")
    await bot_says(world, "UOTHERBOT", "BOTHER", "Reminder: stand-up at 11")
    await world.say(DAVE, "Sorry I'm late")
    await world.settle()
    assert await attended(world) == {CAROL: "here", DAVE: "spoke"}

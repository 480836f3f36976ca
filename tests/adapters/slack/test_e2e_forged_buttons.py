"""A round button pressed anywhere but its set's channel (issue 14, point 9): a forged
`round:volunteer` from another channel once joined that set and made its sender a
presenter. Through signed HTTP, the press is refused privately and nothing changes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.context import OUT_OF_DATE
from bot.store.models import Member, Session
from testkit.slack import signing as sign
from testkit.slack.world import SlackWorld

ALICE, MALLORY = "UALICE", "UMALLORY"
ELSEWHERE = "C0ELSEWHERE"


async def session_state(world: SlackWorld) -> dict:
    async with world.bot.store.read() as conn:
        row = (await conn.execute(select(Session.__table__.c.state))).one()
    return json.loads(row.state)


async def members(world: SlackWorld) -> list[str]:
    async with world.bot.store.read() as conn:
        rows = await conn.execute(select(Member.__table__.c.user_key))
    return sorted(r[0] for r in rows)


@pytest.mark.asyncio
async def test_a_round_button_forged_from_another_channel_is_refused(
    http_world: SlackWorld,
) -> None:
    w = http_world
    await w.command(ALICE, "start")  # no presenters yet: the header offers [I'd like to present]
    await w.settle()
    header = w.header()
    buttons = {b["text"]["text"]: b for b in w.buttons(header)}
    volunteer = buttons["I'd like to present"]
    before_state, before_members = await session_state(w), await members(w)

    # The same action_id and value, sent from a channel the session does not belong to.
    for button in (volunteer, buttons["End"], buttons["Pause"]):
        trigger = sign.new_id("trig.")
        w.askers[trigger] = MALLORY
        answer = await w._deliver(
            "interactive",
            sign.block_actions_payload(
                user_id=MALLORY,
                channel_id=ELSEWHERE,
                action_id=button["action_id"],
                value=button.get("value", ""),
                message_ts=header.ts,
                trigger_id=trigger,
                response_url=w.api.response_url(trigger),
                label=button["text"]["text"],
            ),
        )
        assert answer.status == 200
        await w.settle()
        assert w.private(MALLORY)[-1] == OUT_OF_DATE

    assert await session_state(w) == before_state, "nobody became a presenter; nothing moved"
    assert await members(w) == before_members and not any(MALLORY in m for m in before_members)
    assert not any(MALLORY in p.get("text", "") for p in w.api.posted())

    # The real button, pressed where it was drawn, still works.
    await w.press(MALLORY, "I'd like to present")
    await w.settle()
    assert f"slack:T0TEST:{MALLORY}" in (await session_state(w))["presenters"]

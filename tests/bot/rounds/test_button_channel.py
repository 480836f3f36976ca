"""Every session button is refused outside its set's channel (issue 14, point 9): the
check is where `round:` presses are read (`chat.pressed_session`), not per verb."""

from __future__ import annotations

import pytest

from bot.context import OUT_OF_DATE
from bot.events import ButtonPressed
from bot.refs import ChannelRef
from testkit.harness import WS, Harness, private_to, u

ELSEWHERE = ChannelRef(WS, "elsewhere")


@pytest.mark.asyncio
async def test_every_round_button_from_another_channel_is_out_of_date(h: Harness) -> None:
    await h.cmd("alice", "start")
    await h.cmd("alice", "pause")
    drawn = {b.label: b for b in (h.button("I'd like to present"), h.button("Resume"),
                                  h.button("End"), h.button("Next phase"))}  # fmt: skip
    forged = [*drawn.values()]
    rate = h.button("End")  # a rating press names its session the same way
    forged.append(type(rate)("round:rate", "4", f"{rate.value}:4"))
    forged.append(type(rate)("round:more", "+5 min", rate.value))
    before = len(h.outlet.sent)
    for button in forged:
        await h.app.handle(
            ButtonPressed(
                key=h.key(),
                user=u("alice"),  # even the facilitator: the press is not from the set's channel
                channel=ELSEWHERE,
                action_id=button.action_id,
                value=button.value,
            )
        )
        assert private_to(h.new(), "alice") == [OUT_OF_DATE], button.action_id
    assert all(d.reply.__class__.__name__ == "Ephemeral" for d in h.outlet.sent[before:])
    out = await h.press("alice", "Resume")  # from its own channel it still works
    assert OUT_OF_DATE not in private_to(out, "alice")

"""A round's clock through the console (issue 13, item 5): the facilitator gives Actions five
more minutes, the phase times out into the next presenter, and the presenter's "one more"
twenty seconds later is still counted as theirs; a volunteer meanwhile is queued quietly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.store.models import Action
from tests.adapters.console.console_helpers import console_at, play_and_show

START = datetime(2026, 1, 19, 10, 0, tzinfo=UTC)  # a Monday


@pytest.mark.asyncio
async def test_more_time_then_a_late_action_counts_for_its_presenter(tmp_path) -> None:
    to_actions = ["alice: /als start @bob @carol", "dave: /als join"]
    to_actions += ["alice: [Next phase]"] * 5  # Bob's Actions, until 10:05
    async with console_at(tmp_path, START, *to_actions) as (runner, out):
        shown = await play_and_show(runner, out, "dave: [+5 min]", "alice: [+5 min]")
        assert "(only dave sees) alsbot: Only a facilitator can give a phase more time." in shown
        assert "alsbot: ⏱ 5 min more for Actions: 10 min left." in shown
        assert "phase: Actions · presenter: @bob · 10 min left" in shown

        shown = await play_and_show(runner, out, "@wait 5m")
        assert "Presenting: @carol" not in shown, "the old deadline moves nothing"

        shown = await play_and_show(runner, out, "@wait 5m", "@wait 20s")
        assert "Mon 10:10      ↳ [#" in shown and "Presenting: @carol" in shown

        shown = await play_and_show(
            runner, out, "bob: Oh and one more, check the budget", "erin: [I'd like to present]"
        )
        assert (
            "alsbot: ✅ Action recorded for @bob: Check the budget · #1 · "
            "counted as an action for @bob's turn" in shown
        )
        assert (
            "(only erin sees) alsbot: You're next in the queue; "
            "I'll announce it when this phase ends." in shown
        )
        assert "@erin will present" not in shown

        async with runner.app.store.read() as conn:
            owners = [r.owner_key for r in await conn.execute(select(Action.__table__))]
        assert [o.rsplit(":", 1)[-1] for o in owners] == ["bob"]

        shown = await play_and_show(runner, out, *["alice: [Next phase]"] * 4)
        assert shown.index("@erin will present in this session.") < shown.index("Presenting: @erin")

"""A status said in words changes nothing until its owner confirms it with one press."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.store.models import Action, OutcomeUpdate
from testkit.harness import Harness, private_to
from testkit.nudges import closed_session
from tests.bot.followup.update_helpers import press_private


async def statuses(h: Harness) -> list[str]:
    async with h.app.store.read() as conn:
        table = Action.__table__
        return [r.status for r in await conn.execute(select(table).order_by(table.c.id))]


async def updates(h: Harness) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(OutcomeUpdate.__table__)))


@pytest.mark.asyncio
async def test_one_press_confirms_and_no_leaves_it(h: Harness) -> None:
    await closed_session(
        h, actions=("Draft a shared rota with the team leader", "Review the budget")
    )
    out = await h.dm("bob", "dropped the budget one")
    assert private_to(out, "bob") == ["Mark “Review the budget” as dropped?"]
    assert [b.label for b in out[0].buttons] == ["Yes, mark dropped", "No"]
    assert await statuses(h) == ["open", "open"]
    out = await press_private(h, "bob", "No")
    assert private_to(out, "bob") == ["OK — I've left it as it was."]
    assert await statuses(h) == ["open", "open"]
    await h.dm("bob", "I've done the rota")
    out = await press_private(h, "bob", "Yes, mark done")
    assert private_to(out, "bob") == [
        "✓ “Draft a shared rota with the team leader” is now marked done."
    ]
    assert await statuses(h) == ["done", "open"]
    assert await updates(h) == [], "a status is not an update"
    actions = private_to(await h.cmd("alice", "actions @bob"), "alice")[0]
    assert "Draft a shared rota" not in actions and "Review the budget [open]" in actions


@pytest.mark.asyncio
async def test_when_words_fit_several_actions_it_asks_which(h: Harness) -> None:
    await closed_session(h, actions=("Meet the team", "Write to the team", "Book a room"))
    out = await h.dm("bob", "the team one is partly done")
    assert private_to(out, "bob") == ["Which action should I mark as partly done?"]
    assert [b.label for b in out[0].buttons] == [
        "Meet the team",
        "Write to the team",
        "None of these",
    ]
    await press_private(h, "bob", "Write to the team")
    assert await statuses(h) == ["open", "partly", "open"]


@pytest.mark.asyncio
async def test_a_bare_status_with_one_action_asks_about_it(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre",))
    out = await h.dm("bob", "all done!")
    assert private_to(out, "bob") == ["Mark “Call the volunteer centre” as done?"]


@pytest.mark.asyncio
async def test_only_the_owner_can_confirm(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre",))
    await h.dm("bob", "the centre one is done")
    out = await press_private(h, "bob", "Yes, mark done", by="carol")
    assert "isn't one of yours" in private_to(out, "carol")[0]
    assert await statuses(h) == ["open"]

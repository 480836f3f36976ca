"""A DM to the bot is answered privately; nothing of it is shared without its author's yes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.refs import ChannelRef
from bot.replies import Direct
from bot.store.models import Draft, OutcomeUpdate
from testkit.harness import WS, Harness, private_to
from testkit.nudges import closed_session, dms
from tests.bot.followup.update_helpers import add_open_action, dm_and_press, press_on, preview


async def stored(h: Harness, model: Any) -> list[Any]:
    async with h.app.store.read() as conn:
        return list(await conn.execute(select(model.__table__)))


def only_to(out: list, who: str) -> None:
    assert out and all(isinstance(r, Direct) and r.user.id == who for r in out), out


@pytest.mark.asyncio
async def test_a_dm_is_previewed_and_held_until_shared(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre", "Write to the trustees"))
    out = await h.dm("bob", "The centre will send two people from March.")
    only_to(out, "bob")
    shown = preview(out, "bob")
    assert "“The centre will send two people from March.”" in shown.text.plain()
    assert [b.label for b in shown.buttons] == ["Share as my update", "Edit", "Not an update"]
    assert await stored(h, OutcomeUpdate) == []
    assert [(d.kind, d.text) for d in await stored(h, Draft)] == [
        ("update", "The centre will send two people from March.")
    ]
    out = await press_on(h, "bob", shown, "Share as my update")
    assert [u.text for u in await stored(h, OutcomeUpdate)] == [
        "The centre will send two people from March."
    ]
    assert await stored(h, Draft) == []
    said = " ".join(t for t in private_to(out, "bob"))
    assert "Shared — it will be in the next session's Updates." in said
    assert "Still without a status" in said and "Write to the trustees" in said
    # A second press of the same button changes nothing.
    again = await press_on(h, "bob", shown, "Share as my update")
    assert "no longer waiting for you" in private_to(again, "bob")[0]
    assert len(await stored(h, OutcomeUpdate)) == 1


@pytest.mark.asyncio
async def test_only_the_author_can_share_their_draft(h: Harness) -> None:
    await closed_session(h)
    out = await dm_and_press(
        h, "bob", "My manager was unhelpful again.", "Share as my update", by="carol"
    )
    assert "only the person who said it can" in private_to(out, "carol")[0]
    assert "unhelpful" not in " ".join(private_to(out, "carol"))
    assert await stored(h, OutcomeUpdate) == []


@pytest.mark.asyncio
async def test_edit_with_buttons_and_the_next_dm(h: Harness) -> None:
    await closed_session(h)
    out = await dm_and_press(h, "bob", "Called them, no answer yet", "Edit")
    assert "Send me the update as you'd like it shared" in private_to(out, "bob")[-1]
    # The next DM is the new wording, whatever it looks like (even a question).
    out = await h.dm("bob", "Called the centre twice; they will ring back by Friday?")
    again = preview(out, "bob")
    assert "“Called the centre twice; they will ring back by Friday?”" in again.text.plain()
    await press_on(h, "bob", again, "Share as my update")
    assert [u.text for u in await stored(h, OutcomeUpdate)] == [
        "Called the centre twice; they will ring back by Friday?"
    ]


@pytest.mark.asyncio
async def test_not_an_update_keeps_nothing(h: Harness) -> None:
    await closed_session(h)
    out = await dm_and_press(h, "bob", "Honestly I'm exhausted this month", "Not an update")
    assert "nothing of it is shared or kept" in private_to(out, "bob")[-1]
    assert await stored(h, Draft) == [] and await stored(h, OutcomeUpdate) == []


@pytest.mark.asyncio
async def test_status_and_more_text_offer_both(h: Harness) -> None:
    await closed_session(h, actions=("Call the volunteer centre", "Write to the trustees"))
    out = await h.dm("bob", "Called the volunteer centre: done. They will send two people in March")
    texts = private_to(out, "bob")
    assert "Mark “Call the volunteer centre” as done?" in texts
    preview(out, "bob")
    only_status = await h.dm("bob", "the trustees one is done")
    assert private_to(only_status, "bob") == ["Mark “Write to the trustees” as done?"]


@pytest.mark.asyncio
async def test_without_open_actions_or_a_set(h: Harness) -> None:
    await closed_session(h)
    out = await h.dm("carol", "How does this work?")
    only_to(out, "carol")
    assert "You're not in" not in private_to(out, "carol")[0]
    assert "Hello! I'm alsbot" in private_to(out, "carol")[0]
    await h.cmd("carol", "join")
    out = await h.dm("carol", "I had a great week")
    assert "You have no open actions" in private_to(out, "carol")[0]
    out = await h.dm("carol", "hi")
    assert private_to(out, "carol")[0].startswith("Hi! 👋")
    assert await stored(h, Draft) == []


@pytest.mark.asyncio
async def test_with_actions_in_several_sets_point_to_the_command(h: Harness) -> None:
    await closed_session(h)
    other = ChannelRef(WS, "other")
    await h.cmd("dan", "start", channel=other)
    await h.cmd("dan", "end", channel=other)
    await h.cmd("bob", "join", channel=other)
    await add_open_action(h, 2, "console:local:bob", "Ring the funder")
    out = await h.dm("bob", "It went well")
    assert "use `/als update <text>` in the set's channel" in private_to(out, "bob")[0]
    assert await stored(h, Draft) == [] and await stored(h, OutcomeUpdate) == []


@pytest.mark.asyncio
async def test_a_command_typed_into_a_dm(h: Harness) -> None:
    await closed_session(h)
    out = await h.dm("bob", "/als update all done")
    assert "Commands go in your set's channel" in private_to(out, "bob")[0]
    assert await stored(h, Draft) == []


@pytest.mark.asyncio
async def test_als_update_stays_a_direct_explicit_update(h: Harness) -> None:
    await closed_session(h)
    out = await h.cmd("bob", "update Called the centre: they will help")
    assert "your update is saved" in private_to(out, "bob")[0]
    assert [u.text for u in await stored(h, OutcomeUpdate)] == ["Called the centre: they will help"]


@pytest.mark.asyncio
async def test_a_nudge_reply_is_previewed(h: Harness) -> None:
    await closed_session(h)
    await h.cmd("alice", "schedule 9 Feb 2026 10am")
    from_nudge = [d.text.plain() for d in dms(await h.wait(timedelta(days=26)), "bob")]
    assert any("I'll show you your update first" in t for t in from_nudge)

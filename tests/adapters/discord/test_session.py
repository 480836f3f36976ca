"""A whole session on Discord: app commands, buttons and thread messages, end to end.

A real discord.py client connected to the stand-in, the real core on a SQLite file; the
test plays three people and reads only what Discord would show them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store.models import Evaluation
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    Running,
    buttons_of,
    dm_texts,
    texts,
    wait_inbox,
    wait_text,
)
from testkit.discord.world import EPHEMERAL


@pytest.mark.asyncio
async def test_a_whole_session(standin: DiscordStandIn, running: Running) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    general = w.general.id

    # /als start presenter1:@bob — deferred privately, then the header and its thread.
    start = await standin.slash(alice, "start", presenter1=bob)
    header = await wait_text(standin, general, "Action Learning session")
    assert f"<@{bob.id}>" in header.content
    assert set(buttons_of(header)) == {
        "Next phase",
        "Pause",
        "+5 min",
        "End",
        "I'd like to present",
    }
    thread = header.id  # the thread started from the header has the header's id
    await wait_text(standin, thread, "Ground rules")
    assert w.channels[thread].parent_id == general
    assert start.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
    original = w.messages[start.original_id]  # type: ignore[index]
    await standin.wait_for(lambda: original.content == "✓ Done.")

    async def next_phase(expect: str) -> None:
        await standin.click(alice, header, buttons_of(header)["Next phase"])
        await standin.wait_for(lambda: expect in header.content)

    await next_phase("Updates")
    await next_phase("Presenting")
    await standin.say(bob, thread, "We keep losing volunteers")
    await next_phase("Questions")

    # A supporter's open question is kept for the presenter; advice gets a private nudge.
    await standin.say(carol, thread, "What have you tried so far?")
    await standin.say(carol, thread, "You should pay them more")
    await standin.wait_for(lambda: any("open questions" in t for t in dm_texts(standin, carol)))

    # Only a facilitator moves the round on: carol's press is refused privately.
    refused = await standin.click(carol, header, buttons_of(header)["Next phase"])
    followup = await standin.wait_for_call("POST", rf"/webhooks/{w.app_id}/{refused.token}")
    assert followup.body["flags"] == EPHEMERAL
    assert "facilitator" in followup.body["content"]
    assert "Questions" in header.content

    await next_phase("Summary")
    await standin.wait_for(
        lambda: any("What have you tried so far?" in t for t in dm_texts(standin, bob))
    )
    await next_phase("Actions")
    await standin.say(bob, thread, "call the volunteer centre")
    await wait_text(standin, thread, "Action recorded")

    await next_phase("Evaluation")
    assert "4" in buttons_of(header)
    rated = await standin.click(carol, header, buttons_of(header)["4"])
    await wait_inbox(running.app, f"discord:interaction:{rated.id}")

    # /als end — the summary goes to the channel, the header loses its buttons.
    await standin.slash(alice, "end")
    summary = await wait_text(standin, general, "Session summary")
    assert "call the volunteer centre" in summary.content
    await standin.wait_for(lambda: not header.components and "ended" in header.content)

    # Nothing anyone said in the round was echoed anywhere public but the thread.
    assert not any("pay them more" in t for t in texts(standin, general))
    # Every interaction was answered inside Discord's 3 seconds (the stand-in refuses later).
    assert all(i.callbacks for i in w.interactions.values())
    assert not [c for c in standin.rest.calls if c.status >= 400]
    async with running.app.store.read() as conn:
        ratings = list(await conn.execute(select(Evaluation.__table__.c.rating)))
    assert [r[0] for r in ratings] == [4]

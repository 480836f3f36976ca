"""An interaction is in the inbox before Discord hears it was received.

Discord never redelivers an interaction that was acknowledged (deferred), so a bot that
defers first and records second loses the command or the click to a crash in between.
The stand-in's REST log shows when each callback arrived; the inbox writer is watched at
the moment it returns (its commit is done), so the order is the real one.
"""

from __future__ import annotations

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    Running,
    buttons_of,
    start_session,
    wait_inbox,
)


def callbacks_for(standin: DiscordStandIn, interaction_id: str) -> list:
    return [c for c in standin.rest.calls if f"/interactions/{interaction_id}/" in c.path]


@pytest.mark.asyncio
async def test_commands_and_clicks_are_recorded_before_they_are_acknowledged(
    standin: DiscordStandIn, running: Running
) -> None:
    seen: dict[str, int] = {}  # event key -> callbacks Discord had received at the commit
    inbox = running.app.inbox
    real_put = inbox.put

    async def watched_put(event, handle=None):  # the real writer; only the moment is noted
        fresh = await real_put(event, handle)
        interaction_id = event.key.rsplit(":", 1)[-1]
        seen[event.key] = len(callbacks_for(standin, interaction_id))
        return fresh

    inbox.put = watched_put
    w = standin.world
    alice, bob = w.add_user("alice"), w.add_user("bob")
    header = await start_session(standin, bob, alice)
    click = await standin.click(alice, header, buttons_of(header)["Next phase"])
    await wait_inbox(running.app, f"discord:interaction:{click.id}")
    command = await standin.slash(bob, "actions")
    await wait_inbox(running.app, f"discord:interaction:{command.id}")
    await standin.wait_for(lambda: callbacks_for(standin, command.id))

    interactions = {k: n for k, n in seen.items() if k.startswith("discord:interaction:")}
    assert len(interactions) >= 3, seen  # /als start, the click, /als actions
    assert all(n == 0 for n in interactions.values()), interactions
    # …and each was then acknowledged within Discord's three seconds.
    for info in (click, command):
        first = callbacks_for(standin, info.id)[0]
        assert first.at - info.created < 3.0

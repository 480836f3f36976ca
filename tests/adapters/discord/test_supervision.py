"""A dispatch discord.py cannot read costs only itself; a lost connection is reported,
retried and recovered; stopping never hangs (issue 14.13).

Through the gateway stand-in, with the payloads real traffic and Discord's documentation
contain but discord.py reads as required (discord.py issues #2429 and #4081).
"""

from __future__ import annotations

import logging
import time

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import malformed_dispatches, reaction_payload
from testkit.discord.running import Running, dm_texts, wait_inbox, wait_text


def discord_health(running: Running) -> dict[str, object] | None:
    return running.app.health.snapshot().get("discord")


@pytest.mark.asyncio
async def test_an_unreadable_dispatch_is_dropped_and_the_next_one_handled(
    standin: DiscordStandIn, running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    w = standin.world
    alice, hal, ivy = w.add_user("alice"), w.add_user("hal"), w.add_user("ivy")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    tip = await standin.say(hal, w.general.id, "Say what you heard before you answer")
    await wait_inbox(running.app, f"discord:message:{tip.id}")
    reaction = reaction_payload(
        user=ivy, channel=w.general, message_id=tip.id, emoji="✅",
        message_author_id=hal.id, added=True,
    )  # fmt: skip
    _, interaction = standin.interaction(2, alice, w.general.id, standin.slash_data("help"))
    caplog.set_level(logging.INFO)
    caplog.clear()

    for event, payload in malformed_dispatches(reaction, interaction):
        await standin.dispatch(event, payload)
    await standin.dispatch("MESSAGE_REACTION_ADD", reaction)  # the same, readable

    await standin.wait_for(lambda: [t for t in dm_texts(standin, ivy) if "saved as do #1" in t])
    assert running.client.dropped_dispatches == 3
    assert not running.stop.task.done(), "the gateway task is still running"
    dropped = [r for r in caplog.records if "dropped a" in r.getMessage()]
    assert [r.getMessage().split()[3] for r in dropped] == [
        "INTERACTION_CREATE",
        "MESSAGE_REACTION_ADD",  # the second one within a minute is counted, not logged
    ]
    assert all("\n" not in r.getMessage() and r.exc_info is None for r in dropped)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Interactions still work after a dropped one.
    await standin.slash(alice, "help")
    await standin.wait_for(
        lambda: [m for m in w.messages.values() if m.ephemeral and "/als" in m.content]
    )


@pytest.mark.asyncio
async def test_a_lost_connection_is_reported_and_recovered(
    standin: DiscordStandIn, running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    assert discord_health(running)["ok"] is True  # type: ignore[index]
    caplog.set_level(logging.INFO, logger="adapters.discord")
    standin.refusing = True  # Discord unreachable for a while
    await standin.drop()
    await standin.wait_for(lambda: discord_health(running)["ok"] is False)  # type: ignore[index]
    assert not running.app.health.ok
    await standin.wait_for(lambda: len([c for c in standin.connections if "refused" in c[1]]) >= 2)
    standin.refusing = False
    await standin.wait_for(lambda: discord_health(running)["ok"] is True)  # type: ignore[index]
    assert running.app.health.ok
    # It resumed the same session, and works.
    assert standin.connections[-1][0] == "/gateway/resume" and len(standin.sessions) == 1, (
        standin.connections,
        len(standin.sessions),
        standin.invalidated,
    )
    w = standin.world
    alice = w.add_user("alice")
    await standin.slash(alice, "start")
    await wait_text(standin, w.general.id, "Action Learning session")
    lost = [r for r in caplog.records if "connection lost" in r.getMessage()]
    assert lost and all(r.levelno == logging.WARNING and r.exc_info is None for r in lost)


@pytest.mark.asyncio
async def test_stopping_after_an_unreadable_dispatch_is_quick(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice = w.add_user("alice")
    _, interaction = standin.interaction(2, alice, w.general.id, standin.slash_data("help"))
    reaction = reaction_payload(
        user=alice, channel=w.general, message_id="1", emoji="✅",
        message_author_id=None, added=True,
    )  # fmt: skip
    for event, payload in malformed_dispatches(reaction, interaction):
        await standin.dispatch(event, payload)
    await standin.wait_for(lambda: running.client.dropped_dispatches == 3)
    started = time.monotonic()
    await running.stop()
    assert time.monotonic() - started < 2.0
    assert running.stop.task.done()


@pytest.mark.asyncio
async def test_a_dispatch_with_a_garbled_id_costs_only_itself(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    hal = w.add_user("hal")
    garbled = {**w.render(await standin.say(hal, w.general.id, "first")), "id": "not-an-id"}
    await standin.dispatch("MESSAGE_CREATE", garbled)
    after = await standin.say(hal, w.general.id, "second")
    await wait_inbox(running.app, f"discord:message:{after.id}")
    assert running.client.dropped_dispatches == 1

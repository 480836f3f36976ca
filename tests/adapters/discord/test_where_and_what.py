"""Where an interaction or message happened, and interactions alsbot has no command for
(issue 14.15): decided from the payload, not from what discord.py happens to have cached.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.events import CommandInvoked, MessagePosted, event_from_json
from bot.store.models import Inbox
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, inbox_keys, wait_inbox, wait_text

INBOX = Inbox.__table__


async def recorded(running: Running, key: str) -> object:
    await wait_inbox(running.app, key)
    async with running.app.store.read() as conn:
        body = (await conn.execute(select(INBOX.c.body).where(INBOX.c.key == key))).scalar_one()
    return event_from_json(body)


def private_answers(standin: DiscordStandIn) -> list[str]:
    return [m.content for m in standin.world.messages.values() if m.ephemeral]


@pytest.mark.asyncio
async def test_an_interaction_without_a_channel_object_uses_its_channel_id(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice = w.add_user("alice")
    info, payload = standin.interaction(2, alice, w.general.id, standin.slash_data("start"))
    del payload["channel"]  # documented as optional; `channel_id` is still there
    await standin.dispatch("INTERACTION_CREATE", payload)
    event = await recorded(running, f"discord:interaction:{info.id}")
    assert isinstance(event, CommandInvoked) and event.channel.id == w.general.id
    await wait_text(standin, w.general.id, "Action Learning session")


@pytest.mark.asyncio
async def test_an_interaction_from_nowhere_is_refused_not_filed_under_channel_0(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice = w.add_user("alice")
    info, payload = standin.interaction(2, alice, w.general.id, standin.slash_data("start"))
    del payload["channel"], payload["channel_id"]
    await standin.dispatch("INTERACTION_CREATE", payload)
    await standin.wait_for(lambda: [t for t in private_answers(standin) if "which channel" in t])
    assert f"discord:interaction:{info.id}" not in await inbox_keys(running.app)


@pytest.mark.asyncio
async def test_a_server_message_from_an_uncached_server_is_not_a_dm(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    hal = w.add_user("hal")
    state = running.client._connection
    state._remove_guild(state._get_guild(int(w.guild_id)))  # e.g. not yet streamed in
    message = await standin.say(hal, w.general.id, "Has anyone tried a pre-mortem?")
    event = await recorded(running, f"discord:message:{message.id}")
    assert isinstance(event, MessagePosted)
    assert event.channel.id == w.general.id and event.channel.workspace.id == w.guild_id


@pytest.mark.asyncio
async def test_autocomplete_is_answered_with_no_suggestions(
    standin: DiscordStandIn, running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    w = standin.world
    alice = w.add_user("alice")
    data = standin.slash_data("help", topic="sta")
    data["options"][0]["options"][0]["focused"] = True
    caplog.set_level(logging.INFO)
    info, payload = standin.interaction(4, alice, w.general.id, data)
    await standin.dispatch("INTERACTION_CREATE", payload)
    await standin.wait_for(lambda: info.callbacks)
    assert info.callbacks == [{"type": 8, "data": {"choices": []}}]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"discord:interaction:{info.id}" not in await inbox_keys(running.app)


@pytest.mark.asyncio
@pytest.mark.parametrize("stale", ["als-old", "als oldverb"])
async def test_an_out_of_date_command_gets_a_private_hint_not_an_error(
    standin: DiscordStandIn, running: Running, caplog: pytest.LogCaptureFixture, stale: str
) -> None:
    w = standin.world
    alice = w.add_user("alice")
    data = standin.slash_data("help")
    name, _, sub = stale.partition(" ")
    data["name"] = name
    if sub:
        data["options"][0]["name"] = sub
    caplog.set_level(logging.INFO)
    info, payload = standin.interaction(2, alice, w.general.id, data)
    await standin.dispatch("INTERACTION_CREATE", payload)
    await standin.wait_for(lambda: info.callbacks)
    assert info.callbacks[0]["type"] == 4
    assert info.callbacks[0]["data"]["content"] == "That command is out of date. Try `/als help`."
    assert info.callbacks[0]["data"]["flags"] & (1 << 6)  # only they see it
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Sorry" not in " ".join(private_answers(standin))

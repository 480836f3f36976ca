"""Mention injection: text people type is shown as typed and pings nobody."""

from __future__ import annotations

import re

import pytest

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, advance_to, start_session, wait_text


@pytest.mark.asyncio
async def test_user_text_echoed_by_the_bot_pings_nobody(
    standin: DiscordStandIn, running: Running
) -> None:
    w = standin.world
    alice, bob, carol = w.add_user("alice"), w.add_user("bob"), w.add_user("carol")
    role = "1299999999999999999"
    header = await start_session(standin, bob, alice)
    await advance_to(standin, header, alice, "Actions")

    sneaky = (
        f"ask @everyone and @here, tell <@{carol.id}> and <@!{carol.id}>, "
        f"the <@&{role}> team, post in <#{w.general.id}>, **shout**"
    )
    await standin.say(bob, header.id, sneaky)
    echoed = await wait_text(standin, header.id, "Action recorded")

    # The bot's own mention of the presenter pings; nothing the presenter typed does.
    assert echoed.allowed_mentions == {"parse": [], "users": [int(bob.id)]}
    assert [u.id for u in echoed.mentions] == [bob.id]
    assert not w.pings_everyone(echoed)
    body = echoed.content
    for raw in ("@everyone", "@here", f"<@{carol.id}>", f"<@!{carol.id}>", f"<@&{role}>"):
        assert raw not in body, raw
    assert not re.search(r"(?<!\\)<#", body), "a channel link a user typed stays text"
    assert "**shout**" not in body and r"\*\*shout\*\*" in body
    assert f"<@{bob.id}>" in body  # the core's Mention, rendered natively


@pytest.mark.asyncio
async def test_a_slash_option_cannot_ping_either(standin: DiscordStandIn, running: Running) -> None:
    w = standin.world
    alice, bob = w.add_user("alice"), w.add_user("bob")
    header = await start_session(standin, bob, alice)
    await advance_to(standin, header, alice, "Actions")

    await standin.slash(bob, "action add", what="remind @everyone about <@&1299999999999999999>")
    echoed = await wait_text(standin, header.id, "Action recorded")
    assert echoed.allowed_mentions == {"parse": [], "users": [int(bob.id)]}
    assert "@everyone" not in echoed.content and "<@&" not in echoed.content
    assert not w.pings_everyone(echoed)

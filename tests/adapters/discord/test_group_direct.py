"""`GroupDirect` on Discord: a bot cannot make a group DM, so each person gets a DM that
names the others, through the real client and the REST stand-in.

Each DM carries its own nonce (the reply's key and the person), so a retry after a failure
part-way gets back the DMs Discord already made instead of sending them twice.
"""

from __future__ import annotations

import pytest

from bot.outbox_rows import enqueue
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import Button, GroupDirect, Mention, text
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import Running, dm_texts, in_channel


def workspace(standin: DiscordStandIn) -> WorkspaceRef:
    return WorkspaceRef(Platform.DISCORD, standin.world.guild_id)


def introduction(ana: UserRef, bob: UserRef) -> GroupDirect:
    return GroupDirect(
        users=(ana, bob),
        text=text(
            "You both said yes: ",
            Mention(ana),
            " offers “help with grants @everyone”, ",
            Mention(bob),
            " wants it.",
        ),
        buttons=(Button("match:talked", "We talked", "7"),),
    )


@pytest.mark.asyncio
async def test_each_person_gets_one_dm_naming_the_other_and_no_one_else_is_pinged(
    standin: DiscordStandIn, running: Running
) -> None:
    ws = workspace(standin)
    ana_info, bob_info = standin.world.add_user("ana"), standin.world.add_user("bob")
    ana, bob = UserRef(ws, ana_info.id), UserRef(ws, bob_info.id)
    sent = await running.client.outlet.deliver(
        Delivery(introduction(ana, bob), key="41.1767225600000")
    )
    assert sent is not None
    for info in (ana_info, bob_info):
        [message] = in_channel(standin, standin.world.dm_channel(info.id).id)
        assert f"<@{ana_info.id}>" in message.content and f"<@{bob_info.id}>" in message.content
        assert not standin.world.pings_everyone(message)
        assert message.allowed_mentions is not None
        assert message.allowed_mentions["parse"] == []
        assert sorted(map(str, message.allowed_mentions["users"])) == sorted(
            [ana_info.id, bob_info.id]
        )
        assert message.components[0]["components"][0]["label"] == "We talked"
    posts = standin.calls("POST", r"/channels/\d+/messages")
    nonces = [c.body["nonce"] for c in posts]
    assert len(nonces) == 2 and len(set(nonces)) == 2 and all(len(n) <= 25 for n in nonces)
    assert all(c.body["enforce_nonce"] for c in posts)


@pytest.mark.asyncio
async def test_others_the_text_does_not_name_are_named_first(
    standin: DiscordStandIn, running: Running
) -> None:
    ws = workspace(standin)
    ana_info, bob_info = standin.world.add_user("ana"), standin.world.add_user("bob")
    ana, bob = UserRef(ws, ana_info.id), UserRef(ws, bob_info.id)
    plain = GroupDirect(users=(ana, bob), text=text("Time to meet <@123456789012345678>"))
    await running.client.outlet.deliver(Delivery(plain, key="42.1767225600000"))
    [seen] = dm_texts(standin, ana_info)
    assert seen.startswith(f"(Also sent to <@{bob_info.id}>)\nTime to meet ")
    assert "<@123456789012345678>" not in seen  # typed, so shown, never a mention
    assert dm_texts(standin, bob_info)[0].startswith(f"(Also sent to <@{ana_info.id}>)\n")


@pytest.mark.asyncio
async def test_a_retry_after_a_failure_part_way_does_not_send_a_dm_twice(
    standin: DiscordStandIn, running: Running
) -> None:
    ws = workspace(standin)
    ana_info, bob_info = standin.world.add_user("ana"), standin.world.add_user("bob")
    ana, bob = UserRef(ws, ana_info.id), UserRef(ws, bob_info.id)
    bob_dm = standin.world.dm_channel(bob_info.id).id
    standin.fail("POST", rf"/channels/{bob_dm}/messages", 503, times=5)
    reply = Delivery(introduction(ana, bob), key="43.1767225600000")
    with pytest.raises(DeliveryRetry):
        await running.client.outlet.deliver(reply)
    assert len(dm_texts(standin, ana_info)) == 1 and dm_texts(standin, bob_info) == []
    standin.rest.faults.clear()
    again = Delivery(introduction(ana, bob), key="43.1767225600000", maybe_delivered=True)
    await running.client.outlet.deliver(again)
    assert len(dm_texts(standin, ana_info)) == 1, "ana's DM was sent twice"
    assert len(dm_texts(standin, bob_info)) == 1


@pytest.mark.asyncio
async def test_a_person_with_closed_dms_does_not_stop_the_other(
    standin: DiscordStandIn, running: Running
) -> None:
    ws = workspace(standin)
    closed = standin.world.add_user("closed", dms_open=False)
    bob_info = standin.world.add_user("bob")
    reply = introduction(UserRef(ws, closed.id), UserRef(ws, bob_info.id))
    with pytest.raises(DeliveryFailed, match="reached 1 of 2"):
        await running.client.outlet.deliver(Delivery(reply, key="44.1767225600000"))
    assert len(dm_texts(standin, bob_info)) == 1
    stranger = GroupDirect(
        users=(UserRef(ws, bob_info.id), UserRef(ws, "@everyone")), text=text("x")
    )
    with pytest.raises(DeliveryFailed):
        await running.client.outlet.deliver(Delivery(stranger, key="45.1767225600000"))
    assert len(dm_texts(standin, bob_info)) == 1


@pytest.mark.asyncio
async def test_through_the_outbox_each_person_gets_one_dm(
    standin: DiscordStandIn, running: Running
) -> None:
    ws = workspace(standin)
    ana_info, bob_info = standin.world.add_user("ana"), standin.world.add_user("bob")
    ana, bob = UserRef(ws, ana_info.id), UserRef(ws, bob_info.id)
    async with running.app.store.write() as conn:
        await enqueue(conn, [introduction(ana, bob)], now=running.app.clock.now())
    await running.app.settle()
    assert len(dm_texts(standin, ana_info)) == 1 and len(dm_texts(standin, bob_info)) == 1

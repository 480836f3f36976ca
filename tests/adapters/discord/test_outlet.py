"""The outlet against the stand-in: each reply kind, and each failure sorted for the outbox."""

from __future__ import annotations

import pytest

from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Button, Direct, Edit, Ephemeral, File, Mention, Post, text
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.payloads import UserInfo
from testkit.discord.running import Running, dm_texts, in_channel
from testkit.discord.world import EPHEMERAL


def refs(standin: DiscordStandIn) -> tuple[WorkspaceRef, ChannelRef]:
    ws = WorkspaceRef(Platform.DISCORD, standin.world.guild_id)
    return ws, ChannelRef(ws, standin.world.general.id)


def person(ws: WorkspaceRef, user: UserInfo) -> UserRef:
    return UserRef(ws, user.id)


@pytest.mark.asyncio
async def test_post_update_and_thread(standin: DiscordStandIn, running: Running) -> None:
    ws, general = refs(standin)
    outlet = running.client.outlet
    root = await outlet.deliver(
        Delivery(Post(channel=general, text=text("Hello"), buttons=(Button("x:go", "Go", "1"),)))
    )
    assert isinstance(root, MessageRef) and root.channel == general
    posted = standin.world.messages[root.id]
    assert posted.components[0]["components"][0]["custom_id"] == "als|x:go|1"

    reply = await outlet.deliver(
        Delivery(Post(channel=general, text=text("In the thread")), thread=root)
    )
    assert reply is not None and reply.channel.id == root.id  # the thread is the root's id
    again = await outlet.deliver(Delivery(Post(channel=general, text=text("Again")), thread=root))
    assert again is not None and again.channel.id == root.id
    assert len(standin.calls("POST", rf"/channels/\d+/messages/{root.id}/threads")) == 1

    await outlet.deliver(Delivery(Edit(handle="h", text=text("Edited")), target=root))
    assert posted.content == "Edited" and posted.components == []


@pytest.mark.asyncio
async def test_an_existing_thread_is_reused_not_recreated(
    standin: DiscordStandIn, running: Running
) -> None:
    ws, general = refs(standin)
    root = await running.client.outlet.deliver(Delivery(Post(channel=general, text=text("Root"))))
    assert root is not None
    standin.world.thread_from_message(general.id, root.id, {"name": "made elsewhere"})
    running.client.outlet._threads.clear()
    running.client._connection._get_guild(int(standin.world.guild_id))._remove_thread(
        discord_object(int(root.id))
    )
    sent = await running.client.outlet.deliver(
        Delivery(Post(channel=general, text=text("Into it")), thread=root)
    )
    assert sent is not None and sent.channel.id == root.id  # 160004 "already created" is fine


def discord_object(ident: int):
    import discord

    return discord.Object(ident)


@pytest.mark.asyncio
async def test_failures_are_sorted_for_the_delivery_loop(
    standin: DiscordStandIn, running: Running
) -> None:
    ws, general = refs(standin)
    outlet = running.client.outlet
    closed = standin.world.add_user("closed", dms_open=False)

    with pytest.raises(DeliveryFailed, match="50007"):
        await outlet.deliver(Delivery(Direct(user=person(ws, closed), text=text("hi"))))
    with pytest.raises(DeliveryFailed, match="10003"):
        await outlet.deliver(
            Delivery(Post(channel=ChannelRef(ws, "1234567890123456789"), text=text("x")))
        )

    standin.fail("POST", r"/channels/\d+/messages", 503)
    with pytest.raises(DeliveryRetry):
        await outlet.deliver(Delivery(Post(channel=general, text=text("x"))))

    # A long 429 goes back to the outbox rather than holding the lane for 40 s.
    standin.fail("POST", r"/channels/\d+/messages", 429, retry_after=40.0)
    with pytest.raises(DeliveryRetry) as retry:
        await outlet.deliver(Delivery(Post(channel=general, text=text("x"))))
    assert retry.value.after == 40.0
    assert retry.value.rate_limited


@pytest.mark.asyncio
async def test_short_429s_are_waited_out(standin: DiscordStandIn, running: Running) -> None:
    ws, general = refs(standin)
    standin.fail("POST", r"/channels/\d+/messages", 429, fraction=0.3, retry_after=0.01)
    for n in range(8):
        await running.client.outlet.deliver(Delivery(Post(channel=general, text=text(f"m{n}"))))
    posts = standin.calls("POST", rf"/channels/{general.id}/messages")
    assert [c.status for c in posts].count(429) >= 1
    assert [m.content for m in in_channel(standin, general.id)] == [f"m{n}" for n in range(8)]


@pytest.mark.asyncio
async def test_ephemeral_without_a_live_interaction_becomes_a_dm(
    standin: DiscordStandIn, running: Running
) -> None:
    ws, general = refs(standin)
    erin = standin.world.add_user("erin")
    info = await standin.slash(erin, "help")
    edit = await standin.wait_for_call("PATCH", rf"/webhooks/\d+/{info.token}/messages/@original")
    assert "Commands" in edit.body["content"]  # /als help answered in place, privately
    original = standin.world.messages[info.original_id]  # type: ignore[index]
    assert original.flags & EPHEMERAL

    info.expired = True  # 15 minutes later
    cause = f"discord:interaction:{info.id}"
    late = Ephemeral(channel=general, user=person(ws, erin), text=text("Later news"))
    await running.client.outlet.deliver(Delivery(late, cause=cause))
    await running.client.outlet.deliver(Delivery(late))  # no interaction at all
    assert dm_texts(standin, erin) == [
        "(only you can see this, from #general)\nLater news",
        "(only you can see this, from #general)\nLater news",
    ]
    assert not [m for m in in_channel(standin, general.id) if "Later" in m.content]


@pytest.mark.asyncio
async def test_long_text_and_files(standin: DiscordStandIn, running: Running) -> None:
    ws, general = refs(standin)
    fay = standin.world.add_user("fay")
    long = text("word " * 600, Mention(person(ws, fay)))
    ref = await running.client.outlet.deliver(Delivery(Post(channel=general, text=long)))
    assert ref is not None
    message = standin.world.messages[ref.id]
    assert len(message.content) <= 2000 and "full text is attached" in message.content
    call = standin.calls("POST", rf"/channels/{general.id}/messages")[-1]
    assert call.body["_files"][0]["name"] == "message.txt"

    export = File(channel=general, filename="dos.md", content=b"# Do's\n", title="The do's")
    await running.client.outlet.deliver(Delivery(export))
    assert standin.calls("POST", rf"/channels/{general.id}/messages")[-1].body["_files"] == [
        {"name": "dos.md", "size": 7}
    ]
    chart = File(
        channel=general, filename="chart.png", content=b"\x89PNG", alt="Ratings: session 1 4.5"
    )
    await running.client.outlet.deliver(Delivery(chart))
    sent = standin.calls("POST", rf"/channels/{general.id}/messages")[-1].body
    assert sent["attachments"][0]["description"] == "Ratings: session 1 4.5", "alt text"
    message = standin.world.messages[max(standin.world.messages, key=int)]
    assert message.attachments[0]["description"] == "Ratings: session 1 4.5"
    private = File(channel=general, filename="me.json", content=b"{}", user=person(ws, fay))
    await running.client.outlet.deliver(Delivery(private))
    dm = standin.world.dm_channel(fay.id)
    assert standin.calls("POST", rf"/channels/{dm.id}/messages")[-1].body["_files"][0]["name"] == (
        "me.json"
    )


@pytest.mark.asyncio
async def test_a_thread_people_made_themselves_is_used_as_it_is(
    standin: DiscordStandIn, running: Running
) -> None:
    ws, general = refs(standin)
    theirs = standin.world.thread_without_message(general.id, {"name": "our set", "type": 11})
    running.client._connection._get_guild(int(standin.world.guild_id))._remove_thread(
        discord_object(int(theirs.id))
    )
    root = MessageRef(general, theirs.id)
    sent = await running.client.outlet.deliver(
        Delivery(Post(channel=general, text=text("Here")), thread=root)
    )
    assert sent is not None and sent.channel.id == theirs.id
    assert [m.content for m in in_channel(standin, theirs.id)] == ["Here"]

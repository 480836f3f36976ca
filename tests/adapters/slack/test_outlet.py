"""The outlet against the Web API stand-in: each reply type, and each kind of refusal."""

from __future__ import annotations

import socket

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import delivery_client
from adapters.slack.interactions import ResponseUrls
from adapters.slack.outlet import SlackOutlet
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Button, Direct, Edit, Ephemeral, File, Mention, Post, text
from testkit.slack.web_api import SlackWebApi

WS = WorkspaceRef(Platform.SLACK, "T0TEST")
C1 = ChannelRef(WS, "C1")
ANA = UserRef(WS, "U0ANA")


def outlet(api: SlackWebApi, urls: ResponseUrls | None = None) -> SlackOutlet:
    return SlackOutlet(delivery_client(api.token, api.url), response_urls=urls)


@pytest.mark.asyncio
async def test_post_in_channel_and_in_thread(web_api: SlackWebApi) -> None:
    o = outlet(web_api)
    header = await o.deliver(
        Delivery(Post(channel=C1, text=text("Hi ", Mention(ANA)), buttons=(Button("a", "A"),)))
    )
    assert header is not None and header.channel == C1
    assert web_api.find("C1", header.id).text == "Hi <@U0ANA>"
    reply = await o.deliver(Delivery(Post(channel=C1, text=text("in thread")), thread=header))
    assert web_api.find("C1", reply.id).thread_ts == header.id
    args = web_api.posted("C1")[0]
    assert args["unfurl_links"] is False and args["blocks"][1]["type"] == "actions"


@pytest.mark.asyncio
async def test_direct_messages_open_the_dm_once(web_api: SlackWebApi) -> None:
    o = outlet(web_api)
    first = await o.deliver(Delivery(Direct(user=ANA, text=text("one"))))
    await o.deliver(Delivery(Direct(user=ANA, text=text("two"))))
    assert first.channel == ChannelRef(WS, "D0ANA")
    assert len(web_api.calls_to("conversations.open")) == 1
    assert [p["text"] for p in web_api.posted("D0ANA")] == ["one", "two"]


@pytest.mark.asyncio
async def test_update_edits_the_target(web_api: SlackWebApi) -> None:
    o = outlet(web_api)
    header = await o.deliver(
        Delivery(Post(channel=C1, text=text("v1"), buttons=(Button("a", "A"),)))
    )
    same = await o.deliver(Delivery(Edit(handle="h", text=text("v2")), target=header))
    assert same == header
    message = web_api.find("C1", header.id)
    assert message.text == "v2" and message.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "v2", "verbatim": True}}
    ]
    with pytest.raises(DeliveryFailed):
        await o.deliver(Delivery(Edit(handle="h", text=text("v3"))))


@pytest.mark.asyncio
async def test_ephemeral_answers_a_command_through_its_response_url(web_api: SlackWebApi) -> None:
    urls = ResponseUrls()
    urls.remember("slack:command:t1", web_api.response_url("t1"), ANA.id)
    o = outlet(web_api, urls)
    reply = Ephemeral(channel=C1, user=ANA, text=text("only you"))
    await o.deliver(Delivery(reply, cause="slack:command:t1"))
    assert web_api.responses[0]["response_type"] == "ephemeral"
    assert web_api.responses[0]["replace_original"] is False
    assert web_api.ephemerals == []
    # No remembered url (e.g. after a restart): chat.postEphemeral, in the thread if any.
    thread = MessageRef(C1, "1767225600.000001")
    await o.deliver(Delivery(reply, cause="slack:event:Ev1", thread=thread))
    assert web_api.ephemerals[0]["user"] == ANA.id
    assert web_api.ephemerals[0]["thread_ts"] == thread.id


@pytest.mark.asyncio
async def test_ephemeral_for_someone_else_does_not_use_the_askers_url(web_api: SlackWebApi) -> None:
    urls = ResponseUrls()
    urls.remember("slack:command:t1", web_api.response_url("t1"), "U0OTHER")
    o = outlet(web_api, urls)
    await o.deliver(
        Delivery(Ephemeral(channel=C1, user=ANA, text=text("x")), cause="slack:command:t1")
    )
    assert web_api.responses == [] and web_api.ephemerals[0]["user"] == ANA.id


@pytest.mark.asyncio
async def test_ephemeral_falls_back_to_a_dm_never_to_a_public_post(web_api: SlackWebApi) -> None:
    web_api.channel_errors["C1"] = "not_in_channel"
    o = outlet(web_api)
    await o.deliver(Delivery(Ephemeral(channel=C1, user=ANA, text=text("private"))))
    assert web_api.posted("C1") == []
    assert [p["text"] for p in web_api.posted("D0ANA")] == ["private"]


@pytest.mark.asyncio
async def test_files_go_to_the_channel_or_privately_to_the_user(web_api: SlackWebApi) -> None:
    o = outlet(web_api)
    await o.deliver(Delivery(File(channel=C1, filename="dos.md", content=b"# Do's\n")))
    await o.deliver(
        Delivery(File(channel=C1, filename="me.json", content=b"{}", title="Your data", user=ANA))
    )
    assert [(f["channel_id"], f["title"], f["content"]) for f in web_api.files] == [
        ("C1", "dos.md", b"# Do's\n"),
        ("D0ANA", "Your data", b"{}"),
    ]


@pytest.mark.asyncio
async def test_429_becomes_a_retry_after_retry_after(web_api: SlackWebApi) -> None:
    web_api.rate_limit(count=1, retry_after=17)
    with pytest.raises(DeliveryRetry) as retry:
        await outlet(web_api).deliver(Delivery(Post(channel=C1, text=text("x"))))
    assert retry.value.after == 17.0
    assert retry.value.rate_limited, "a 429 is the platform's pace, not a failed attempt"


@pytest.mark.asyncio
async def test_server_errors_and_transient_slack_errors_are_retried(web_api: SlackWebApi) -> None:
    o = outlet(web_api)
    web_api.server_error(count=1, status=502)
    with pytest.raises(DeliveryRetry) as retry:
        await o.deliver(Delivery(Post(channel=C1, text=text("x"))))
    assert not retry.value.rate_limited
    web_api.slack_error("service_unavailable")
    with pytest.raises(DeliveryRetry):
        await o.deliver(Delivery(Post(channel=C1, text=text("x"))))


@pytest.mark.parametrize(
    "error",
    ["channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "invalid_blocks"],
)
@pytest.mark.asyncio
async def test_permanent_errors_fail_for_good(web_api: SlackWebApi, error: str) -> None:
    web_api.slack_error(error)
    with pytest.raises(DeliveryFailed, match=error):
        await outlet(web_api).deliver(Delivery(Post(channel=C1, text=text("x"))))


@pytest.mark.parametrize("error", ["user_not_found", "cannot_dm_bot"])
@pytest.mark.asyncio
async def test_undeliverable_dms_fail_for_good(web_api: SlackWebApi, error: str) -> None:
    target = UserRef(WS, "UBOT") if error == "cannot_dm_bot" else UserRef(WS, "U0GONE")
    web_api.missing_users.add("U0GONE")
    with pytest.raises(DeliveryFailed, match=error):
        await outlet(web_api).deliver(Delivery(Direct(user=target, text=text("x"))))


@pytest.mark.asyncio
async def test_an_unreachable_slack_is_a_retry() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # (no SDK retry handler here: its back-off would sleep for real)
    client = AsyncWebClient(
        token="xoxb-x", base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[]
    )
    o = SlackOutlet(client)
    with pytest.raises(DeliveryRetry):
        await o.deliver(Delivery(Post(channel=C1, text=text("x"))))


@pytest.mark.asyncio
async def test_an_unrenderable_reply_fails_for_good(web_api: SlackWebApi) -> None:
    with pytest.raises(DeliveryFailed, match="render"):
        await outlet(web_api).deliver(
            Delivery(Post(channel=C1, text=text("x"), buttons=(Button("", "no id"),)))
        )
    assert web_api.calls == []

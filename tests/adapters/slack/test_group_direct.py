"""`GroupDirect` on Slack: one group DM (mpim) with exactly those people, one message in it.

Through the Web API stand-in over HTTP: `conversations.open` with every user gives one
conversation per set of people (the bot added by Slack), the message carries its outbox
key as metadata, and a retry after an unknown outcome finds it instead of posting twice.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from aiohttp import web

from adapters.slack.client import delivery_client
from adapters.slack.outlet import SlackOutlet
from bot.clock import FakeClock
from bot.outbox_rows import enqueue
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import Button, GroupDirect, Mention, text
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SlackWorld

WS = WorkspaceRef(Platform.SLACK, sign.TEAM)
ANA, BOB = UserRef(WS, "U0ANA"), UserRef(WS, "U0BOB")


class LosingWebApi(SlackWebApi):
    """Posts the next `lose` messages, then drops the connection before answering."""

    def __init__(self) -> None:
        super().__init__(clock=time.time)
        self.lose = 0

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] != "chat.postMessage" or self.lose <= 0:
            return await super()._api(request)
        self.lose -= 1
        response = await super()._api(request)
        assert request.transport is not None
        request.transport.abort()
        return response


@pytest_asyncio.fixture
async def api() -> AsyncIterator[LosingWebApi]:
    async with LosingWebApi() as standin:
        yield standin


def outlet(api: SlackWebApi) -> SlackOutlet:
    return SlackOutlet(delivery_client(api.token, api.url, timeout=1))


def introduction() -> GroupDirect:
    return GroupDirect(
        users=(BOB, ANA),
        text=text("Hello ", Mention(ANA), " and ", Mention(BOB), ": <!channel> an offer"),
        buttons=(Button("match:talked", "We talked", "7"),),
    )


def delivery(reply: GroupDirect, key: str, *, maybe: bool = False) -> Delivery:
    created = datetime.fromtimestamp(time.time() - 1, UTC)
    return Delivery(reply, key=key, maybe_delivered=maybe, created_at=created)


@pytest.mark.asyncio
async def test_one_group_dm_with_exactly_those_people_and_one_message(api: LosingWebApi) -> None:
    o = outlet(api)
    ref = await o.deliver(delivery(introduction(), "5.1"))
    assert ref is not None
    opened = api.calls_to("conversations.open")
    assert [c.args["users"] for c in opened] == ["U0ANA,U0BOB"]  # one call, both people
    channel = api.group_dm("U0ANA", "U0BOB")
    assert channel is not None and ref.channel.id == channel
    assert api.group_dms == {channel: frozenset({"U0ANA", "U0BOB", "UBOT"})}
    [posted] = api.posted(channel)
    assert posted["metadata"]["event_payload"] == {"key": "5.1"}
    assert "<@U0ANA>" in posted["text"] and "<@U0BOB>" in posted["text"]
    assert "<!channel>" not in posted["text"] and "&lt;!channel&gt;" in posted["text"]
    assert [b["text"]["text"] for b in posted["blocks"][-1]["elements"]] == ["We talked"]
    # Another reply to the same people goes to the same conversation, opened once.
    again = await o.deliver(delivery(introduction(), "6.1"))
    assert again is not None and again.channel.id == channel
    assert len(api.calls_to("conversations.open")) == 1 and len(api.group_dms) == 1


@pytest.mark.asyncio
async def test_a_retry_after_an_unknown_outcome_does_not_post_twice(api: LosingWebApi) -> None:
    o = outlet(api)
    api.lose = 1
    with pytest.raises(DeliveryRetry):
        await o.deliver(delivery(introduction(), "9.1"))
    channel = api.group_dm("U0ANA", "U0BOB")
    assert channel is not None and len(api.messages[channel]) == 1  # Slack took it
    fresh = outlet(api)  # a restarted process: nothing remembered
    ref = await fresh.deliver(delivery(introduction(), "9.1", maybe=True))
    assert ref is not None and ref.id == api.messages[channel][0].ts
    assert len(api.messages[channel]) == 1, "posted twice"
    looked = api.calls_to("conversations.history")[-1].args
    assert looked["channel"] == channel and looked["include_all_metadata"] in ("1", "true", True)
    assert len(api.group_dms) == 1


@pytest.mark.asyncio
async def test_a_rate_limit_is_honoured_and_a_person_gone_fails_for_good(
    api: LosingWebApi,
) -> None:
    o = outlet(api)
    api.rate_limit(count=1, retry_after=7, methods=["conversations.open"])
    with pytest.raises(DeliveryRetry) as limited:
        await o.deliver(delivery(introduction(), "3.1"))
    assert limited.value.after == 7 and limited.value.rate_limited
    assert api.posted() == [] and api.group_dms == {}
    api.server_error(count=1, status=503, methods=["chat.postMessage"])
    with pytest.raises(DeliveryRetry):
        await o.deliver(delivery(introduction(), "3.1"))
    assert await o.deliver(delivery(introduction(), "3.1", maybe=True)) is not None
    assert len(api.posted()) == 1
    api.missing_users.add("U0CAL")
    gone = GroupDirect(users=(ANA, UserRef(WS, "U0CAL")), text=text("hello"))
    with pytest.raises(DeliveryFailed):
        await o.deliver(delivery(gone, "4.1"))


@pytest.mark.asyncio
async def test_ids_that_are_not_slack_users_are_never_opened(api: LosingWebApi) -> None:
    o = outlet(api)
    strange = GroupDirect(users=(ANA, UserRef(WS, "<!channel>")), text=text("hi"))
    with pytest.raises(DeliveryFailed):
        await o.deliver(delivery(strange, "2.1"))
    assert api.calls_to("conversations.open") == []


@pytest.mark.asyncio
async def test_through_the_outbox_one_group_dm_is_opened_and_one_message_sent(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    """From the core's outbox (lane `group:…`) through the running adapter, as a
    proposal both accepted would go."""
    world = await SlackWorld.open(web_api, sqlite_url, clock)
    try:
        ana, bob = UserRef(WS, "UALICE"), UserRef(WS, "UBOB")
        reply = GroupDirect(users=(ana, bob), text=text("Meet ", Mention(bob)))
        async with world.bot.store.write() as conn:
            await enqueue(conn, [reply], now=clock.now(), cause="test:match")
        await world.settle()
    finally:
        await world.close()
    channel = web_api.group_dm("UALICE", "UBOB")
    assert channel is not None and len(web_api.calls_to("conversations.open")) == 1
    [posted] = web_api.posted(channel)
    assert posted["text"] == "Meet <@UBOB>"
    assert web_api.posted() == [posted]

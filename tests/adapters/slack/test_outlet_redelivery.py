"""A reply whose earlier attempt may have reached Slack is looked for before it is re-sent.

`chat.postMessage` has no idempotency key: when Slack accepted a message but its answer
never arrived (a timeout, a dropped connection, the process killed), the retry used to post
it a second time.  Every post now carries its outbox key as message metadata, and a retry
marked `maybe_delivered` finds it and returns it instead.  The stand-in here really accepts
the first post and loses the answer, over HTTP, as Slack would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from aiohttp import web

from adapters.slack.client import delivery_client
from adapters.slack.outlet import REPLY_EVENT, SlackOutlet
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Direct, Post, text
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi

WS = WorkspaceRef(Platform.SLACK, sign.TEAM)
C1 = ChannelRef(WS, "C1")
ANA = UserRef(WS, "U0ANA")


class LosingWebApi(SlackWebApi):
    """Acts on the next `lose` chat.postMessage calls, then loses the answer: it holds it
    past the client's timeout (`how="timeout"`) or drops the connection (`how="drop"`)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(clock=time.time, **kwargs)
        self.lose = 0
        self.how = "timeout"

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] != "chat.postMessage" or self.lose <= 0:
            return await super()._api(request)
        self.lose -= 1
        response = await super()._api(request)  # Slack posts it…
        if self.how == "drop":  # …and the connection goes before the answer
            assert request.transport is not None
            request.transport.abort()
            return response
        await asyncio.sleep(2.5)  # …and the answer comes after the client gave up
        return response


@pytest_asyncio.fixture
async def api() -> AsyncIterator[LosingWebApi]:
    async with LosingWebApi() as standin:
        yield standin


def outlet(api: SlackWebApi) -> SlackOutlet:
    return SlackOutlet(delivery_client(api.token, api.url, timeout=1))


def delivery(reply, key: str, *, maybe: bool, thread: MessageRef | None = None) -> Delivery:
    created = datetime.fromtimestamp(time.time() - 1, UTC)
    return Delivery(reply, thread=thread, key=key, maybe_delivered=maybe, created_at=created)


def keys_in(api: SlackWebApi, channel: str) -> list[str]:
    return [m.metadata["event_payload"]["key"] for m in api.messages.get(channel, []) if m.metadata]


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["timeout", "drop"])
async def test_a_post_slack_took_but_whose_answer_was_lost_is_in_slack_once(
    api: LosingWebApi, how: str
) -> None:
    o = outlet(api)
    root = await o.deliver(delivery(Post(channel=C1, text=text("header")), "1.1", maybe=False))
    assert root is not None
    cases = [
        (Post(channel=C1, text=text("in the channel")), None, "C1", "conversations.history"),
        (Post(channel=C1, text=text("in the thread")), root, "C1", "conversations.replies"),
        (Direct(user=ANA, text=text("a nudge")), None, "D0ANA", "conversations.history"),
    ]
    for n, (reply, thread, channel, lookup) in enumerate(cases, start=2):
        key = f"{n}.1767225600000"
        api.lose, api.how = 1, how
        with pytest.raises(DeliveryRetry):
            await o.deliver(delivery(reply, key, maybe=False, thread=thread))
        assert keys_in(api, channel).count(key) == 1  # Slack has it; we did not hear so
        looked = len(api.calls_to(lookup))
        again = await o.deliver(delivery(reply, key, maybe=True, thread=thread))
        assert keys_in(api, channel).count(key) == 1, f"{reply} posted twice"
        assert again is not None and again.channel.id == channel
        assert api.find(channel, again.id).metadata["event_payload"]["key"] == key
        assert len(api.calls_to(lookup)) == looked + 1
        sent = api.calls_to(lookup)[-1].args
        assert sent["include_all_metadata"] in ("1", "true", True) and float(sent["oldest"]) > 0
    assert len(api.posted()) == 4


@pytest.mark.asyncio
async def test_a_retry_not_yet_in_slack_is_posted_with_its_key(api: LosingWebApi) -> None:
    o = outlet(api)
    await o.deliver(delivery(Post(channel=C1, text=text("another reply")), "7.1", maybe=False))
    api.seed_message("C1", "a person talking", user="U0BOB")
    ref = await o.deliver(delivery(Post(channel=C1, text=text("mine")), "8.1", maybe=True))
    assert ref is not None and api.find("C1", ref.id).text == "mine"
    assert keys_in(api, "C1") == ["7.1", "8.1"]
    assert api.posted("C1")[-1]["metadata"] == {
        "event_type": REPLY_EVENT,
        "event_payload": {"key": "8.1"},
    }
    # Slack shows message metadata only to a caller that asks for it.
    plain = await o.client.conversations_history(channel="C1")
    assert all("metadata" not in m for m in plain["messages"])
    # A first attempt does not look.
    await o.deliver(delivery(Post(channel=C1, text=text("first")), "9.1", maybe=False))
    assert len(api.calls_to("conversations.history")) == 2  # the lookup and ours above


@pytest.mark.asyncio
async def test_a_lookup_that_can_never_work_falls_back_to_posting(api: LosingWebApi) -> None:
    """No history scope, or the bot is not in the conversation: post (at least once)."""
    o = outlet(api)
    api.slack_error("missing_scope", methods=["conversations.history"])
    api.slack_error("not_in_channel", methods=["conversations.replies"])
    header = await o.deliver(delivery(Post(channel=C1, text=text("h")), "1.1", maybe=True))
    assert header is not None
    reply = await o.deliver(
        delivery(Post(channel=C1, text=text("r")), "2.1", maybe=True, thread=header)
    )
    assert reply is not None and keys_in(api, "C1") == ["1.1", "2.1"]
    assert [c.error for c in api.calls_to("conversations.history")] == ["missing_scope"]
    assert [c.error for c in api.calls_to("conversations.replies")] == ["not_in_channel"]


@pytest.mark.asyncio
async def test_a_lookup_that_fails_for_now_retries_the_reply_later(api: LosingWebApi) -> None:
    """Slack unwell (a 5xx page, a lost answer): the reply is retried later, looking first,
    as a failed post would be — not posted blind into a possible second copy."""
    o = outlet(api)
    api.server_error(status=503, methods=["conversations.history"])
    with pytest.raises(DeliveryRetry) as raised:
        await o.deliver(delivery(Post(channel=C1, text=text("x")), "1.1", maybe=True))
    assert not raised.value.rate_limited and api.posted() == []
    api.lose, api.how = 1, "timeout"
    with pytest.raises(DeliveryRetry):  # Slack took it, the answer was lost
        await o.deliver(delivery(Post(channel=C1, text=text("x")), "1.1", maybe=True))
    api.delay = 2.5  # and now the look-up's answer is lost too
    with pytest.raises(DeliveryRetry):
        await o.deliver(delivery(Post(channel=C1, text=text("x")), "1.1", maybe=True))
    api.delay = 0.0
    ref = await o.deliver(delivery(Post(channel=C1, text=text("x")), "1.1", maybe=True))
    assert ref is not None and keys_in(api, "C1") == ["1.1"]


@pytest.mark.asyncio
async def test_a_rate_limited_lookup_waits_instead_of_risking_a_second_copy(
    api: LosingWebApi,
) -> None:
    """A 429 is Slack's pace, not a failure: the reply waits (uncounted), and no other lookup
    is made before Retry-After has passed."""
    o = outlet(api)
    api.rate_limit(count=1, retry_after=30, methods=["conversations.history"])
    for key in ("1.1", "2.1"):
        with pytest.raises(DeliveryRetry) as raised:
            await o.deliver(delivery(Post(channel=C1, text=text(key)), key, maybe=True))
        assert raised.value.rate_limited and 25 < raised.value.after <= 30
    assert len(api.calls_to("conversations.history")) == 1
    assert api.posted() == []

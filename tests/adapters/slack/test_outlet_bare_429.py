"""A bare HTTP 429 — no `{"ok": false, "error": "ratelimited"}` body, as a proxy or Slack's
edge can answer — is still Slack's pace: retry after a wait, never a failed delivery."""

from __future__ import annotations

import pytest

from adapters.slack.client import delivery_client
from adapters.slack.outlet import SlackOutlet, retry_after
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import Direct, Post, text
from testkit.slack.web_api import SlackWebApi

WS = WorkspaceRef(Platform.SLACK, "T0TEST")
C1 = ChannelRef(WS, "C1")
ANA = UserRef(WS, "U0ANA")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reply", "method"),
    [
        (Post(channel=C1, text=text("x")), "chat.postMessage"),
        (Direct(user=ANA, text=text("x")), "conversations.open"),
    ],
)
async def test_a_bare_429_is_a_rate_limited_retry(
    web_api: SlackWebApi, reply: Post | Direct, method: str
) -> None:
    outlet = SlackOutlet(delivery_client(web_api.token, web_api.url))
    # The stand-in's "status" fault answers an HTML page with no JSON and no Retry-After.
    web_api.server_error(count=1, status=429, methods=[method])
    with pytest.raises(DeliveryRetry) as retry:
        await outlet.deliver(Delivery(reply))
    [call] = web_api.calls_to(method)
    assert call.status == 429
    assert retry.value.rate_limited, "the platform's pace, not a failed attempt"
    assert retry.value.after == retry_after({}), "no Retry-After: the default wait"
    assert await outlet.deliver(Delivery(reply)) is not None, "the retry goes through"

"""The post-crash look-up reads pages of 15, stops at the first match, and keeps to the
workspace's history budget: a reply that may have been posted is found however far back
it sits in the window, never posted twice, and waits (never lost) when the budget is spent.

The outlet against the Web API stand-in over HTTP; the stand-in plays a distributed app's
limits (1 call a minute per method, 15 a page, 429 beyond) on the same simulated seconds
as the budget, so a call over budget would be answered 429 and show.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from adapters.slack.client import delivery_client
from adapters.slack.history_budget import HISTORY, REPLIES, HistoryBudget
from adapters.slack.outlet import REPLY_EVENT, SlackOutlet
from bot.ports import Delivery, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.replies import Post, text
from testkit.slack import signing as sign
from testkit.slack.web_api import HistoryLimits, Message, SlackWebApi

WS = WorkspaceRef(Platform.SLACK, sign.TEAM)
C1 = ChannelRef(WS, "C1")
KEY = "5.1767225600000"


class Seconds:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def t() -> Seconds:
    return Seconds()


@pytest_asyncio.fixture
async def api(t: Seconds) -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as standin:
        standin.history_limits = HistoryLimits(clock=t)
        yield standin


def outlet(api: SlackWebApi, t: Seconds, distribution: str = "distributed") -> SlackOutlet:
    budget = HistoryBudget.for_distribution(distribution, t)
    return SlackOutlet(delivery_client(api.token, api.url, timeout=2), history=budget)


def tagged(message: Message, key: str = KEY) -> Message:
    """As an earlier attempt posted it: the bot's, tagged with the reply's key."""
    message.user, message.bot_id = "UBOT", "BBOT"
    message.metadata = {"event_type": REPLY_EVENT, "event_payload": {"key": key}}
    return message


def posted_earlier(api: SlackWebApi, later: int, thread: Message | None = None) -> datetime:
    """The reply an attempt posted before the crash, then `later` messages by people; the
    time the reply was written (just before it was posted)."""
    thread_ts = thread.ts if thread is not None else None
    mine = tagged(api.seed_message("C1", "the reply", thread_ts=thread_ts))
    for n in range(later):
        api.seed_message("C1", f"people talking {n}", user="U0BOB", thread_ts=thread_ts)
    return datetime.fromtimestamp(float(mine.ts) - 1, UTC)


def retry(created: datetime, thread: MessageRef | None = None) -> Delivery:
    reply = Post(channel=C1, text=text("the reply"))
    return Delivery(reply, thread=thread, key=KEY, maybe_delivered=True, created_at=created)


def copies(api: SlackWebApi) -> int:
    return sum(1 for m in api.messages.get("C1", []) if m.metadata)


@pytest.mark.asyncio
async def test_a_reply_20_messages_back_is_found_on_page_2_and_not_posted_again(
    api: SlackWebApi, t: Seconds
) -> None:
    o = outlet(api, t)
    created = posted_earlier(api, later=20)
    with pytest.raises(DeliveryRetry) as waited:
        await o.deliver(retry(created))  # page 1 (15 newest), then the budget is spent
    assert waited.value.rate_limited and waited.value.after == pytest.approx(60.0)
    t.now += waited.value.after
    found = await o.deliver(retry(created))  # goes on from page 2, where it is
    assert found is not None and api.find("C1", found.id).metadata is not None
    assert copies(api) == 1 and api.posted() == [], "nothing posted twice"
    first, second = api.calls_to(HISTORY)
    assert [int(c.args["limit"]) for c in (first, second)] == [15, 15]
    assert "cursor" not in first.args and second.args["cursor"], "page 2, not page 1 again"
    assert all(c.status == 200 for c in api.calls), "never over Slack's limit"


@pytest.mark.asyncio
async def test_an_internal_app_pages_15_at_a_time_and_stops_at_the_first_match(
    api: SlackWebApi, t: Seconds
) -> None:
    api.history_limits = None
    o = outlet(api, t, "internal")
    created = posted_earlier(api, later=20)
    for n in range(40):  # and much more after it, never read
        api.seed_message("C1", f"later still {n}", user="U0BOB")
    found = await o.deliver(retry(created))
    assert found is not None and copies(api) == 1 and api.posted() == []
    calls = api.calls_to(HISTORY)
    assert len(calls) == 5 and all(int(c.args["limit"]) == 15 for c in calls)


@pytest.mark.asyncio
async def test_a_thread_reply_is_looked_for_page_by_page_in_the_thread(
    api: SlackWebApi, t: Seconds
) -> None:
    o = outlet(api, t)
    root = api.seed_message("C1", "header", user="UBOT")
    before = datetime.fromtimestamp(float(root.ts), UTC)
    for n in range(20):  # replies by people, oldest first: the bot's comes after them
        api.seed_message("C1", f"said {n}", user="U0BOB", thread_ts=root.ts)
    tagged(api.seed_message("C1", "the reply", thread_ts=root.ts))
    thread = MessageRef(C1, root.ts)
    with pytest.raises(DeliveryRetry) as waited:
        await o.deliver(retry(before, thread))
    t.now += waited.value.after
    found = await o.deliver(retry(before, thread))
    assert found is not None and copies(api) == 1 and api.posted() == []
    assert len(api.calls_to(REPLIES)) == 2 and api.calls_to(HISTORY) == []


@pytest.mark.asyncio
async def test_a_spent_budget_makes_the_reply_wait_and_it_is_still_posted_once(
    api: SlackWebApi, t: Seconds
) -> None:
    """The source read a message a moment ago: the look-up waits its turn, then finds
    nothing (the crash came before Slack took the post) and posts it, once."""
    o = outlet(api, t)
    o.history.take(sign.TEAM, HISTORY, "a do reaction")  # the minute's read, spent
    created = datetime.fromtimestamp(t.now - 5, UTC)
    api.seed_message("C1", "people talking", user="U0BOB")
    with pytest.raises(DeliveryRetry) as waited:
        await o.deliver(retry(created))
    assert waited.value.rate_limited and 0 < waited.value.after <= 60
    assert api.calls == [] and api.posted() == []
    t.now += waited.value.after
    ref = await o.deliver(retry(created))
    assert ref is not None and len(api.posted()) == 1 and copies(api) == 1
    assert len(api.calls_to(HISTORY)) == 1


@pytest.mark.asyncio
async def test_a_429_holds_only_that_workspace(api: SlackWebApi, t: Seconds) -> None:
    o = outlet(api, t, "internal")
    api.history_limits = None
    api.rate_limit(count=1, retry_after=30, methods=[HISTORY])
    created = datetime.fromtimestamp(t.now - 5, UTC)
    with pytest.raises(DeliveryRetry) as waited:
        await o.deliver(retry(created))
    assert waited.value.rate_limited and waited.value.after == 30
    assert o.history.take(sign.TEAM, HISTORY, "another") == pytest.approx(30.0)
    assert o.history.take("T0OTHER", HISTORY, "another") == 0.0

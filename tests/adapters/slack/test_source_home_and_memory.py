"""The message source, the Home tab and the response_url memory, each on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.slack.client import delivery_client
from adapters.slack.home import HomePublisher, home_view
from adapters.slack.interactions import LIFETIME, MAX_USES, ResponseUrls
from adapters.slack.source import SlackMessageSource
from adapters.slack.tasks import Background
from bot.followup.home import HomeAction, HomeSession, HomeSummary
from bot.ports import FetchedMessage, FetchRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from testkit.slack.web_api import SlackWebApi

WS = WorkspaceRef(Platform.SLACK, "T0TEST")
C1 = ChannelRef(WS, "C1")


# ---------------------------------------------------------------------- message source


@pytest.mark.asyncio
async def test_source_finds_top_level_messages_and_thread_replies(web_api: SlackWebApi) -> None:
    root = web_api.seed_message("C1", "Try a &lt;5 minute&gt; check-in", user="U1")
    reply = web_api.seed_message("C1", "Ask <@U2> first", user="U3", thread_ts=root.ts)
    bot = web_api.seed_message("C1", "from a bot", bot_id="B9", subtype="bot_message")
    source = SlackMessageSource(delivery_client(web_api.token, web_api.url))
    assert await source.fetch_message(MessageRef(C1, root.ts)) == FetchedMessage(
        author=UserRef(WS, "U1"), text="Try a <5 minute> check-in"
    )
    assert await source.fetch_message(MessageRef(C1, reply.ts)) == FetchedMessage(
        author=UserRef(WS, "U3"), text="Ask <@U2> first", thread=MessageRef(C1, root.ts)
    )
    fetched_bot = await source.fetch_message(MessageRef(C1, bot.ts))
    assert fetched_bot is not None and fetched_bot.author_is_bot and fetched_bot.author is None
    assert [c.method for c in web_api.calls] == [
        "conversations.history",
        "conversations.history",
        "conversations.replies",
        "conversations.history",
    ]


@pytest.mark.asyncio
async def test_source_says_none_for_what_is_gone_and_raises_on_trouble(
    web_api: SlackWebApi,
) -> None:
    source = SlackMessageSource(delivery_client(web_api.token, web_api.url))
    assert await source.fetch_message(MessageRef(C1, "1767225600.999999")) is None
    web_api.channel_errors["C404"] = "channel_not_found"
    assert await source.fetch_message(MessageRef(ChannelRef(WS, "C404"), "1.000001")) is None
    web_api.server_error(count=1)
    with pytest.raises(FetchRetry):  # the core tries the event again later
        await source.fetch_message(MessageRef(C1, "1767225600.000001"))


# ---------------------------------------------------------------------- home


def test_home_view_escapes_what_people_wrote() -> None:
    summary = HomeSummary(
        actions=[HomeAction(C1, "Tell <!channel> & co", " (by Fri 30 Jan 2026)")],
        sessions=[HomeSession(C1, datetime(2026, 2, 9, 10, tzinfo=UTC), "Europe/London")],
        dos=["Start with <!here> a check-in"],
    )
    view = home_view(summary)
    assert view["type"] == "home"
    body = str(view)
    assert "<!channel>" not in body and "<!here>" not in body
    assert "Tell &lt;!channel&gt; &amp; co" in body and "<#C1>" in body
    assert "Monday 9 February 2026, 10:00" in body


def test_home_view_shows_a_sessions_end_and_place() -> None:
    shown = "Monday 9 February 2026, 10:00–12:00 (Europe/London), Room <8> & more"
    at = datetime(2026, 2, 9, 10, tzinfo=UTC)
    body = str(home_view(HomeSummary(sessions=[HomeSession(C1, at, "Europe/London", shown)])))
    assert (
        "<#C1>: Monday 9 February 2026, 10:00–12:00 (Europe/London), Room &lt;8&gt; &amp; more"
        in body
    )


def test_an_empty_home_says_what_to_do() -> None:
    body = str(home_view(HomeSummary()))
    assert "Nothing open" in body and "/als schedule" in body


@pytest.mark.asyncio
async def test_home_publisher_survives_a_broken_reader_and_a_broken_slack(
    web_api: SlackWebApi,
) -> None:
    class Broken:
        async def summary(self, user: UserRef) -> HomeSummary:
            raise RuntimeError("no database")

    publisher = HomePublisher(delivery_client(web_api.token, web_api.url), Broken())
    await publisher.publish(UserRef(WS, "U1"))
    assert web_api.views["U1"]["type"] == "home"
    web_api.server_error(count=1)
    await publisher.publish(UserRef(WS, "U1"))  # logged, not raised


# ---------------------------------------------------------------------- memory & tasks


def test_response_urls_expire_are_used_at_most_five_times_and_are_per_user() -> None:
    now = [0.0]
    urls = ResponseUrls(capacity=2, clock=lambda: now[0])
    urls.remember("k1", "https://hooks/1", "U1")
    assert urls.take("k1", "U2") is None, "only for the person who asked"
    assert [urls.take("k1", "U1") for _ in range(MAX_USES + 1)][-2:] == ["https://hooks/1", None]
    urls.remember("k2", "https://hooks/2", "U1")
    now[0] += LIFETIME + 1
    assert urls.take("k2", "U1") is None
    for n in range(3):
        urls.remember(f"c{n}", "https://hooks/c", "U1")
    assert len(urls) == 2 and urls.take("c0", "U1") is None
    assert urls.take(None, "U1") is None


@pytest.mark.asyncio
async def test_background_tasks_are_tracked_and_cancelled() -> None:
    import asyncio

    background = Background()
    never = asyncio.Event()
    background.spawn(never.wait(), name="waits")
    failing = background.spawn(asyncio.sleep(0, result=1))
    await failing
    assert len(background) == 1
    await background.aclose()
    assert len(background) == 0

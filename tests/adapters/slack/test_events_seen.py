"""HTTP mode: `/als` works but no events arrive (an unverified Request URL) is said once.

The watch's two minutes pass by an injected sleep that the test releases; the durable
record is a real `adapter_state` row on SQLite, read again after a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from adapters.slack.events_seen import ADVICE as ADVICE_TEXT
from adapters.slack.events_seen import DELAY, PREFIX, EventsSeen
from bot.clock import FakeClock
from bot.store.db import open_store
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET, SET, SlackWorld

TEAM = sign.TEAM
ADVICE = "press Retry next to the Request URL"
COMMAND = sign.slash_command_fields(text="help", user_id="UALICE", channel_id=SET)
EVENT = sign.event_envelope(
    sign.message_event(user="UBOB", channel=SET, text="hi", ts="1767225601.000100")
)


class Sleeps:
    """An `asyncio.sleep` stand-in: each sleeper waits until the test says time has passed."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self._passed = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self._passed.wait()

    def pass_time(self) -> None:
        self._passed.set()


def advice(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "adapters.slack.events_seen" and ADVICE in r.getMessage()
    ]


async def watched(sleeps: Sleeps) -> None:
    await eventually(lambda: len(sleeps.asked) >= 1, what="the watch to start waiting")


@dataclass
class Watch:
    store: Any
    seen: EventsSeen
    sleeps: Sleeps


@pytest_asyncio.fixture
async def watch(sqlite_url: str) -> AsyncIterator[Watch]:
    """An `EventsSeen` on a fresh SQLite store whose two minutes pass when the test says."""
    store = await open_store(sqlite_url)
    sleeps = Sleeps()
    seen = EventsSeen(store, TEAM, sleep=sleeps)
    try:
        yield Watch(store, seen, sleeps)
    finally:
        await seen.aclose()
        await store.close()


@pytest.mark.asyncio
async def test_commands_with_no_events_warn_once_after_the_delay(
    watch: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seen, sleeps = watch.seen, watch.sleeps
    await seen.note(COMMAND)
    await watched(sleeps)
    assert sleeps.asked == [DELAY] and DELAY == 120.0
    await seen.note(COMMAND)  # a second command while watching: no second watch
    assert advice(caplog) == []  # nothing before the delay has passed
    sleeps.pass_time()
    await seen.drain()
    [warning] = advice(caplog)
    assert warning.levelno == logging.WARNING
    text = warning.getMessage()
    assert TEAM in text and "2 minutes" in text and "api.slack.com/apps" in text
    await seen.note(COMMAND)  # once per workspace per process
    await seen.drain()
    assert len(advice(caplog)) == 1 and sleeps.asked == [DELAY]


@pytest.mark.asyncio
async def test_an_event_first_means_no_watch_and_no_warning(
    watch: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    await watch.seen.note(EVENT)
    await watch.seen.note(COMMAND)
    watch.sleeps.pass_time()
    await watch.seen.drain()
    assert watch.sleeps.asked == [] and advice(caplog) == []


@pytest.mark.asyncio
async def test_an_event_during_the_wait_ends_it_quietly(
    watch: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    await watch.seen.note(COMMAND)
    await watched(watch.sleeps)
    await watch.seen.note(sign.app_rate_limited(1))  # also a delivery to the Request URL
    watch.sleeps.pass_time()
    await watch.seen.drain()
    assert advice(caplog) == []


@pytest.mark.asyncio
async def test_events_seen_survive_a_restart_and_reach_another_process(
    any_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = await open_store(any_db_url)
    try:
        await EventsSeen(store, TEAM).note(EVENT)
    finally:
        await store.close()
    store = await open_store(any_db_url)  # a restart: nothing in memory
    sleeps = Sleeps()
    after_restart = EventsSeen(store, TEAM, sleep=sleeps)
    waiting = EventsSeen(store, TEAM, sleep=sleeps)  # a process that got only commands
    try:
        await after_restart.note(COMMAND)
        async with asyncio.timeout(5):  # without the row it would wait for time to pass
            await after_restart.drain()
        assert sleeps.asked == [], "the stored row ends the watch before it waits"

        other_app = dict(COMMAND, api_app_id="A0RECREATED")  # a re-created app: its own key
        await waiting.note(other_app)
        await watched(sleeps)
        await after_restart.note(dict(EVENT, api_app_id="A0RECREATED"))  # in "another process"
        sleeps.pass_time()
        await waiting.drain()
        assert advice(caplog) == []
    finally:
        await after_restart.aclose()
        await waiting.aclose()
        await store.close()


@pytest.mark.asyncio
async def test_a_database_that_cannot_answer_means_no_guess(
    watch: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    async with watch.store.write() as conn:  # every read and write of the row now fails
        await conn.execute(text("DROP TABLE adapter_state"))
    await watch.seen.note(EVENT)  # not recorded, but the event itself is not held up
    assert watch.seen.seen
    fresh = EventsSeen(watch.store, TEAM, sleep=watch.sleeps)
    try:
        await fresh.note(COMMAND)
        await fresh.drain()
        assert watch.sleeps.asked == [] and advice(caplog) == []
    finally:
        await fresh.aclose()


# ---------------------------------------------------------------------- the real server


@pytest.mark.asyncio
async def test_a_signed_url_verification_is_answered_and_logged(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seen = http_world.service.events_seen
    assert seen is not None
    body = json.dumps(sign.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7"))
    answer = await http_world.send_http(body, sign.signed_headers(SECRET, body))
    assert answer.status == 200
    assert answer.json == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7"}
    [info] = [r for r in caplog.records if "Slack verified the Request URL" in r.getMessage()]
    assert info.levelno == logging.INFO
    sleeps = Sleeps()
    seen.sleep = sleeps
    await http_world.command("UALICE", "help")
    await seen.drain()
    assert sleeps.asked == [], "verified in this process: events can arrive, no watch"


@pytest.mark.asyncio
async def test_commands_over_http_with_no_events_warn_and_an_event_is_recorded(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    seen = http_world.service.events_seen
    assert seen is not None
    sleeps = Sleeps()
    seen.sleep = sleeps
    assert (await http_world.command("UALICE", "help")).status == 200
    await watched(sleeps)
    sleeps.pass_time()
    await seen.drain()
    assert len(advice(caplog)) == 1

    hello = sign.message_event(user="UBOB", channel=SET, text="hi", ts="1767225601.000100")
    assert (await http_world.event(hello)).status == 200
    async with http_world.bot.store.read() as conn:
        rows = (await conn.execute(text("SELECT name FROM adapter_state"))).all()
    assert [r[0] for r in rows] == [f"{PREFIX}{TEAM}:{sign.APP}"]


@pytest.mark.asyncio
async def test_the_bots_own_message_counts_as_an_event(http_world: SlackWorld) -> None:
    """Bolt drops the bot's own messages before any listener; they still prove that the
    Request URL works (after `/als start` the round header comes straight back)."""
    seen = http_world.service.events_seen
    assert seen is not None
    own = sign.message_event(user="UBOT", channel=SET, text="Round 1", ts="1767225602.000100")
    own["bot_id"] = "BBOT"
    assert (await http_world.event(own)).status == 200
    assert f"{PREFIX}{TEAM}:{sign.APP}" in seen.seen


def test_docs_slack_quotes_the_log_lines_an_operator_will_search_for() -> None:
    """docs/SLACK.md tells the operator what to look for; the words must be the code's."""
    doc = " ".join((Path(__file__).parents[3] / "docs" / "SLACK.md").read_text().split())
    assert "Slack verified the Request URL" in doc
    for quoted in (
        "Slack is sending /als commands for workspace",
        "Event Subscriptions and press Retry next to the Request URL",
    ):
        assert quoted in doc and quoted in ADVICE_TEXT
    assert "verifies on its own" not in doc and "once alsbot is reachable" not in doc


@pytest.mark.asyncio
async def test_socket_mode_has_no_watch(
    web_api: SlackWebApi, sqlite_url: str, clock: FakeClock
) -> None:
    """Commands and events share one connection there: no Request URL to forget."""
    async with SocketModeServer() as socket:
        world = await SlackWorld.open(web_api, sqlite_url, clock, mode="socket", socket=socket)
        try:
            assert world.service.events_seen is None
            assert (await world.command("UALICE", "help")).status == 200
        finally:
            await world.close()

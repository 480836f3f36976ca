"""When the inbox cannot take an event: Slack must retry events, and commands get an answer.

These run the real Bolt app behind the real HTTP server and Socket Mode client; only the
core is replaced, by submitters that fail or hang, because those are the states of the
core this adapter must cope with.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from adapters.slack.bolt_app import SLOW, SORRY, Listeners, build_bolt_app
from adapters.slack.client import SlackStartupError, patient_client
from adapters.slack.interactions import ResponseUrls
from adapters.slack.server import SlackHttpServer
from adapters.slack.socket_mode import SlackSocketMode
from adapters.slack.tasks import Background
from adapters.slack.translate import BotIdentity
from bot.events import Event
from bot.reply_handles import SLACK_LIFETIME, Handle
from bot.store.file_guard import StoreUnavailable
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET

IDENTITY = BotIdentity("T0TEST", "UBOT", "BBOT")


class Submitter:
    """The core's `submit`, in the states that matter: fine, failing, stuck."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.seen: list[Event] = []
        self.handles: list[Handle | None] = []
        self.gate = asyncio.Event()
        self.changed = asyncio.Condition()

    async def submit(self, event: Event, handle: Handle | None = None) -> bool:
        self.seen.append(event)
        self.handles.append(handle)
        async with self.changed:
            self.changed.notify_all()
        if self.mode == "fail" or "FAIL" in event.key:
            raise RuntimeError("database is locked")
        if self.mode == "stuck":
            await self.gate.wait()
        return True


def make(api: SlackWebApi, submitter: Submitter, ack_budget: float = 2.0):
    background = Background()
    listeners = Listeners(
        submitter=submitter,
        identity=IDENTITY,
        response_urls=ResponseUrls(),
        background=background,
        ack_budget=ack_budget,
    )
    bolt = build_bolt_app(
        client=patient_client(None, api.url),
        bot_token=api.token,
        signing_secret=SECRET,
        identity=IDENTITY,
        listeners=listeners,
    )
    return bolt, background


@pytest_asyncio.fixture
async def served(web_api: SlackWebApi) -> AsyncIterator[tuple[str, Submitter, Background]]:
    submitter = Submitter()
    bolt, background = make(web_api, submitter, ack_budget=0.2)
    server = SlackHttpServer(bolt, signing_secret=SECRET)
    await server.start("127.0.0.1", 0)
    try:
        yield server.url, submitter, background
    finally:
        submitter.gate.set()
        await server.stop()
        await background.aclose()


async def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status, await r.text()


def dm(event_id: str) -> str:
    event = sign.message_event(
        user="U1", channel="D1", text="hi", ts="1767225601.000001", channel_type="im"
    )
    return json.dumps(sign.event_envelope(event, event_id=event_id))


def command(text: str = "help") -> str:
    return sign.form_body(sign.slash_command_fields(text=text, user_id="U1", channel_id="C1"))


@pytest.mark.asyncio
async def test_an_event_that_cannot_be_stored_is_not_acknowledged(served) -> None:
    url, submitter, _ = served
    submitter.mode = "fail"
    body = dm("Ev0BROKEN")
    status, _ = await post(url, body, sign.signed_headers(SECRET, body))
    assert status == 500, "Slack retries what we could not store"
    submitter.mode = "ok"
    status, _ = await post(url, body, sign.signed_headers(SECRET, body, retry_num=1))
    assert status == 200 and len(submitter.seen) == 2


@pytest.mark.asyncio
async def test_a_command_that_cannot_be_stored_gets_a_polite_private_answer(served) -> None:
    url, submitter, _ = served
    submitter.mode = "fail"
    body = command()
    status, text = await post(url, body, sign.form_headers(SECRET, body))
    assert status == 200
    assert text == SORRY


@pytest.mark.asyncio
async def test_a_stuck_inbox_still_gets_the_command_acked_in_time(served) -> None:
    url, submitter, background = served
    submitter.mode = "stuck"
    body = command()
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, text = await post(url, body, sign.form_headers(SECRET, body))
    assert status == 200 and text == SLOW
    assert loop.time() - started < 1.5
    assert len(background) == 1, "the write carries on after the ack"
    submitter.gate.set()
    await background.drain()
    assert len(background) == 0


@pytest.mark.asyncio
async def test_socket_mode_acks_only_what_was_stored(
    web_api: SlackWebApi, socket_server: SocketModeServer
) -> None:
    submitter = Submitter()
    bolt, background = make(web_api, submitter)
    socket = SlackSocketMode(bolt, web_api.app_token, patient_client(web_api.token, web_api.url))
    await socket.start()
    try:
        await socket_server.wait_connected()
        bad = sign.event_envelope(json.loads(dm("x"))["event"], event_id="Ev0FAIL")
        good = sign.event_envelope(json.loads(dm("x"))["event"], event_id="Ev0GOOD")
        bad_id = await socket_server.send("events_api", bad)
        good_id = await socket_server.send("events_api", good)
        await socket_server.wait_ack(good_id)
        async with asyncio.timeout(5), submitter.changed:
            await submitter.changed.wait_for(lambda: len(submitter.seen) >= 2)
        await asyncio.sleep(0.05)  # a moment for an ack that must not come
        assert socket_server.unacked() == [bad_id]
    finally:
        await socket.stop()
        await background.aclose()


@pytest.mark.asyncio
async def test_a_refused_app_token_fails_the_start_with_one_clear_message(
    web_api: SlackWebApi, socket_server: SocketModeServer
) -> None:
    bolt, background = make(web_api, Submitter())
    socket = SlackSocketMode(bolt, "xapp-wrong", patient_client(web_api.token, web_api.url))
    with pytest.raises(SlackStartupError, match="SLACK_APP_TOKEN") as failed:
        await socket.start()
    assert "xapp-wrong" not in str(failed.value)
    assert socket_server.connected_count == 0
    await background.aclose()


@pytest.mark.asyncio
async def test_socket_mode_leaves_events_unacknowledged_quietly_while_the_database_is_lost(
    web_api: SlackWebApi, socket_server: SocketModeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14, point 4: the core logs a lost database once; each refused event must not
    add Bolt's traceback (20 events were 20 "Failed to run listener function" tracebacks)."""

    class Lost(Submitter):
        async def submit(self, event: Event, handle: Handle | None = None) -> bool:
            self.seen.append(event)
            raise StoreUnavailable("the database file is gone")

    submitter = Lost()
    bolt, background = make(web_api, submitter)
    socket = SlackSocketMode(bolt, web_api.app_token, patient_client(web_api.token, web_api.url))
    await socket.start()
    caplog.set_level(logging.INFO)
    try:
        await socket_server.wait_connected()
        sent = [
            await socket_server.send(
                "events_api", sign.event_envelope(json.loads(dm("x"))["event"], event_id=f"Ev{i}")
            )
            for i in range(5)
        ]
        await eventually(lambda: len(submitter.seen) >= 5, within=5)
        await asyncio.sleep(0.05)  # a moment for an ack that must not come
        assert sorted(socket_server.unacked()) == sorted(sent)
    finally:
        await socket.stop()
        await background.aclose()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.asyncio
async def test_a_commands_response_url_is_submitted_with_it_for_any_process(served) -> None:
    """The handle goes into `submit` (the inbox's own commit), before Slack is answered."""
    url, submitter, _ = served
    body = command()
    status, _ = await post(url, body, sign.form_headers(SECRET, body))
    assert status == 200
    (event,), (handle,) = submitter.seen, submitter.handles
    assert handle is not None
    assert (handle.cause, handle.platform, handle.user_id) == (event.key, "slack", "U1")
    assert handle.secret == "https://hooks.slack.com/commands/none"
    assert handle.lifetime == SLACK_LIFETIME
    body = dm("Ev0PLAIN")
    assert (await post(url, body, sign.signed_headers(SECRET, body)))[0] == 200
    assert submitter.handles[-1] is None, "a message event has no response_url"

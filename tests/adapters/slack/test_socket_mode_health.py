"""Part "slack" on `/healthz`: a dropped Socket Mode websocket is a 503 until the SDK has
reconnected; HTTP mode reports the port it listens on, and its `/healthz` answers the
same body as the health server of its own.

The real Bolt app and slack_sdk's aiohttp Socket Mode client against the Socket Mode and
Web API stand-ins; the drop is the stand-in closing its websocket while
`apps.connections.open` refuses, so the SDK cannot reconnect until it is allowed again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from adapters.slack.bolt_app import Listeners, build_bolt_app
from adapters.slack.client import patient_client
from adapters.slack.interactions import ResponseUrls
from adapters.slack.socket_mode import SlackSocketMode
from adapters.slack.tasks import Background
from adapters.slack.translate import BotIdentity
from bot.clock import FakeClock
from bot.events import Event
from bot.health import HealthBoard
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET, SlackWorld

IDENTITY = BotIdentity("T0TEST", "UBOT", "BBOT")


class Inbox:
    """The core's `submit`: every event is durable at once."""

    def __init__(self) -> None:
        self.seen: list[Event] = []

    async def submit(self, event: Event) -> bool:
        self.seen.append(event)
        return True


def slack_part(board: HealthBoard) -> dict[str, object]:
    return board.snapshot()["slack"]


@pytest.mark.asyncio
async def test_a_dropped_websocket_is_unhealthy_until_the_sdk_reconnects(
    web_api: SlackWebApi, socket_server: SocketModeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.health")
    background = Background()
    bolt = build_bolt_app(
        client=patient_client(None, web_api.url),
        bot_token=web_api.token,
        signing_secret=SECRET,
        identity=IDENTITY,
        listeners=Listeners(
            submitter=Inbox(),
            identity=IDENTITY,
            response_urls=ResponseUrls(),
            background=background,
        ),
    )
    board = HealthBoard()
    socket = SlackSocketMode(
        bolt,
        web_api.app_token,
        patient_client(web_api.token, web_api.url),
        health=board,
        ping_interval=0.2,
        watch_every=0.02,
    )
    await socket.start()
    try:
        await socket_server.wait_connected()
        assert slack_part(board)["ok"] is True and slack_part(board)["detail"] == "connected"
        url, web_api.socket_mode_url = web_api.socket_mode_url, None  # no new URL for now
        for ws in list(socket_server.connections):
            await ws.close()
        await eventually(lambda: not board.ok, within=5.0, every=0.01, what="slack unhealthy")
        assert slack_part(board)["detail"] in {"disconnected", "reconnecting"}
        await asyncio.sleep(0.5)  # a few of the SDK's failed attempts: still one warning
        assert not board.ok

        web_api.socket_mode_url = url
        await eventually(lambda: board.ok, within=5.0, every=0.01, what="slack healthy again")
        assert slack_part(board)["detail"] == "connected"
        await socket_server.wait_connected(ever=2)
        event = sign.event_envelope(
            sign.message_event(
                user="UALICE", channel="D0ALICE", text="hi", ts="1.000001", channel_type="im"
            ),
            event_id="Ev0AFTER",
        )
        await socket_server.wait_ack(await socket_server.send("events_api", event))
    finally:
        board.stopping()  # as `Alsbot.stop` does before the platforms stop
        await socket.stop()
        await background.aclose()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.health"]
    assert len(lines) == 2, lines
    assert lines[0][0] == "WARNING" and lines[0][1].startswith("health: slack is unhealthy: ")
    assert lines[1] == ("INFO", "health: slack is healthy again: connected")
    assert slack_part(board)["ok"] is False and slack_part(board)["detail"] == "stopped"


@pytest.mark.asyncio
async def test_socket_mode_through_start_slack_reports_its_connection(
    web_api: SlackWebApi, socket_server: SocketModeServer, sqlite_url: str, clock: FakeClock
) -> None:
    world = await SlackWorld.open(web_api, sqlite_url, clock, mode="socket", socket=socket_server)
    try:
        assert world.bot.health.snapshot()["slack"]["detail"] == "connected"
        assert world.bot.health.ok
    finally:
        await world.close()


@pytest.mark.asyncio
async def test_http_mode_reports_its_port_and_answers_the_shared_body(
    http_world: SlackWorld, tmp_path: Path
) -> None:
    health_url = http_world.service.url.replace("/slack/events", "/healthz")
    async with http_world.http.get(health_url) as response:
        assert response.status == 200
        body = json.loads(await response.text())
    assert set(body) == {"ok", "process", "parts", "ticker", "inbox_backlog"}
    port = health_url.split(":")[2].split("/")[0]
    assert body["parts"]["slack"]["detail"] == f"listening on port {port}"
    assert "127.0.0.1" not in json.dumps(body) and str(tmp_path) not in json.dumps(body)
    assert body["inbox_backlog"] == 0

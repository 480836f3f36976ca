"""The signing helpers sign as Slack does; the Socket Mode stand-in talks to the real SDK."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET


def test_signature_verifies_with_slacks_own_verifier() -> None:
    body = json.dumps(sign.event_envelope({"type": "app_home_opened", "user": "U1"}))
    headers = sign.signed_headers(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not verifier.is_valid(
        body + " ", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    stale = sign.signed_headers(SECRET, body, timestamp=int(time.time()) - 301)
    assert not verifier.is_valid(
        body, stale["X-Slack-Request-Timestamp"], stale["X-Slack-Signature"]
    )


def test_known_signature_vector() -> None:
    # Slack's documented example: secret, timestamp and body give this exact signature.
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        "commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        sign.signature("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_command_and_payload_bodies_round_trip() -> None:
    fields = sign.slash_command_fields(text="start <@U2|bo>", user_id="U1", channel_id="C1")
    parsed = parse_qs(sign.form_body(fields))
    assert parsed["text"] == ["start <@U2|bo>"] and parsed["command"] == ["/als"]
    payload = sign.block_actions_payload(
        user_id="U1", channel_id="C1", action_id="round:next", value="7", message_ts="1.000001"
    )
    decoded = json.loads(parse_qs(sign.payload_body(payload))["payload"][0])
    assert decoded["actions"][0]["action_id"] == "round:next"


@pytest.mark.asyncio
async def test_socket_mode_client_gets_hello_envelopes_and_acks(
    web_api: SlackWebApi, socket_server: SocketModeServer
) -> None:
    web = AsyncWebClient(token=web_api.token, base_url=web_api.url)
    sm = SocketModeClient(app_token=web_api.app_token, web_client=web, ping_interval=30)
    received: list[SocketModeRequest] = []

    async def listener(client: SocketModeClient, req: SocketModeRequest) -> None:
        received.append(req)
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "ok"})
        )

    sm.socket_mode_request_listeners.append(listener)
    try:
        await sm.connect()
        await socket_server.wait_connected()
        assert web_api.calls_to("apps.connections.open")[0].token == web_api.app_token
        event = sign.event_envelope({"type": "reaction_added", "user": "U1"})
        first = await socket_server.send("events_api", event)
        command = sign.slash_command_fields(text="help", user_id="U1", channel_id="C1")
        second = await socket_server.send("slash_commands", command)
        ack1 = await socket_server.wait_ack(first)
        ack2 = await socket_server.wait_ack(second)
        assert ack1.payload == {"text": "ok"} and ack2.envelope_id == second
        assert socket_server.unacked() == []
        assert 0 <= socket_server.ack_delay(first) < 2.0
        assert [r.type for r in received] == ["events_api", "slash_commands"]
        assert received[0].payload["event"]["type"] == "reaction_added"
        # Slack asks clients to reconnect now and then; the SDK opens a new connection.
        await socket_server.disconnect()
        await socket_server.wait_connected(ever=2)
        assert len(web_api.calls_to("apps.connections.open")) == 2
    finally:
        await sm.close()

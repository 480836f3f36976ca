"""`POST /api/messages` through real loopback HTTP: the SDK validates every JWT against the
stand-in's published keys before the listener sees the activity, as Teams sent it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from adapters.teams.http_ingress import (
    KEYS_FRESH_SECONDS,
    KEYS_RETRY_SECONDS,
    MAX_BODY,
    MESSAGING_PATH,
    TeamsIngress,
    build_app,
)
from testkit.teams.connector import BotConnector, post_raw
from testkit.teams.tokens import SigningKey

pytestmark = pytest.mark.asyncio

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:c0ffee0123456789abcdef0123456789@thread.tacv2"


def channel_message(bf: BotConnector) -> dict[str, Any]:
    """A message in a team channel mentioning the bot, as Teams posts it."""
    return {
        "text": "<at>alsbot</at> start <at>Bob Builder</at>",
        "textFormat": "plain",
        "type": "message",
        "timestamp": "2026-01-05T10:00:00.1234567Z",
        "localTimestamp": "2026-01-05T10:00:00.1234567+00:00",
        "id": "1767607200123",
        "channelId": "msteams",
        "serviceUrl": bf.service_url,
        "from": {
            "id": "29:1Xa2b3c4d5e6f7g8h9i0j",
            "name": "Alice Adams",
            "aadObjectId": "0f5e4d3c-2b1a-4a9b-8c7d-6e5f4a3b2c1d",
        },
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{CHANNEL};messageid=1767607200123",
        },
        "recipient": {"id": bf.bot_id, "name": "alsbot"},
        "entities": [
            {
                "mentioned": {"id": bf.bot_id, "name": "alsbot"},
                "text": "<at>alsbot</at>",
                "type": "mention",
            },
            {"locale": "en-US", "country": "US", "platform": "Web", "type": "clientInfo"},
        ],
        "channelData": {
            "teamsChannelId": CHANNEL,
            "teamsTeamId": "19:team0123456789abcdef@thread.tacv2",
            "channel": {"id": CHANNEL},
            "team": {"id": "19:team0123456789abcdef@thread.tacv2"},
            "tenant": {"id": TENANT},
        },
        "locale": "en-US",
        "localTimezone": "Europe/London",
        "someFieldTheSdkDoesNotModel": {"kept": [1, None, "x"]},
    }


@dataclass
class Listener:
    answer: tuple[int, Any] = (200, None)
    raises: Exception | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, activity: dict[str, Any]) -> tuple[int, Any]:
        self.seen.append(activity)
        if self.raises is not None:
            raise self.raises
        return self.answer


@dataclass
class Running:
    bf: BotConnector
    listener: Listener
    url: str
    ingress: TeamsIngress


@pytest_asyncio.fixture
async def running() -> AsyncIterator[Running]:
    async with BotConnector() as bf:
        listener = Listener()
        ingress = TeamsIngress.from_config(listener, bf.teams_config(), bf.secrets())
        runner = web.AppRunner(ingress.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield Running(bf, listener, f"http://127.0.0.1:{port}{MESSAGING_PATH}", ingress)
        finally:
            await runner.cleanup()


async def test_a_signed_activity_reaches_the_listener_as_teams_sent_it(running: Running) -> None:
    activity = channel_message(running.bf)
    status, body = await running.bf.send(running.url, activity)
    assert (status, body) == (200, None)
    assert running.listener.seen == [activity]
    # The keys came from where the cloud's openid_metadata_url points.
    assert "/v1/.well-known/keys" in running.bf.metadata_requests


async def test_the_listeners_status_and_body_are_the_answer(running: Running) -> None:
    invoke = {
        "type": "invoke",
        "name": "composeExtension/submitAction",
        "id": "f:123",
        "serviceUrl": running.bf.service_url,
        "value": {"commandId": "saveAsDo", "commandContext": "message"},
    }
    answer = {"task": {"type": "message", "value": "Saved as a do."}}
    running.listener.answer = (200, answer)
    assert await running.bf.send(running.url, invoke) == (200, answer)
    running.listener.answer = (202, None)
    assert await running.bf.send(running.url, invoke) == (202, None)


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param({"signed": False}, id="no Authorization header"),
        pytest.param({"signed": "other key, same kid"}, id="signed by an unpublished key"),
        pytest.param({"signed": "other key"}, id="signed by an unknown kid"),
        pytest.param({"audience": "another-bot-id"}, id="another bot's audience"),
        pytest.param({"issuer": "https://api.botframework.example"}, id="another issuer"),
        pytest.param({"expires_in": -1000.0}, id="expired beyond the SDK's 5-minute leeway"),
        pytest.param(
            {"service_url": "https://evil.example/teams/"}, id="serviceurl not the body's"
        ),
        pytest.param({"service_url": None}, id="no serviceurl claim"),
        pytest.param({"token": "not.a.jwt"}, id="not a JWT"),
    ],
)
async def test_anything_not_signed_for_this_bot_is_401_and_never_reaches_the_listener(
    running: Running, forged: dict[str, Any]
) -> None:
    args = dict(forged)
    if args.get("signed") == "other key, same kid":
        args["signed"] = SigningKey.generate(kid=running.bf.key.kid)
    elif args.get("signed") == "other key":
        args["signed"] = SigningKey.generate()
    status, body = await running.bf.send(running.url, channel_message(running.bf), **args)
    assert status == 401
    assert body == {"error": "Unauthorized"}
    assert running.listener.seen == []
    # The same activity properly signed goes through: the refusal was the token's.
    assert (await running.bf.send(running.url, channel_message(running.bf)))[0] == 200


async def test_a_listener_that_raises_is_500_so_teams_retries(running: Running) -> None:
    running.listener.raises = RuntimeError("database is gone")
    status, body = await running.bf.send(running.url, channel_message(running.bf))
    assert status == 500
    assert "database" not in json.dumps(body)
    assert len(running.listener.seen) == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        pytest.param(b"{not json", 400, id="not JSON"),
        pytest.param(b"\xff\xfe{}", 400, id="not UTF-8"),
        pytest.param(b"[1, 2]", 400, id="not an object"),
        pytest.param(b"null", 400, id="null"),
        pytest.param(b'{"text": "' + b"x" * MAX_BODY + b'"}', 413, id="too large"),
        # The SDK's own model reads these as strings; anything else was its 500 (retried).
        pytest.param(b'{"type": "message", "id": 1767225600000}', 400, id="a number id"),
        pytest.param(b'{"type": ["message"], "id": "1"}', 400, id="a list type"),
        pytest.param(b'{"type": "message", "serviceUrl": {}}', 400, id="an object serviceUrl"),
    ],
)
async def test_a_body_the_sdk_must_not_see_is_refused_before_it(
    running: Running, raw: bytes, status: int
) -> None:
    token = running.bf.sign({"serviceUrl": running.bf.service_url})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    got, _ = await post_raw(running.url, raw, headers)
    assert got == status
    assert running.listener.seen == []


async def test_without_a_client_id_nothing_is_served() -> None:
    bf = BotConnector()
    with pytest.raises(ValueError, match="TEAMS_CLIENT_ID"):
        build_app(Listener(), bf.teams_config(), bf.secrets(teams_client_id=""))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_sdks_keys_are_fetched_off_the_event_loop_and_kept_fresh() -> None:
    """Keys served from the test's own event loop: the SDK's synchronous fetch on the loop
    could never be answered (a 30-second stall, then 401); fetched from a worker thread
    they are."""
    async with BotConnector() as bf:
        fetches: list[str] = []

        async def keys(request: web.Request) -> web.Response:
            fetches.append(request.path)
            return web.json_response({"keys": [k.jwk() for k in bf.published]})

        on_loop = web.Application()
        on_loop.router.add_get("/v1/.well-known/keys", keys)
        keys_runner = web.AppRunner(on_loop, access_log=None)
        await keys_runner.setup()
        keys_site = web.TCPSite(keys_runner, "127.0.0.1", 0)
        await keys_site.start()
        keys_port = keys_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        config = bf.teams_config(
            openid_metadata_url=f"http://127.0.0.1:{keys_port}/v1/.well-known/openidconfiguration"
        )
        listener = Listener()
        ingress = TeamsIngress.from_config(listener, config, bf.secrets())
        clock = Clock()
        ingress.keys.clock = clock
        runner = web.AppRunner(ingress.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{MESSAGING_PATH}"  # type: ignore[union-attr]
        try:
            async with asyncio.timeout(10):
                assert (await bf.send(url, channel_message(bf)))[0] == 200
                assert (await bf.send(url, channel_message(bf)))[0] == 200
                assert fetches == ["/v1/.well-known/keys"]
                clock.now += KEYS_FRESH_SECONDS  # before PyJWT's own cache (300 s) is stale
                assert (await bf.send(url, channel_message(bf)))[0] == 200
                assert len(fetches) == 2
                # A key the Bot Framework has just published is found by a refresh too.
                rotated = SigningKey.generate()
                bf.published.append(rotated)
                clock.now += KEYS_FRESH_SECONDS
                status, _ = await bf.send(url, channel_message(bf), signed=rotated)
                assert status == 200
            assert len(listener.seen) == 4
        finally:
            await runner.cleanup()
            await keys_runner.cleanup()


async def test_an_entra_issued_token_is_refused_before_the_sdk_fetches_its_tenants_keys(
    running: Running,
) -> None:
    """The SDK would fetch `<login_endpoint>/<tid>/discovery/v2.0/keys` synchronously on
    the event loop — here from the stand-in on this same loop: a 30-second stall."""
    bf = running.bf
    for issuer in (
        f"{bf.login_endpoint}/{TENANT}/v2.0",
        f"https://sts.windows.net/{TENANT}/",
    ):
        token = bf.key.sign(
            {
                "iss": issuer,
                "aud": bf.client_id,
                "tid": TENANT,
                "azp": "5a807f24-c9de-44ee-a3a7-329e88a00ffc",
                "exp": int(time.time()) + 600,
                "iat": int(time.time()),
            }
        )
        async with asyncio.timeout(10):
            status, body = await bf.send(running.url, channel_message(bf), token=token)
        assert (status, body) == (401, {"error": "Unauthorized"})
    assert running.listener.seen == []


async def test_unknown_key_ids_reread_the_keys_at_most_once_a_minute(running: Running) -> None:
    bf = running.bf
    clock = Clock()
    running.ingress.keys.clock = clock
    assert (await bf.send(running.url, channel_message(bf)))[0] == 200
    before = bf.metadata_requests.count("/v1/.well-known/keys")
    for _ in range(5):
        status, _ = await bf.send(running.url, channel_message(bf), signed=SigningKey.generate())
        assert status == 401
    assert bf.metadata_requests.count("/v1/.well-known/keys") <= before + 1
    clock.now += KEYS_RETRY_SECONDS
    rotated = SigningKey.generate()
    bf.published.append(rotated)
    assert (await bf.send(running.url, channel_message(bf), signed=rotated))[0] == 200
    assert len(running.listener.seen) == 2

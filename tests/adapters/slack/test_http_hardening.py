"""The Slack HTTP endpoint under hostile traffic: garbage, unsigned, malformed, slow.

A request is checked for a valid signature and a fresh timestamp before anything parses
it, so nothing an unsigned sender writes reaches Bolt; refusals are counted, not logged
one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from adapters.slack.http_guard import HttpLimits
from adapters.slack.server import SlackHttpServer
from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET, SlackWorld
from testkit.worlds.live import ALSBOT, answers_ok, child_env, free_port, write_config

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def garbage() -> list[tuple[str, dict[str, str]]]:
    """Every shape the probe sent: non-object bodies, bad or missing signature headers."""
    bodies = [('"hello"', JSON), ("[]", JSON), ("1", JSON), ("null", JSON), ("payload=x", FORM)]
    bodies += [("{}", JSON), ("", JSON), ("payload=%5B%5D", FORM), ("not json", JSON)]
    shapes: list[tuple[str, dict[str, str]]] = []
    for body, kind in bodies:
        shapes.append((body, dict(kind)))  # no signature at all
        shapes.append((body, {**kind, "X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}))
        shapes.append(
            (body, {**kind, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"})
        )
        signed = sign.signed_headers("not-the-secret", body, content_type=kind["Content-Type"])
        shapes.append((body, signed))
        stale = sign.signed_headers(SECRET, body, timestamp=1, content_type=kind["Content-Type"])
        shapes.append((body, stale))
    return shapes


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "".join(formatter.format(record) + "\n" for record in caplog.records)


@pytest.mark.asyncio
async def test_200_unsigned_garbage_requests_are_refused_quietly(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shapes = garbage()
    statuses: list[int] = []
    for i in range(200):
        body, headers = shapes[i % len(shapes)]
        statuses.append((await http_world.send_http(body, headers)).status)
    assert sorted(set(statuses)) in ([400, 401], [401], [400])
    assert all(400 <= s < 500 for s in statuses), statuses
    text = log_text(caplog)
    assert len(text.splitlines()) < 10, text[:3000]
    assert "Traceback" not in text
    assert await http_world.inbox_count() == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ('"hello"', "application/json"),
        ("[]", "application/json"),
        ("1", "application/json"),
        ("null", "application/json"),
        ("not json", "application/json"),
        ("payload=x", "application/x-www-form-urlencoded"),
        ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
        ("payload=%22x%22", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_signed_non_object_body_is_a_client_error(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture, body: str, kind: str
) -> None:
    caplog.set_level(logging.WARNING)
    answer = await http_world.send_http(body, sign.signed_headers(SECRET, body, content_type=kind))
    assert answer.status == 400, answer
    assert "Traceback" not in log_text(caplog)
    assert len(caplog.records) <= 1


@pytest.mark.asyncio
async def test_a_signed_event_still_goes_through(http_world: SlackWorld) -> None:
    answer = await http_world.command("UALICE", "help")
    assert answer.status == 200
    challenge = json.dumps(sign.url_verification("abc"))
    answer = await http_world.send_http(challenge, sign.signed_headers(SECRET, challenge))
    assert answer.status == 200 and "abc" in answer.body


# ---------------------------------------------------------------------- slow and idle clients

IDLE = 1.5  # [slack] idle_timeout and body_timeout for the flood test, seconds
REQUEST_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: alsbot\r\n"


def _low_descriptor_limit() -> None:
    """The child starts as on many hosts: 1,024 descriptors allowed until it raises it."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


async def _closed_by_server(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError):
        while await reader.read(4096):
            pass


async def _trickle(writer: asyncio.StreamWriter, first: bytes, then: bytes) -> None:
    """A slow client: `first`, then one byte of `then` every 0.2 s until the server hangs up."""
    with contextlib.suppress(ConnectionError):
        writer.write(first)
        for byte in then:
            await asyncio.sleep(0.2)
            writer.write(bytes([byte]))
            await writer.drain()


@pytest.mark.reliability
@pytest.mark.asyncio
async def test_a_flood_of_idle_and_slow_sockets_neither_delays_slack_nor_fills_the_log(
    tmp_path: Path, web_api: SlackWebApi
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 8192:
        pytest.skip("needs a hard open-file limit of 8,192 to play 2,000 clients")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port = free_port()
    config = write_config(
        tmp_path / "alsbot.toml",
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}"},
            "slack": {
                "enabled": True,
                "api_base_url": web_api.url,
                "port": port,
                "idle_timeout": IDLE,
                "body_timeout": IDLE,
                "max_connections": 1000,
            },
        },
    )
    env = child_env(
        {
            "SLACK_BOT_TOKEN": web_api.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "ALSBOT_SLACK_MODE": "http",
        }
    )
    log_path = tmp_path / "alsbot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            str(ALSBOT),
            "run",
            "--config",
            str(config),
            env=env,
            cwd=str(tmp_path),
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
            preexec_fn=_low_descriptor_limit,
        )
    writers: list[asyncio.StreamWriter] = []
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:

            async def healthy() -> bool:
                assert process.returncode is None, log_path.read_text()
                return await answers_ok(session, f"{base}/healthz")

            await eventually(healthy, within=30.0, every=0.05, what="alsbot listening")

            async def connect() -> asyncio.StreamReader:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writers.append(writer)
                return reader

            idle = [
                r for _ in range(10) for r in await asyncio.gather(*(connect() for _ in range(200)))
            ]
            slow_head = await asyncio.gather(*(connect() for _ in range(20)))
            slow_body = await asyncio.gather(*(connect() for _ in range(20)))
            body_head = (
                REQUEST_HEAD + b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"
            )
            trickles = [
                asyncio.create_task(_trickle(w, REQUEST_HEAD[:20], REQUEST_HEAD[20:] * 20))
                for w in writers[2000:2020]
            ] + [asyncio.create_task(_trickle(w, body_head, b" " * 100)) for w in writers[2020:]]

            event = json.dumps(
                sign.event_envelope(
                    sign.message_event(
                        user="UALICE",
                        channel="D0ALICE",
                        text="hi",
                        ts="1767225601.000001",
                        channel_type="im",
                    )
                )
            )
            started = time.monotonic()
            async with session.post(
                f"{base}/slack/events", data=event, headers=sign.signed_headers(SECRET, event)
            ) as response:
                acked = response.status
            ack_seconds = time.monotonic() - started
            async with session.get(f"{base}/healthz") as response:
                health = response.status
            assert acked == 200 and ack_seconds < 1.0, (acked, ack_seconds)
            assert health == 200

            # Every flooding socket is hung up on by the server within its timeout (a
            # refused slow body may linger one more second).
            await asyncio.wait_for(
                asyncio.gather(*(_closed_by_server(r) for r in [*idle, *slow_head, *slow_body])),
                timeout=IDLE + 1.0 + 1.5,
            )
            for task in trickles:
                task.cancel()
            await asyncio.gather(*trickles, return_exceptions=True)
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200
    finally:
        for writer in writers:
            writer.close()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert len(log.splitlines()) < 100, log[:5000]
    assert "Traceback" not in log, log[:5000]


@pytest.mark.asyncio
async def test_malformed_http_is_refused_without_a_traceback_each(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp itself logs a traceback for each malformed request; through the throttle,
    100 of them make one line."""
    caplog.set_level(logging.DEBUG)
    port = http_world.service.http.port if http_world.service.http else 0
    long_header = b"X-Long: " + b"a" * 10_000 + b"\r\n"
    shapes = [REQUEST_HEAD + b"No colon here\r\n\r\n", REQUEST_HEAD + long_header + b"\r\n"]
    answers = []
    for i in range(100):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(shapes[i % 2])
        answers.append((await reader.read(12))[9:12])
        writer.close()
    assert set(answers) == {b"400"}
    text = log_text(caplog)
    assert len(text.splitlines()) < 5 and "Traceback" not in text, text[:3000]


def bare_bolt() -> AsyncApp:
    async def authorize(**_: Any) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=None, team_id="T0TEST", bot_user_id="UBOT")

    return AsyncApp(signing_secret=SECRET, authorize=authorize, process_before_response=True)


@contextlib.asynccontextmanager
async def capped_server(cap: int) -> AsyncIterator[SlackHttpServer]:
    server = SlackHttpServer(
        bare_bolt(),
        signing_secret=SECRET,
        limits=HttpLimits(idle_seconds=10.0, body_seconds=10.0, max_connections=cap),
    )
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


async def opened(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    connection = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)  # let the server accept it before the next one
    return connection


async def hung_up(reader: asyncio.StreamReader, within: float = 1.0) -> bool:
    try:
        async with asyncio.timeout(within):
            return await reader.read(1) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


@pytest.mark.asyncio
async def test_at_the_cap_the_oldest_idle_connection_makes_room() -> None:
    async with capped_server(3) as server:
        idle = [await opened(server.port) for _ in range(3)]
        reader, writer = await opened(server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: alsbot\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        assert await hung_up(idle[0][0]), "the oldest idle connection was closed"
        assert not await hung_up(idle[1][0], within=0.2), "only as many as needed"
        for _, w in [*idle, (reader, writer)]:
            w.close()


@pytest.mark.asyncio
async def test_at_the_cap_a_busy_connection_is_kept_and_the_newcomer_refused() -> None:
    async with capped_server(2) as server:
        head = REQUEST_HEAD + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        busy = [await opened(server.port) for _ in range(2)]
        for _, writer in busy:
            writer.write(head)
        await asyncio.sleep(0.1)
        reader, writer = await opened(server.port)
        assert await hung_up(reader), "the newcomer was closed at once"
        assert not await hung_up(busy[0][0], within=0.2), "requests in progress are kept"
        for _, w in [*busy, (reader, writer)]:
            w.close()

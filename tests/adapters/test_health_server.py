"""`[health] port`: `/healthz` on a server of its own, over a real socket, in every mode.

The server runs over the real core on a SQLite file (the database going bad is its file
being deleted), a core that hangs in its database (a stand-in, and PostgreSQL's own table
lock when it is available), `alsbot run` as a child process with Discord only, and the
runtime in Slack HTTP mode, where the Slack server answers `/healthz` too.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from adapters.health_server import (
    HealthReader,
    HealthServer,
    HealthServerError,
    start_health_server,
)
from adapters.runtime import serve
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.health import HealthBoard
from testkit import postgres
from testkit.config import make_config
from testkit.discord.gateway import DiscordStandIn
from testkit.eventually import eventually
from testkit.files import delete_database
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import slack_config
from testkit.worlds.live import BotProcess, child_env, free_port, write_config


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, url: str, method: str = "GET") -> tuple[int, Any]:
    async with http.request(method, url) as response:
        text = await response.text()
        return response.status, json.loads(text) if text else None


@pytest.mark.asyncio
async def test_healthz_is_200_then_503_when_the_database_goes_bad_and_404_elsewhere(
    tmp_path: Path, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    db = tmp_path / "alsbot.db"
    config = make_config(f"sqlite+aiosqlite:///{db}", ALSBOT_SCHEDULER_PROCESS_NAME="web-1")
    bot = await Alsbot.open(config, clock=clock)
    server = await start_health_server(bot, "127.0.0.1", free_port())
    assert server is not None
    base = f"http://127.0.0.1:{server.port}"
    try:
        status, body = await get(http, f"{base}/healthz")
        assert status == 200, body
        assert body["ok"] is True and body["process"] == "web-1"
        assert body["inbox_backlog"] == 0 and body["ticker"] is None
        assert set(body["parts"]) == {"database", "inbox"}
        assert set(body["parts"]["database"]) == {"ok", "detail", "since"}
        assert (await http.head(f"{base}/healthz")).status == 200
        for path in ("/", "/health", "/healthz/x", "/slack/events", "/../etc/passwd"):
            assert (await get(http, f"{base}{path}"))[0] == 404, path
        assert (await get(http, f"{base}/healthz", "POST"))[0] == 404

        delete_database(db)
        bot.check_store()  # the runtime's watcher does this every 2 s
        status, body = await get(http, f"{base}/healthz")
        assert status == 503
        assert body["ok"] is False and body["parts"]["database"]["ok"] is False
        assert str(tmp_path) not in json.dumps(body), "no paths in /healthz"
    finally:
        await server.stop()
        await bot.close()


@pytest.mark.asyncio
async def test_the_server_not_started_when_the_port_is_0(tmp_path: Path, clock: FakeClock) -> None:
    bot = await Alsbot.open(make_config(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"), clock=clock)
    try:
        assert await start_health_server(bot, "127.0.0.1", 0) is None
    finally:
        await bot.close()


@pytest.mark.asyncio
async def test_a_port_in_use_is_one_clear_error(tmp_path: Path, clock: FakeClock) -> None:
    bot = await Alsbot.open(make_config(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"), clock=clock)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            with pytest.raises(HealthServerError, match=rf"\[health\] 127.0.0.1:{port}"):
                await start_health_server(bot, "127.0.0.1", port)
        finally:
            await bot.close()


class HangingCore:
    """The two things `/healthz` reads of the core; its database hangs until released."""

    def __init__(self) -> None:
        self.health = HealthBoard()
        self.health.report("database", True, "ok")
        self.release = asyncio.Event()
        self.queries = 0

    async def pending_events(self) -> int:
        self.queries += 1
        await self.release.wait()
        return 7


@pytest.mark.asyncio
async def test_a_hanging_database_is_a_quick_503_and_one_query_not_one_per_poll(
    http: aiohttp.ClientSession,
) -> None:
    core = HangingCore()
    server = HealthServer(HealthReader(core, timeout=0.2, reuse_for=0.0))
    port = await server.start("127.0.0.1", 0)
    url = f"http://127.0.0.1:{port}/healthz"
    loop = asyncio.get_running_loop()
    try:
        for _ in range(3):
            started = loop.time()
            status, body = await get(http, url)
            assert loop.time() - started < 1.0
            assert status == 503 and body["inbox_backlog"] is None
            assert body["parts"]["inbox"] == {
                "ok": False,
                "detail": "the database did not answer within 0.2 s",
                "since": body["parts"]["inbox"]["since"],
            }
        assert core.queries == 1, "polls wait on the query already running"
        core.release.set()
        status, body = await get(http, url)
        assert status == 200 and body["inbox_backlog"] == 7
        assert body["parts"]["inbox"]["ok"] is True
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_a_count_is_reused_for_a_second_then_asked_again() -> None:
    """Several monitors polling at once cost one backlog query a second, not one each."""
    core = HangingCore()
    core.release.set()
    now = [100.0]
    reader = HealthReader(core, monotonic=lambda: now[0])
    assert (await reader.body())["inbox_backlog"] == 7
    now[0] += 0.9
    assert (await reader.body())["inbox_backlog"] == 7
    assert core.queries == 1, "within the second: the count already made"
    now[0] += 0.1
    await reader.body()
    assert core.queries == 2, "a second later: counted again"


@pytest.mark.asyncio
async def test_a_locked_postgresql_table_times_out_rather_than_hang(
    postgres_url: str, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    bot = await Alsbot.open(make_config(postgres_url), clock=clock)
    server = HealthServer(HealthReader(bot, timeout=0.3, reuse_for=0.0))
    port = await server.start("127.0.0.1", 0)
    locker = await postgres.connect(postgres_url)
    try:
        assert (await get(http, f"http://127.0.0.1:{port}/healthz"))[0] == 200
        locked = locker.transaction()
        await locked.start()
        await locker.execute("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE")
        status, body = await asyncio.wait_for(get(http, f"http://127.0.0.1:{port}/healthz"), 3)
        assert status == 503 and body["parts"]["inbox"]["ok"] is False
        await locked.rollback()

        async def recovered() -> bool:
            return (await get(http, f"http://127.0.0.1:{port}/healthz"))[0] == 200

        await eventually(recovered, within=5.0, every=0.05, what="/healthz 200 again")
    finally:
        await locker.close()
        await server.stop()
        await bot.close()


@pytest.mark.asyncio
async def test_alsbot_run_with_discord_only_answers_healthz_on_its_health_port(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with DiscordStandIn() as standin:
        port = free_port()
        config = write_config(
            tmp_path / "alsbot.toml",
            {
                "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}"},
                "scheduler": {"tick_seconds": 0.5},
                "discord": {
                    "enabled": True,
                    "api_base_url": standin.api_base_url,
                    "gateway_url": standin.gateway_url,
                },
                "health": {"port": port},
            },
        )
        logs = tmp_path / "logs"
        logs.mkdir()
        bot = BotProcess(config, child_env({"DISCORD_BOT_TOKEN": standin.world.token}), logs, port)
        await bot.start()
        try:
            await bot.wait_healthy()

            async def both_parts() -> bool:
                status, body = await get(http, f"http://127.0.0.1:{port}/healthz")
                return status == 200 and {"discord", "ticker"} <= set(body["parts"])

            await eventually(both_parts, within=10.0, every=0.05, what="discord and ticker")
            status, body = await get(http, f"http://127.0.0.1:{port}/healthz")
            assert status == 200, body
            assert body["parts"]["discord"]["ok"] is True
            assert body["parts"]["ticker"]["ok"] is True
            assert body["ticker"]["seconds_since"] < 60
            assert isinstance(body["inbox_backlog"], int)
            assert standin.world.token not in json.dumps(body)
            assert (await get(http, f"http://127.0.0.1:{port}/slack/events", "POST"))[0] == 404
            assert await bot.stop() == 0
        finally:
            await bot.stop()
    log = bot.logs()
    assert "health endpoint listening" in log, log
    assert "Traceback" not in log, log
    assert "health: " not in log, "no part went bad, not even while stopping"


@pytest.mark.asyncio
async def test_in_slack_http_mode_both_servers_answer_the_same_body(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts: list[int] = []
    count_pending = Alsbot.pending_events

    async def counted(self: Alsbot) -> int:
        counts.append(1)
        return await count_pending(self)

    monkeypatch.setattr(Alsbot, "pending_events", counted)
    async with SlackWebApi() as api:
        slack_port, health_port = free_port(), free_port()
        config = slack_config(
            api,
            f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}",
            "http",
            ALSBOT_SLACK_PORT=str(slack_port),
            ALSBOT_HEALTH_PORT=str(health_port),
        )
        stop = asyncio.Event()
        running = asyncio.create_task(serve(config, stop_event=stop))
        urls = [f"http://127.0.0.1:{p}/healthz" for p in (slack_port, health_port)]
        try:

            async def both_with_ticker() -> bool:
                try:
                    answers = [await get(http, url) for url in urls]
                except aiohttp.ClientError:  # not listening yet
                    return False
                return all(s == 200 and "ticker" in b["parts"] for s, b in answers)

            await eventually(both_with_ticker, within=10.0, every=0.05, what="both 200")
            await asyncio.sleep(1.1)  # past the count's reuse: the next poll counts afresh
            before = len(counts)
            (s1, slack_body), (s2, own_body) = [await get(http, url) for url in urls]
            assert s1 == s2 == 200
            assert len(counts) - before == 1, "one reader: both endpoints share its count"
            assert set(slack_body) == set(own_body)
            assert slack_body["parts"].keys() == own_body["parts"].keys() >= {"slack", "ticker"}
            assert own_body["parts"]["slack"]["detail"] == f"listening on port {slack_port}"
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)

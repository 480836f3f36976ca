"""`alsbot run` and its SQLite file, as an operator meets them: the file deleted under the
running bot, a read-only file at start, a second `alsbot run` on the same file.

Each runs the real CLI in its own process, Slack in HTTP mode against the Web API
stand-in; this process plays Slack (signed requests) and the operator (files, signals).
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot.store.db import open_store
from testkit.eventually import eventually
from testkit.files import delete_database, immutable
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import BotProcess, child_env, free_port, write_config


@pytest_asyncio.fixture
async def web_api() -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as api:
        yield api


def bot_process(tmp_path: Path, api: SlackWebApi, db: Path, name: str) -> BotProcess:
    port = free_port()
    config = write_config(
        tmp_path / f"{name}.toml",
        {
            "database": {"url": f"sqlite+aiosqlite:///{db}"},
            "slack": {"enabled": True, "mode": "http", "api_base_url": api.url, "port": port},
        },
    )
    logs = tmp_path / name
    logs.mkdir()
    env = child_env({"SLACK_BOT_TOKEN": api.token, "SLACK_SIGNING_SECRET": SECRET})
    return BotProcess(config, env, logs, port)


def dm(n: int) -> str:
    event = sign.message_event(
        user="UALICE",
        channel="D0ALICE",
        text=f"hi {n}",
        ts=f"1767225601.{n:06d}",
        channel_type="im",
    )
    return json.dumps(sign.event_envelope(event, event_id=f"Ev{n:08d}"))


async def post(session: aiohttp.ClientSession, bot: BotProcess, body: str) -> int:
    async with session.post(bot.url, data=body, headers=sign.signed_headers(SECRET, body)) as r:
        return r.status


async def health(session: aiohttp.ClientSession, bot: BotProcess) -> tuple[int, dict]:
    async with session.get(f"http://127.0.0.1:{bot.port}/healthz") as r:
        return r.status, await r.json()


async def finished(bot: BotProcess, within: float = 30.0) -> int:
    assert bot.process is not None
    return await asyncio.wait_for(bot.process.wait(), within)


@pytest.mark.asyncio
async def test_a_deleted_database_is_noticed_and_nothing_more_is_acknowledged(
    tmp_path: Path, web_api: SlackWebApi
) -> None:
    db = tmp_path / "alsbot.db"
    bot = bot_process(tmp_path, web_api, db, "run")
    await bot.start()
    try:
        await bot.wait_healthy()
        async with aiohttp.ClientSession() as session:
            assert await post(session, bot, dm(1)) == 200
            status, body = await health(session, bot)
            assert status == 200 and body["parts"]["database"]["ok"] is True
            delete_database(db)
            # At once, not at the next periodic look: acknowledging now would lose it.
            assert 500 <= await post(session, bot, dm(2)) < 600

            async def unhealthy() -> bool:
                return (await health(session, bot))[0] == 503

            await eventually(unhealthy, within=5.0, every=0.1, what="/healthz failing")
            status, body = await health(session, bot)
            assert body["parts"]["database"]["ok"] is False
            answers = [await post(session, bot, dm(n)) for n in range(3, 23)]
            assert all(500 <= a < 600 for a in answers), answers
        assert await bot.stop() == 0
    finally:
        await bot.stop()
    log = bot.logs()
    about_it = [line for line in log.splitlines() if "alsbot.db was" in line]
    assert len(about_it) == 1, log
    assert "Traceback" not in log, log


@pytest.mark.asyncio
async def test_a_read_only_database_fails_the_start_in_one_line(
    tmp_path: Path, web_api: SlackWebApi
) -> None:
    db = tmp_path / "alsbot.db"
    await (await open_store(f"sqlite+aiosqlite:///{db}")).close()
    bot = bot_process(tmp_path, web_api, db, "run")
    with immutable(db):
        await bot.start()
        code = await finished(bot)
    log = bot.logs()
    assert code == 2, log
    assert "alsbot is running" not in log
    assert "Traceback" not in log, log
    refusals = [line for line in log.splitlines() if line.startswith("✗ ")]
    assert len(refusals) == 1 and "cannot write to the database file" in refusals[0], log


@pytest.mark.reliability  # two processes, ~5 s; the lock itself: test_file_guard.py
@pytest.mark.asyncio
async def test_a_second_alsbot_on_the_same_file_refuses_to_start(
    tmp_path: Path, web_api: SlackWebApi
) -> None:
    db = tmp_path / "alsbot.db"
    first = bot_process(tmp_path, web_api, db, "first")
    second = bot_process(tmp_path, web_api, db, "second")
    await first.start()
    try:
        await first.wait_healthy()
        await second.start()
        code = await finished(second)
        log = second.logs()
        assert code == 2, log
        assert "alsbot is running" not in log and "Traceback" not in log, log
        refusals = [line for line in log.splitlines() if line.startswith("✗ ")]
        assert len(refusals) == 1 and "another alsbot" in refusals[0], log
        assert first.process is not None and "pid" in refusals[0]
        async with aiohttp.ClientSession() as session:
            assert (await health(session, first))[0] == 200
            assert await post(session, first, dm(1)) == 200
        # (That a kill -9 frees the lock: tests/bot/store/test_file_guard.py.)
    finally:
        await first.stop()
        if second.process is not None and second.process.returncode is None:
            second.process.send_signal(signal.SIGKILL)

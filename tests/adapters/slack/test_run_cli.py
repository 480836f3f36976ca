"""`alsbot run --config …` with `[slack]` enabled, as an operator runs it, in both modes.

The CLI runs in its own process (real start-up, real signals); this test process plays
Slack: the Web API stand-in, the Socket Mode stand-in, and signed HTTP requests.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import answers_ok, free_port

ALSBOT = Path(sys.executable).with_name("alsbot")
START_TIMEOUT = 30.0


@pytest_asyncio.fixture
async def run_alsbot(tmp_path: Path, web_api: SlackWebApi) -> AsyncIterator:
    web_api.wait_limit = START_TIMEOUT
    processes: list[asyncio.subprocess.Process] = []

    async def start(mode: str) -> tuple[asyncio.subprocess.Process, int]:
        port = free_port()
        config = tmp_path / f"alsbot-{mode}.toml"
        config.write_text(
            f"""
[database]
url = "sqlite+aiosqlite:///{tmp_path / f"{mode}.db"}"

[slack]
enabled = true
mode = "{mode}"
api_base_url = "{web_api.url}"
host = "127.0.0.1"
port = {port}
""",
            encoding="utf-8",
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ALSBOT_", "SLACK_"))},
            "SLACK_BOT_TOKEN": web_api.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_APP_TOKEN": web_api.app_token,
        }
        process = await asyncio.create_subprocess_exec(
            str(ALSBOT),
            "run",
            "--config",
            str(config),
            env=env,
            cwd=str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        processes.append(process)
        return process, port

    yield start
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def wait_healthy(port: int, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:

        async def healthy() -> bool:
            assert process.returncode is None, await process.stdout.read()
            return await answers_ok(session, f"http://127.0.0.1:{port}/healthz")

        await eventually(healthy, within=START_TIMEOUT, every=0.05, what="alsbot listening")


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, output.decode()
    return output.decode()


def header_button(api: SlackWebApi, label: str) -> tuple[str, dict]:
    for message in reversed(api.messages.get("C0SET", [])):
        for block in message.blocks or []:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element["text"]["text"] == label:
                    return message.ts, element
    raise AssertionError(f"no [{label}] button")


@pytest.mark.asyncio
async def test_run_http_mode(run_alsbot, web_api: SlackWebApi) -> None:
    process, port = await run_alsbot("http")
    await wait_healthy(port, process)
    url = f"http://127.0.0.1:{port}/slack/events"
    async with aiohttp.ClientSession() as session:

        async def send(body: str, headers: dict[str, str]) -> int:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status

        fields = sign.slash_command_fields(
            text="start <@UBOB|bob>", user_id="UALICE", channel_id="C0SET"
        )
        body = sign.form_body(fields)
        assert await send(body, sign.form_headers(SECRET, body)) == 200
        await web_api.wait_for("chat.postMessage", count=2)
        ts, button = header_button(web_api, "Next phase")
        payload = sign.block_actions_payload(
            user_id="UALICE",
            channel_id="C0SET",
            action_id=button["action_id"],
            value=button["value"],
            message_ts=ts,
        )
        body = sign.payload_body(payload)
        assert await send(body, sign.form_headers(SECRET, body)) == 200
        await web_api.wait_for("chat.update")
        assert await send(body, {"Content-Type": "application/x-www-form-urlencoded"}) == 401
    assert "Updates" in web_api.find("C0SET", ts).text
    output = await stop(process)
    assert web_api.token not in output and SECRET not in output


@pytest.mark.asyncio
async def test_run_socket_mode(run_alsbot, web_api: SlackWebApi) -> None:
    async with SocketModeServer() as server:
        web_api.socket_mode_url = server.url
        process, _ = await run_alsbot("socket")
        server.wait_limit = START_TIMEOUT
        await server.wait_connected()
        fields = sign.slash_command_fields(text="start", user_id="UALICE", channel_id="C0SET")
        envelope = await server.send("slash_commands", fields)
        ack = await server.wait_ack(envelope)
        assert ack.envelope_id == envelope
        await web_api.wait_for("chat.postMessage", count=2)
        header = web_api.messages["C0SET"][0]
        message = web_api.seed_message("C0SET", "a question?", user="UCAROL", thread_ts=header.ts)
        event = sign.event_envelope(
            sign.message_event(
                user="UCAROL",
                channel="C0SET",
                text=message.text,
                ts=message.ts,
                thread_ts=header.ts,
            )
        )
        await server.wait_ack(await server.send("events_api", event))
        assert server.unacked() == []
        output = await stop(process)
    assert web_api.app_token not in output and json.dumps(web_api.token) not in output

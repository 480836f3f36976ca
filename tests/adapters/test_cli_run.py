"""`alsbot run` meeting a known start-up failure: one ✗ line (the one `check-config` would
print), everything it started closed, exit 2 — not a 45–67-line traceback followed by
"Unclosed client session" (issue 15, point 2).  Each case runs the real command in its
own process against the stand-ins; an unknown failure still shows its traceback (exit 1).
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
import pytest_asyncio

from testkit.discord.gateway import DiscordStandIn
from testkit.slack.web_api import SlackWebApi
from tests.adapters.preflight.cli_helpers import alsbot, discord_env, one_refusal, slack_env

PG_PORT_1 = "postgresql+asyncpg://alsbot:hunter2@127.0.0.1:1/alsbot"


@pytest_asyncio.fixture
async def web_api() -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as api:
        yield api


async def run(env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return await alsbot(env, cwd, "run")


@pytest.mark.asyncio
async def test_a_bot_token_slack_refuses(web_api: SlackWebApi, tmp_path: Path) -> None:
    env = slack_env(web_api, tmp_path, SLACK_BOT_TOKEN="xoxb-1-2-revoked")
    env["ALSBOT_LOGGING_LEVEL"] = "warning"  # no lifecycle lines: stderr is the one line
    result = await run(env, tmp_path)
    assert result.stderr == (
        "✗ Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth) — copy OAuth & Permissions "
        "→ Bot User OAuth Token (xoxb-…) again into SLACK_BOT_TOKEN\n"
    )
    assert result.returncode == 2 and result.stdout == ""
    assert [c.method for c in web_api.calls] == ["auth.test"]


@pytest.mark.asyncio
async def test_an_unreachable_postgresql(web_api: SlackWebApi, tmp_path: Path) -> None:
    result = await run(slack_env(web_api, tmp_path, ALSBOT_DATABASE_URL=PG_PORT_1), tmp_path)
    assert one_refusal(result) == (
        "✗ cannot connect to the database at 127.0.0.1:1 (connection refused: nothing listens "
        "there) — start PostgreSQL there, or correct the host and port in [database] url"
    )
    assert "hunter2" not in result.stderr
    assert web_api.calls == [], "the database first: no platform was started"


@pytest.mark.asyncio
async def test_socket_mode_refused(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.socket_mode_url = None  # the HTTP manifest was pasted: Socket Mode is off
    env = slack_env(web_api, tmp_path, "socket")
    assert one_refusal(await run(env, tmp_path)) == (
        "✗ Socket Mode is off for this Slack app (apps.connections.open: "
        "socket_mode_not_enabled) — paste manifest.socket.yaml (App Manifest), or set [slack] "
        'mode = "http" to match the manifest pasted'
    )


@pytest.mark.asyncio
async def test_a_port_in_use(web_api: SlackWebApi, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = await run(slack_env(web_api, tmp_path, ALSBOT_SLACK_PORT=str(port)), tmp_path)
    assert one_refusal(result) == (
        f"✗ [slack] port {port} on 127.0.0.1 is already in use (another alsbot, or another "
        "program) — stop it, or choose another [slack] port"
    )


@pytest.mark.asyncio
async def test_a_folder_that_does_not_exist_is_not_made(
    web_api: SlackWebApi, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/typo/alsbot.db"
    result = await run(slack_env(web_api, tmp_path, ALSBOT_DATABASE_URL=url), tmp_path)
    assert one_refusal(result) == (
        f"✗ the folder {tmp_path}/typo for the SQLite database does not exist — create it "
        "(writable by alsbot's user), or correct [database] url"
    )
    assert not (tmp_path / "typo").exists()


@pytest.mark.asyncio
async def test_a_discord_token_discord_refuses(tmp_path: Path) -> None:
    async with DiscordStandIn() as standin:
        env = discord_env(standin, tmp_path, DISCORD_BOT_TOKEN="MTAx.GaBcDe.not-this-bot")
        result = await run(env, tmp_path)
    assert one_refusal(result) == (
        "✗ Discord refused DISCORD_BOT_TOKEN (401 Unauthorized) — make a new one (the "
        "Developer Portal → Bot → Reset Token) and set DISCORD_BOT_TOKEN to it"
    )


@pytest.mark.asyncio
async def test_a_privileged_intent_discord_refuses(tmp_path: Path) -> None:
    """The portal's flags say yes, the gateway says no (close code 4014)."""
    async with DiscordStandIn(message_content_allowed=False) as standin:
        standin.world.application_flags = 1 << 19
        result = await run(discord_env(standin, tmp_path), tmp_path)
    assert one_refusal(result) == (
        "✗ Discord closed the gateway: a privileged intent is not switched on (4014) — switch "
        "on Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent"
    )


@pytest.mark.asyncio
async def test_slack_started_is_closed_when_discord_refuses(
    web_api: SlackWebApi, tmp_path: Path
) -> None:
    async with DiscordStandIn() as standin:
        env = {
            **discord_env(standin, tmp_path, DISCORD_BOT_TOKEN="MTAx.GaBcDe.not-this-bot"),
            **slack_env(web_api, tmp_path),
        }
        result = await run(env, tmp_path)
    assert one_refusal(result).startswith("✗ Discord refused DISCORD_BOT_TOKEN (401")
    assert "Slack HTTP mode listening" in result.stderr, "Slack had started, and was closed"


@pytest.mark.asyncio
async def test_an_unknown_failure_keeps_its_traceback(tmp_path: Path) -> None:
    async with DiscordStandIn() as standin:
        standin.fail("GET", "/users/@me", 403, times=5)
        result = await run(discord_env(standin, tmp_path), tmp_path)
    assert result.returncode == 1, result.stderr
    assert "alsbot stopped: an unexpected failure" in result.stderr
    assert "Traceback" in result.stderr and "Forbidden" in result.stderr
    assert "✗" not in result.stderr


@pytest.mark.asyncio
async def test_a_settings_error_is_the_same_line_as_check_config(tmp_path: Path) -> None:
    result = await run({"ALSBOT_LOGGING_LEVEL": "verbose"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "✗ [logging] level 'verbose' is not a level — use one of debug, info, warning, error, "
        "critical\n"
    )


@pytest.mark.asyncio
async def test_a_health_port_taken_meanwhile_is_a_refusal_run_prints_as_one_line() -> None:
    """`run` checks the port first; one taken between that check and the listener is
    refused by the health server itself, with a line of the same kind (exit 2)."""
    from adapters.health_server import HealthServerError, start_health_server
    from bot.preflight import Refused

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(HealthServerError) as failed:
            await start_health_server(object(), "127.0.0.1", port)
    assert isinstance(failed.value, Refused)
    line = failed.value.finding.line()
    assert line.startswith(f"✗ cannot listen on [health] 127.0.0.1:{port} ("), line
    assert line.endswith("address already in use) — choose a free port, or 0 for no health server")

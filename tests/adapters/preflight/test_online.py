"""`alsbot check-config --online`: the questions `run` asks at start, asked beforehand of
the configured Slack, Discord and database (here: the stand-ins), each refusal one ✗ line
with its fix (issue 15, point 1)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from click.testing import Result
from sqlalchemy.engine import make_url

from testkit.discord.gateway import DiscordStandIn
from testkit.slack.web_api import SlackWebApi
from tests.adapters.preflight.cli_helpers import (
    alsbot,
    check_config,
    discord_env,
    marked,
    slack_env,
)

POSTGRES = os.environ.get("ALSBOT_TEST_POSTGRES_URL")
BOT_HOME = "OAuth & Permissions → Bot User OAuth Token (xoxb-…)"
APP_HOME = "Basic Information → App-Level Tokens (xapp-…, scope connections:write)"


@pytest_asyncio.fixture
async def web_api() -> AsyncIterator[SlackWebApi]:
    async with SlackWebApi() as api:
        yield api


async def online(env: dict[str, str], tmp_path: Path) -> Result:
    """The CLI runs its own event loop: in a thread, while this loop serves the stand-ins."""
    return await asyncio.to_thread(check_config, env, "--online", cwd=tmp_path)


def refused(result: Result) -> str:
    assert result.exit_code == 2, result.output
    [line] = marked(result.stderr)
    return line


# ---------------------------------------------------------------------- Slack


@pytest.mark.asyncio
async def test_a_bot_token_slack_does_not_know(web_api: SlackWebApi, tmp_path: Path) -> None:
    env = slack_env(web_api, tmp_path, SLACK_BOT_TOKEN="xoxb-1-2-revoked")
    assert refused(await online(env, tmp_path)) == (
        "✗ Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth) — copy "
        f"{BOT_HOME} again into SLACK_BOT_TOKEN"
    )


@pytest.mark.asyncio
async def test_an_uninstalled_app(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.slack_error("account_inactive", methods=["auth.test"])
    assert refused(await online(slack_env(web_api, tmp_path), tmp_path)) == (
        "✗ Slack refused SLACK_BOT_TOKEN (auth.test: account_inactive) — the app was "
        "uninstalled or its workspace deactivated: reinstall it (OAuth & Permissions → Install "
        "to Workspace) and copy the new token"
    )


@pytest.mark.asyncio
async def test_socket_mode_with_the_http_manifest(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.socket_mode_url = None  # Socket Mode switched off: what manifest.yaml does
    assert refused(await online(slack_env(web_api, tmp_path, "socket"), tmp_path)) == (
        "✗ Socket Mode is off for this Slack app (apps.connections.open: "
        "socket_mode_not_enabled) — paste manifest.socket.yaml (App Manifest), or set [slack] "
        'mode = "http" to match the manifest pasted'
    )


@pytest.mark.asyncio
async def test_an_app_token_slack_does_not_know(web_api: SlackWebApi, tmp_path: Path) -> None:
    env = slack_env(web_api, tmp_path, "socket", SLACK_APP_TOKEN="xapp-1-A1-2-revoked")
    assert refused(await online(env, tmp_path)) == (
        "✗ Slack refused SLACK_APP_TOKEN (apps.connections.open: invalid_auth) — copy "
        f"{APP_HOME} again into SLACK_APP_TOKEN"
    )


@pytest.mark.asyncio
async def test_an_app_token_without_connections_write(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.socket_mode_url = "ws://127.0.0.1:9/never-connected"
    web_api.slack_error("missing_scope", methods=["apps.connections.open"])
    line = refused(await online(slack_env(web_api, tmp_path, "socket"), tmp_path))
    assert line.startswith("✗ Slack refused SLACK_APP_TOKEN (apps.connections.open: missing_scope)")
    assert "connections:write" in line


@pytest.mark.asyncio
async def test_http_mode_with_the_socket_manifest(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.socket_mode_url = "ws://127.0.0.1:9/never-connected"  # Socket Mode is on
    env = slack_env(web_api, tmp_path, "http", SLACK_APP_TOKEN=web_api.app_token)
    assert refused(await online(env, tmp_path)) == (
        '✗ Socket Mode is on for this Slack app but [slack] mode is "http": Slack sends events '
        "over Socket Mode and none to the Request URL — paste manifest.yaml (App Manifest), or "
        'set [slack] mode = "socket"'
    )


@pytest.mark.asyncio
async def test_slack_unreachable(tmp_path: Path) -> None:
    async with SlackWebApi() as api:
        env = slack_env(api, tmp_path)
    line = refused(await online(env, tmp_path))  # nothing listens there any more
    assert line.startswith(f"✗ cannot reach Slack's Web API at {api.url}"), line
    assert line.endswith("— check the network (a proxy?) and [slack] api_base_url")


@pytest.mark.asyncio
async def test_slack_accepting_both_tokens_passes(web_api: SlackWebApi, tmp_path: Path) -> None:
    web_api.socket_mode_url = "ws://127.0.0.1:9/never-connected"
    result = await online(slack_env(web_api, tmp_path, "socket"), tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "✓ Slack accepts SLACK_BOT_TOKEN (bot UBOT in T0TEST)",
        "✓ Slack accepts SLACK_APP_TOKEN: Socket Mode is on",
        "✓ Slack: single workspace (SLACK_BOT_TOKEN)",
        "✓ configuration looks good",
    ]
    assert [c.method for c in web_api.calls] == ["auth.test", "apps.connections.open"]


@pytest.mark.asyncio
async def test_a_token_refused_offline_is_not_asked_again(
    web_api: SlackWebApi, tmp_path: Path
) -> None:
    env = slack_env(web_api, tmp_path, SLACK_BOT_TOKEN=f" {web_api.token}")
    assert refused(await online(env, tmp_path)).startswith("✗ SLACK_BOT_TOKEN has spaces")
    assert web_api.calls == []


# ---------------------------------------------------------------------- Discord


@pytest.mark.asyncio
async def test_a_discord_token_discord_refuses(tmp_path: Path) -> None:
    async with DiscordStandIn() as standin:
        env = discord_env(standin, tmp_path, DISCORD_BOT_TOKEN="MTAx.GaBcDe.not-this-bot")
        assert refused(await online(env, tmp_path)) == (
            "✗ Discord refused DISCORD_BOT_TOKEN (401 Unauthorized on GET /users/@me) — make a "
            "new one (the Developer Portal → Bot → Reset Token) and set DISCORD_BOT_TOKEN to it"
        )


@pytest.mark.asyncio
async def test_the_message_content_intent_switched_off_is_a_warning(tmp_path: Path) -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        result = await online(discord_env(standin, tmp_path), tmp_path)
    assert result.exit_code == 0, result.output
    assert marked(result.stderr, "⚠") == [
        "⚠ the Message Content intent is off for this Discord application: alsbot cannot read "
        "thread messages or collect do's — switch on Developer Portal → Bot → Privileged "
        "Gateway Intents → Message Content Intent"
    ]


@pytest.mark.asyncio
async def test_without_the_intent_by_choice_there_is_no_warning(tmp_path: Path) -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        env = discord_env(standin, tmp_path, ALSBOT_DISCORD_MESSAGE_CONTENT="false")
        result = await online(env, tmp_path)
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert result.stdout.splitlines()[1] == (
        "✓ running without the Message Content intent ([discord] message_content = false): "
        "rounds through buttons and forms, do's through “Save as do”"
    )


@pytest.mark.parametrize("flag", [1 << 18, 1 << 19], ids=["verified", "limited"])
@pytest.mark.asyncio
async def test_discord_accepting_the_token_with_the_intent_passes(
    flag: int, tmp_path: Path
) -> None:
    async with DiscordStandIn() as standin:
        standin.world.application_flags = flag
        result = await online(discord_env(standin, tmp_path), tmp_path)
        paths = [c.path for c in standin.rest.calls]
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert result.stdout.splitlines() == [
        "✓ Discord accepts DISCORD_BOT_TOKEN (bot alsbot)",
        "✓ configuration looks good",
    ]
    assert paths == ["/users/@me", "/applications/@me"]


# ---------------------------------------------------------------------- the database


@pytest.mark.asyncio
async def test_an_unreachable_database_names_host_and_port_never_the_password(
    web_api: SlackWebApi, tmp_path: Path
) -> None:
    url = "postgresql+asyncpg://alsbot:hunter2@127.0.0.1:1/alsbot"
    result = await online(slack_env(web_api, tmp_path, ALSBOT_DATABASE_URL=url), tmp_path)
    assert refused(result) == (
        "✗ cannot connect to the database at 127.0.0.1:1 (connection refused: nothing listens "
        "there) — start PostgreSQL there, or correct the host and port in [database] url"
    )
    assert "hunter2" not in result.output


@pytest.mark.skipif(not POSTGRES, reason="set ALSBOT_TEST_POSTGRES_URL to run against PostgreSQL")
@pytest.mark.asyncio
async def test_a_login_the_database_refuses(web_api: SlackWebApi, tmp_path: Path) -> None:
    assert POSTGRES
    given = make_url(POSTGRES)
    url = given.set(username="nobody_at_all", password="hunter2").render_as_string(False)
    result = await online(slack_env(web_api, tmp_path, ALSBOT_DATABASE_URL=url), tmp_path)
    line = refused(result)
    assert line.startswith(f"✗ the database at {given.host}:{given.port or 5432} refused alsbot (")
    assert '"nobody_at_all"' in line and "hunter2" not in result.output
    assert line.endswith("— check the user, password and database name in [database] url")


@pytest.mark.skipif(not POSTGRES, reason="set ALSBOT_TEST_POSTGRES_URL to run against PostgreSQL")
@pytest.mark.asyncio
async def test_a_database_that_answers_passes(web_api: SlackWebApi, tmp_path: Path) -> None:
    assert POSTGRES
    result = await online(slack_env(web_api, tmp_path, ALSBOT_DATABASE_URL=POSTGRES), tmp_path)
    assert result.exit_code == 0, result.output


@pytest.mark.asyncio
async def test_the_real_command_says_only_its_lines(web_api: SlackWebApi, tmp_path: Path) -> None:
    """As its own process: no "Unclosed client session" or other asyncio noise after it."""
    env = slack_env(
        web_api,
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1-2-revoked",
        ALSBOT_DATABASE_URL="postgresql+asyncpg://alsbot:hunter2@127.0.0.1:1/alsbot",
    )
    result = await alsbot(env, tmp_path, "check-config", "--online")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line[:40] for line in lines] == [
        "✗ Slack refused SLACK_BOT_TOKEN (auth.te",
        "✗ cannot connect to the database at 127.",
    ], result.stderr
    assert result.stdout == ""

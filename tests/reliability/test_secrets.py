"""Secrets never leak (issue 8, item 7): sentinel tokens through the real paths.

Every secret is a sentinel — `SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, `SLACK_APP_TOKEN`,
`DISCORD_BOT_TOKEN` and the database password in its URL — and the real paths run with
them: the Slack app over signed HTTP and over Socket Mode, the Discord client on the
gateway stand-in, Web API and REST calls that fail and get logged, a forged request,
config errors, `repr(config)` and the CLI in a subprocess. Every log record (DEBUG, every
logger: alsbot's, Bolt's, slack_sdk's, discord.py's, aiohttp's, SQLAlchemy's), every line
printed, and every body the stand-ins received is then searched for the sentinels. The
only place a token may appear is where the protocol puts it: the Authorization header
(which the stand-ins record apart from bodies) and the gateway's IDENTIFY/RESUME frames.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import ConfigError, load_config
from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import (
    advance_to,
    discord_config,
    run_bot,
    start_session,
    wait_text,
)
from testkit.slack import signing as sign
from testkit.slack import world as slack_world
from testkit.slack.socket_mode import SocketModeServer
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SET, SlackWorld

SENTINEL = "SENTINEL0"
BOT = "xoxb-SENTINEL0-slack-bot-token"
SIGNING = "SENTINEL0signingsecret0123456789"
APP = "xapp-1-SENTINEL0-slack-app-token"
DISCORD = "SENTINEL0.discord-bot.token"
DB_PASSWORD = "SENTINEL0dbpassword"
LOGGERS = ("", "alsbot", "bot", "adapters", "jobs", "slack_bolt", "slack_sdk", "discord",
           "aiohttp", "sqlalchemy", "apscheduler", "asyncio")  # fmt: skip


def leaks(*texts: str) -> list[str]:
    found = []
    for text in texts:
        if SENTINEL in text:  # every secret here carries it
            at = text.index(SENTINEL)
            found.append(f"a secret in …{text[max(0, at - 120) : at + 40]!r}…")
    return found


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter()
    out = []
    for record in caplog.records:
        out.append(f"{record.name}: {record.getMessage()}")
        if record.exc_info:
            out.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            out.append(record.stack_info)
    return out


# ---------------------------------------------------------------------- Slack


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_slack_paths_never_show_a_secret(
    mode: str,
    all_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    clock: FakeClock,
) -> None:
    monkeypatch.setattr(slack_world, "SECRET", SIGNING)  # the world signs with the sentinel
    async with SlackWebApi(token=BOT, app_token=APP) as api:
        socket = await SocketModeServer().start() if mode == "socket" else None
        w = await SlackWorld.open(api, sqlite_url, clock, mode=mode, socket=socket)
        try:
            assert (await w.command("UALICE", "start <@UBOB|bob>")).status == 200
            await w.settle()
            await w.press("UALICE", "Next phase")
            # Refusals the outlet logs with Slack's answer (errors it gives up on).
            api.slack_error("invalid_auth", methods=["chat.update"])
            api.slack_error("channel_not_found", methods=["chat.postMessage"])
            await w.press("UALICE", "Next phase")
            await w.settle()
            await w.say("UBOB", "Here is my problem")
            await w.dm("UBOB", "an update for you")
            await w.event({"type": "app_home_opened", "user": "UBOB", "tab": "home",
                           "channel": "DUBOB", "event_ts": "1767225601.000001"})  # fmt: skip
            await w.command("UALICE", "help")
            await w.settle()
            if mode == "http":
                body = sign.form_body(sign.slash_command_fields(
                    text="next", user_id="UALICE", channel_id=SET))  # fmt: skip
                forged = sign.form_headers("0" * 32, body)
                assert (await w.send_http(body, forged)).status == 401
            assert all(c.token in (BOT, APP, None) for c in api.calls), "the sentinel was used"
            assert any(c.token == BOT for c in api.calls)
        finally:
            await w.close()
            if socket is not None:
                await socket.close()
    bodies = [json.dumps(c.args, default=str) for c in api.calls]
    bodies += [json.dumps(r, default=str) for r in api.responses]
    printed = capsys.readouterr()
    problems = leaks(*logged(all_logs), *bodies, printed.out, printed.err, repr(w.bot.config))
    assert problems == [], "\n".join(problems)
    assert any("invalid_auth" in line or "channel_not_found" in line for line in logged(all_logs))


# ---------------------------------------------------------------------- Discord


@pytest.mark.asyncio
async def test_discord_paths_never_show_a_secret(
    all_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    async with DiscordStandIn() as standin:
        standin.world.token = DISCORD
        running = await run_bot(
            discord_config(standin, tmp_path / "alsbot.db", DISCORD_BOT_TOKEN=DISCORD), clock
        )
        try:
            w = standin.world
            alice, bob = w.add_user("alice"), w.add_user("bob")
            header = await start_session(standin, bob, alice)
            standin.fail("POST", r"/channels/\d+/messages", 500, times=2)
            standin.fail("POST", r"/channels/\d+/messages", 403, code=50013,
                         message="Missing Permissions")  # fmt: skip
            await advance_to(standin, header, alice, "Questions")
            await standin.say(bob, header.id, "A question about tokens?")
            await standin.slash(alice, "help")
            await standin.slash(bob, "action add", what="not now")
            await wait_text(standin, header.id, "Questions")
            await running.app.settle()
        finally:
            await running.close()
    identify = [f for f in standin.received if f.get("op") in (2, 6)]
    assert identify and all(f["d"]["token"] == DISCORD for f in identify)
    frames = [json.dumps(f) for f in standin.received if f.get("op") not in (2, 6)]
    bodies = [json.dumps(c.body, default=str) + c.path for c in standin.rest.calls]
    printed = capsys.readouterr()
    problems = leaks(*logged(all_logs), *frames, *bodies, printed.out, printed.err)
    assert problems == [], "\n".join(problems)
    assert any("500" in line or "403" in line for line in logged(all_logs)), "faults were logged"


# ---------------------------------------------------------------------- config, database, CLI


def env_with_secrets(**extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT,
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_APP_TOKEN": APP,
        "DISCORD_BOT_TOKEN": DISCORD,
        "ALSBOT_DATABASE_URL": f"postgresql+asyncpg://alsbot:{DB_PASSWORD}@127.0.0.1:1/alsbot",
        **extra,
    }


def test_config_repr_and_errors_hide_every_secret() -> None:
    config = load_config(None, env_with_secrets(ALSBOT_SLACK_ENABLED="true"))
    assert config.secrets.slack_bot_token == BOT and DB_PASSWORD in config.database.url
    assert leaks(repr(config), str(config), repr(config.database), repr(config.secrets)) == []
    for bad in ({"ALSBOT_SLACK_PORT": "many"}, {"ALSBOT_SLACK_ENABLED": "perhaps"},
                {"ALSBOT_DEFAULTS_TIMEZONE": "Mars/Olympus"}, {"ALSBOT_NOPE_KEY": "1"}):  # fmt: skip
        try:
            load_config(None, env_with_secrets(**bad))
        except ConfigError as error:
            assert leaks(str(error), repr(error)) == [], bad
        else:
            assert "ALSBOT_NOPE_KEY" in bad, f"{bad} was accepted"


@pytest.mark.asyncio
async def test_a_database_that_cannot_be_reached_does_not_show_its_password(
    all_logs: pytest.LogCaptureFixture,
) -> None:
    config = load_config(None, env_with_secrets())
    with pytest.raises(Exception) as caught:
        await Alsbot.open(config)
    shown = caught.getrepr(style="long", showlocals=False)
    assert leaks(str(caught.value), repr(caught.value), str(shown), *logged(all_logs)) == []


def alsbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("ALSBOT_", "SLACK_", "DISCORD_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env={**base, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"ALSBOT_SLACK_ENABLED": "true", "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"ALSBOT_SLACK_ENABLED": "true", "ALSBOT_SLACK_MODE": "socket", "SLACK_APP_TOKEN": ""},
         "SLACK_APP_TOKEN"),
        ({"ALSBOT_DISCORD_ENABLED": "true", "DISCORD_BOT_TOKEN": ""}, "DISCORD_BOT_TOKEN"),
        ({"ALSBOT_SLACK_PORT": "many"}, "slack"),
    ],
)  # fmt: skip
def test_check_config_and_run_refuse_without_showing_secrets(
    extra: dict[str, str], problem: str, tmp_path: Path
) -> None:
    env = env_with_secrets(**extra)
    for command in (["check-config"], ["run"]):
        result = alsbot(*command, env=env, cwd=tmp_path)
        assert result.returncode != 0, (command, result.stdout, result.stderr)
        assert problem in result.stderr, (command, result.stderr)
        assert leaks(result.stdout, result.stderr) == [], (command, result.stderr)


def test_check_config_passes_quietly_with_every_secret_set(tmp_path: Path) -> None:
    env = env_with_secrets(ALSBOT_SLACK_ENABLED="true", ALSBOT_DISCORD_ENABLED="true")
    result = alsbot("check-config", env=env, cwd=tmp_path)
    assert result.returncode == 0 and "looks good" in result.stdout, result.stderr
    assert leaks(result.stdout, result.stderr) == []


def test_db_upgrade_against_an_unreachable_database_hides_the_password(tmp_path: Path) -> None:
    result = alsbot("db", "upgrade", env=env_with_secrets(), cwd=tmp_path)
    assert result.returncode != 0
    assert leaks(result.stdout, result.stderr) == [], result.stderr[-2000:]

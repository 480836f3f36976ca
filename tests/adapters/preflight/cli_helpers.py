"""Running `alsbot` as an operator does: `check-config` through click's runner (in this
process), `run` as its own process (real start-up, real exit), each with only the
environment given; and that environment for the Slack and Discord stand-ins."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main
from testkit.discord.gateway import DiscordStandIn
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import free_port

ALSBOT = Path(sys.executable).with_name("alsbot")
OURS = ("ALSBOT_", "SLACK_", "DISCORD_")


def check_config(
    env: Mapping[str, str], *args: str, cwd: Path, config: Path | None = None
) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith(OURS)]:
            patch.delenv(name)
        patch.chdir(cwd)
        given = ["--config", str(config)] if config is not None else []
        return CliRunner().invoke(main, ["check-config", *given, *args], env=dict(env))


def marked(text: str, mark: str = "✗") -> list[str]:
    return [line for line in text.splitlines() if line.startswith(mark)]


async def alsbot(env: Mapping[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`alsbot <args>` as its own process, with this process's loop free to serve the
    stand-ins meanwhile."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    process = await asyncio.create_subprocess_exec(
        str(ALSBOT), *args, env={**keep, **env}, cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return subprocess.CompletedProcess([], process.returncode, out.decode(), err.decode())


def slack_env(api: SlackWebApi, tmp_path: Path, mode: str = "http", **extra: str) -> dict[str, str]:
    env = {
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db",
        "ALSBOT_SLACK_ENABLED": "true",
        "ALSBOT_SLACK_MODE": mode,
        "ALSBOT_SLACK_API_BASE_URL": api.url,
        "ALSBOT_SLACK_PORT": str(free_port()),
        "SLACK_BOT_TOKEN": api.token,
        "SLACK_SIGNING_SECRET": SECRET,
    }
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = api.app_token
    return {**env, **extra}


def discord_env(standin: DiscordStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "ALSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/alsbot.db",
        "ALSBOT_DISCORD_ENABLED": "true",
        "ALSBOT_DISCORD_API_BASE_URL": standin.api_base_url,
        "ALSBOT_DISCORD_GATEWAY_URL": standin.gateway_url,
        "DISCORD_BOT_TOKEN": standin.world.token,
        "ALSBOT_DISCORD_ALLOWED_GUILD_IDS": standin.world.guild_id,
        **extra,
    }


def one_refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The run's one ✗ line: exit 2, no traceback, no asyncio or aiohttp complaint, and
    nothing else on stderr but INFO lifecycle lines."""
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err)
    for noise in ("Traceback", "Unclosed", "Task was destroyed", "never awaited", "ERROR"):
        assert noise not in err, err
    [line] = marked(err)
    others = [x for x in err.splitlines() if x != line and " INFO " not in x]
    assert others == [], err
    return line

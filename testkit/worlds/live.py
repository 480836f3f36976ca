"""The real `alsbot run` as a child process, and a Slack that talks to it over HTTP.

Used by the crash and secrets tests (and their soak variants in `bench/`): the bot runs
exactly as an operator starts it — its own process, its own event loop, a SQLite file,
real signals — while this process plays Slack: the Web API stand-in it posts to, and the
signed requests Slack sends it (retried, like Slack, until they are acknowledged).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from testkit.eventually import eventually
from testkit.slack import signing as sign

ALSBOT = Path(sys.executable).with_name("alsbot")
START_TIMEOUT = 30.0


# A text log line: its time, then its level (`bot.logs.TEXT_FORMAT`).
LEVEL = re.compile(r"^\S+ (?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def error_line(line: str) -> bool:
    """An ERROR or CRITICAL line of the child's log (text lines begin with their time, so
    the level is the second field), or a traceback that reached the output another way."""
    found = LEVEL.match(line)
    if found is not None:
        return found["level"] in ("ERROR", "CRITICAL")
    return line.startswith(("ERROR", "CRITICAL", "Traceback (most recent call last)"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def answers_ok(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether `url` answers 200 now; a refused or reset connection (a server still
    starting, or just killed) is simply "not yet"."""
    with contextlib.suppress(aiohttp.ClientError, OSError):
        async with session.get(url) as response:
            return response.status == 200
    return False


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))


def write_config(path: Path, sections: Mapping[str, Mapping[str, Any]]) -> Path:
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# Settings the child must take from its config and `secrets` alone, never from the test's
# own environment (`REQUESTS_CA_BUNDLE`: MSAL's trust, given only for a Teams stand-in).
CHILD_DROPS = ("ALSBOT_", "SLACK_", "DISCORD_", "TEAMS_", "REQUESTS_CA_BUNDLE")


def child_env(secrets: Mapping[str, str]) -> dict[str, str]:
    """This environment without any ALSBOT_/SLACK_/DISCORD_/TEAMS_ settings, plus `secrets`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(CHILD_DROPS)}
    return {**keep, **secrets}


class BotProcess:
    """`alsbot run --config FILE`, restartable; each run's output goes to its own log.
    With `config` None it is plain `alsbot run`, its settings all in `env`.

    `port` is where events are posted (`path` on it: Slack's by default); `health_port`
    where `/healthz` answers, when that is not `port` (Teams: `[health] port`)."""

    def __init__(
        self,
        config: Path | None,
        env: Mapping[str, str],
        logdir: Path,
        port: int,
        *,
        path: str = "/slack/events",
        health_port: int | None = None,
    ) -> None:
        self.config = config
        self.env = dict(env)
        self.logdir = logdir
        self.port = port
        self.path = path
        self.health_port = port if health_port is None else health_port
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0
        self.kills: list[float] = []  # loop times of each SIGKILL
        self.exit_codes: list[int | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> None:
        self.runs += 1
        log = self._log_file()
        try:
            config = [] if self.config is None else ["--config", str(self.config)]
            self.process = await asyncio.create_subprocess_exec(
                str(ALSBOT),
                "run",
                *config,
                env=self.env,
                cwd=str(self.logdir),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        finally:
            log.close()

    def _log_file(self):
        return (self.logdir / f"run-{self.runs:03d}.log").open("wb")

    async def kill(self) -> None:
        """kill -9: no handler runs, nothing is flushed, the loop simply stops."""
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            self.kills.append(asyncio.get_running_loop().time())
        self.exit_codes.append(await self.process.wait())
        self.process = None

    async def stop(self, grace: float = 30.0) -> int | None:
        """SIGTERM, as an operator (or systemd) stops it; returns the exit code."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        self.exit_codes.append(code)
        self.process = None
        return code

    async def wait_healthy(self, within: float = START_TIMEOUT) -> None:
        health = f"http://127.0.0.1:{self.health_port}/healthz"
        async with aiohttp.ClientSession() as session:

            async def healthy() -> bool:
                if self.process is None or self.process.returncode is not None:
                    raise AssertionError(f"alsbot exited while starting:\n{self.logs()[-4000:]}")
                return await answers_ok(session, health)

            await eventually(
                healthy,
                within=within,
                every=0.05,
                what=lambda: f"alsbot becoming healthy:\n{self.logs()[-4000:]}\n",
            )

    def logs(self) -> str:
        return "".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.logdir.glob("run-*.log"))
        )


@dataclass
class Sent:
    """One request as Slack would keep sending it until it is acknowledged."""

    name: str
    kind: str  # "events_api" | "slash_commands" | "interactive"
    payload: dict[str, Any]
    attempts: int = 0
    acked_at: float | None = None  # wall time of the first 2xx
    status: int | None = None
    answer: str = ""
    failures: list[str] = field(default_factory=list)


class SlackSender:
    """Sends signed requests to the bot and retries each until it gets a 2xx.

    Events API retries carry `X-Slack-Retry-Num`, as Slack's do; commands and clicks,
    which Slack does not retry, are re-sent with the same `trigger_id` (a person retyping
    would make a new one; keeping it makes the expected effect exact).
    """

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        self.sent: list[Sent] = []

    async def close(self) -> None:
        await self.session.close()

    def _request(self, item: Sent) -> tuple[str, dict[str, str]]:
        retry = item.attempts - 1 if item.attempts > 1 else None
        if item.kind == "events_api":
            body = json.dumps(item.payload)
            return body, sign.signed_headers(self.secret, body, retry_num=retry)
        if item.kind == "slash_commands":
            body = sign.form_body(item.payload)
        else:
            body = sign.payload_body(item.payload)
        return body, sign.form_headers(self.secret, body)

    async def send(
        self, name: str, kind: str, payload: dict[str, Any], *, give_up: float = 120.0
    ) -> Sent:
        item = Sent(name, kind, payload)
        self.sent.append(item)
        deadline = time.monotonic() + give_up
        pause = 0.05
        while time.monotonic() < deadline:
            item.attempts += 1
            body, headers = self._request(item)
            try:
                async with self.session.post(self.url, data=body, headers=headers) as response:
                    text = await response.text()
                    if 200 <= response.status < 300:
                        item.acked_at, item.status, item.answer = time.time(), response.status, text
                        return item
                    item.failures.append(f"http {response.status}")
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                item.failures.append(type(error).__name__)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
        raise AssertionError(f"{name} was never acknowledged: {item.failures[-5:]}")

    # The three shapes Slack sends ------------------------------------------------------

    async def command(
        self, name: str, user: str, channel: str, text: str, *, response_url: str
    ) -> Sent:
        fields = sign.slash_command_fields(
            text=text,
            user_id=user,
            channel_id=channel,
            trigger_id=f"trig.{name}",
            response_url=response_url,
        )
        return await self.send(name, "slash_commands", fields)

    async def event(self, name: str, event: dict[str, Any]) -> Sent:
        return await self.send(name, "events_api", sign.event_envelope(event, event_id=f"Ev{name}"))

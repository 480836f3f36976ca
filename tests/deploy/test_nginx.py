"""deploy/nginx/alsbot.conf, run: nginx with TLS in front of two `alsbot run` processes on
one PostgreSQL database, serving Slack (HTTP mode) and Discord, as docs/DEPLOY.md sets
them up (its section B, without Docker).

The snippet is used as shipped except for what differs on this machine: the upstream
ports, the listening ports (free ones on loopback) and a self-signed certificate. Needs
nginx (`.ci/run` installs it with apt-get when run as root), openssl and
ALSBOT_TEST_POSTGRES_URL; skipped with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from testkit.discord.gateway import DiscordStandIn
from testkit.discord.running import gateway_opens
from testkit.eventually import eventually, reached
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import (
    ALSBOT,
    START_TIMEOUT,
    BotProcess,
    answers_ok,
    child_env,
    free_port,
)
from tests.deploy.test_container import healthcheck_exit
from tests.deploy.units import DEPLOY, read_unit, seconds

SNIPPET = DEPLOY / "nginx" / "alsbot.conf"
SHIPPED_UPSTREAMS = "    server 127.0.0.1:3000;\n    server 127.0.0.1:3001;\n"
HOST = "bot.example.org"


def nginx_or_skip() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.skip("nginx is not installed (.ci/run installs it with apt-get as root)")
    return found


def self_signed(directory: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for the TLS server")
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName=DNS:{HOST}",
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@dataclass
class Proxy:
    directory: Path
    https: int
    http: int

    @property
    def access_log(self) -> list[str]:
        return (self.directory / "access.log").read_text(encoding="utf-8").splitlines()


def adapted(upstreams: list[int], https: int, http: int, cert: Path, key: Path) -> str:
    """The shipped snippet with this machine's ports and certificate, nothing else."""
    conf = SNIPPET.read_text(encoding="utf-8")
    assert SHIPPED_UPSTREAMS in conf
    conf = conf.replace(
        SHIPPED_UPSTREAMS, "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    )
    conf = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", conf)
    conf = conf.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{http};")
    conf = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", conf)
    conf = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", conf)
    return conf


def main_conf(directory: Path, snippet: Path) -> Path:
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    log_format upstreams '$request_method $uri $status $upstream_addr';
    access_log {directory / "access.log"} upstreams;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {snippet};
}}
""",
        encoding="utf-8",
    )
    return conf


def nginx_args(nginx: str, directory: Path, conf: Path) -> list[str]:
    return [nginx, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)]


def test_nginx_accepts_the_snippet_with_tls(tmp_path: Path) -> None:
    nginx = nginx_or_skip()
    cert, key = self_signed(tmp_path)
    snippet = tmp_path / "alsbot.conf"
    snippet.write_text(adapted([free_port(), free_port()], 8443, 8080, cert, key), "utf-8")
    done = subprocess.run(
        [*nginx_args(nginx, tmp_path, main_conf(tmp_path, snippet)), "-t"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr


def test_the_compose_snippet_is_the_same_apart_from_names_and_certificate() -> None:
    """docker-compose.yml mounts deploy/nginx/compose.conf: same rules, other upstreams."""

    def rules(path: Path) -> list[str]:
        kept = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#") or line.startswith(("server ", "zone ")):
                continue
            if line.startswith(("listen [::]", "resolver ", "ssl_certificate")):
                continue
            kept.append(line)
        return kept

    assert rules(DEPLOY / "nginx" / "compose.conf") == rules(SNIPPET)
    compose = (DEPLOY / "nginx" / "compose.conf").read_text(encoding="utf-8")
    assert "server bot-a:3000 resolve;" in compose and "server bot-b:3000 resolve;" in compose
    assert "ssl_certificate     /etc/nginx/tls/fullchain.pem;" in compose


# ---------------------------------------------------------------------- the live proxy


def alsbot_env(
    database: str, api: SlackWebApi, discord: DiscordStandIn, port: int, health: int, name: str
) -> dict[str, str]:
    """Settings from the environment only, as in docker-compose.yml's alsbot.env."""
    return child_env({
        "ALSBOT_DATABASE_URL": database,
        "ALSBOT_SLACK_ENABLED": "true",
        "ALSBOT_SLACK_MODE": "http",
        "ALSBOT_SLACK_API_BASE_URL": api.url,
        "ALSBOT_SLACK_PORT": str(port),
        "ALSBOT_HEALTH_PORT": str(health),
        "ALSBOT_SCHEDULER_PROCESS_NAME": name,
        "SLACK_BOT_TOKEN": api.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "ALSBOT_DISCORD_ENABLED": "true",
        "ALSBOT_DISCORD_API_BASE_URL": discord.api_base_url,
        "ALSBOT_DISCORD_GATEWAY_URL": discord.gateway_url,
        "DISCORD_BOT_TOKEN": discord.world.token,
    })  # fmt: skip


@dataclass
class Bot:
    name: str
    health: int
    process: BotProcess

    @property
    def port(self) -> int:
        return self.process.port


@dataclass
class Scene:
    bots: list[Bot]
    database: str
    discord: DiscordStandIn


@pytest_asyncio.fixture
async def two_bots(postgres_url: str, tmp_path: Path) -> AsyncIterator[Scene]:
    """`alsbot db upgrade` once, then two `alsbot run`, each on its own port."""
    async with SlackWebApi() as api, DiscordStandIn() as discord:
        api.wait_limit = START_TIMEOUT

        def env(port: int, health: int, name: str) -> dict[str, str]:
            return alsbot_env(postgres_url, api, discord, port, health, name)

        upgrade = await asyncio.create_subprocess_exec(
            str(ALSBOT), "db", "upgrade", env=env(0, 0, "upgrade"),
            cwd=str(tmp_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        said, _ = await asyncio.wait_for(upgrade.communicate(), 120)
        assert upgrade.returncode == 0 and b"database is at revision" in said, said
        bots = []
        for name in ("bot-a", "bot-b"):
            port, health = free_port(), free_port()
            logs = tmp_path / name
            logs.mkdir()
            bots.append(Bot(name, health, BotProcess(None, env(port, health, name), logs, port)))
        try:
            for bot in bots:
                await bot.process.start()
            for bot in bots:
                await bot.process.wait_healthy(START_TIMEOUT)
            yield Scene(bots, postgres_url, discord)
        finally:
            for bot in bots:
                await bot.process.kill()


@pytest.fixture
def nginx() -> str:
    """Before the bots: without nginx there is no point starting them."""
    return nginx_or_skip()


@pytest_asyncio.fixture
async def proxy(nginx: str, two_bots: Scene, tmp_path: Path) -> AsyncIterator[Proxy]:
    bots = two_bots.bots
    directory = tmp_path / "nginx"
    directory.mkdir()
    cert, key = self_signed(directory)
    running = Proxy(directory, free_port(), free_port())
    snippet = directory / "alsbot.conf"
    snippet.write_text(
        adapted([bot.port for bot in bots], running.https, running.http, cert, key), "utf-8"
    )
    process = await asyncio.create_subprocess_exec(
        *nginx_args(nginx, directory, main_conf(directory, snippet)),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:

            async def listening() -> bool:
                assert process.returncode is None, (directory / "error.log").read_text()
                try:
                    async with session.get(f"http://127.0.0.1:{running.http}/") as response:
                        return response.status == 404
                except aiohttp.ClientConnectionError:
                    return False

            await eventually(listening, within=START_TIMEOUT, every=0.05, what="nginx")
        yield running
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGQUIT)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def verifying(cert: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    return context


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_only_signed_slack_posts_pass_the_proxy_to_either_process(
    proxy: Proxy, two_bots: Scene
) -> None:
    bots, database = two_bots.bots, two_bots.database
    # Both processes serve Discord, through one gateway session: the other stands by.
    assert gateway_opens(two_bots.discord) == (1, 0), "one IDENTIFY for the two processes"
    details = []
    async with aiohttp.ClientSession() as session:
        for bot in bots:
            async with session.get(f"http://127.0.0.1:{bot.port}/healthz") as response:
                details.append((await response.json())["parts"]["discord"]["detail"])
    assert sum(d.startswith("standby (gateway held by ") for d in details) == 1, details
    base = f"https://127.0.0.1:{proxy.https}"
    tls = verifying(proxy.directory / "fullchain.pem")
    events = [sign.event_envelope(sign.message_event(
        user="UALICE", channel="C0OTHER", text=f"hello {n}", ts=f"1700000000.{n:06d}"
    )) for n in range(6)]  # fmt: skip

    async with aiohttp.ClientSession() as session:

        async def post(body: str, headers: dict[str, str]) -> tuple[int, str]:
            async with session.post(
                f"{base}/slack/events", data=body, headers=headers,
                ssl=tls, server_hostname=HOST,
            ) as response:  # fmt: skip
                return response.status, await response.text()

        async def get(path: str) -> int:
            async with session.get(f"{base}{path}", ssl=tls, server_hostname=HOST) as response:
                return response.status

        body = json.dumps(sign.url_verification("through-the-proxy"))
        status, answer = await post(body, sign.signed_headers(SECRET, body))
        assert status == 200 and "through-the-proxy" in answer
        for envelope in events:
            body = json.dumps(envelope)
            assert (await post(body, sign.signed_headers(SECRET, body)))[0] == 200
        assert (await post(body, {"Content-Type": "application/json"}))[0] == 401
        # Health stays internal; nothing else is there.
        assert await get("/healthz") == 404
        assert await get("/") == 404
        assert await get("/slack/events") == 405
        assert await answers_ok(session, f"http://127.0.0.1:{bots[0].port}/healthz")
        for bot in bots:  # the image's HEALTHCHECK, against each process's [health] port
            assert await healthcheck_exit(bot.health) == 0, bot.name
        async with session.get(f"http://127.0.0.1:{proxy.http}/slack/events") as plain:
            assert plain.status == 404, "plain HTTP passes nothing on"

    # nginx writes a request's log line after it has answered: give the last one a moment.
    await reached(
        lambda: len([x for x in proxy.access_log if not x.startswith("POST /slack")]) >= 5, 5.0
    )
    served = [line.split()[-1] for line in proxy.access_log if line.startswith("POST /slack")]
    assert {f"127.0.0.1:{bot.port}" for bot in bots} <= set(served), "both processes"
    kept = [line for line in proxy.access_log if not line.startswith("POST /slack")]
    assert len(kept) >= 5 and all(line.endswith(" -") for line in kept), "nginx answered"
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            keys = set((await conn.execute(text("SELECT key FROM inbox"))).scalars())
    finally:
        await engine.dispose()
    assert {f"slack:event:{e['event_id']}" for e in events} <= keys


@pytest.mark.postgres
@pytest.mark.asyncio
async def test_when_one_process_stops_the_other_answers_through_the_proxy(
    proxy: Proxy, two_bots: Scene
) -> None:
    """A rolling restart: bot-a stops on SIGTERM (within the unit's TimeoutStopSec) and
    every event sent meanwhile is answered by bot-b."""
    bots = two_bots.bots
    [limit] = read_unit(DEPLOY / "systemd" / "alsbot.service")["Service"]["TimeoutStopSec"]
    tls = verifying(proxy.directory / "fullchain.pem")
    started = time.monotonic()
    code = await bots[0].process.stop(grace=seconds(limit))  # killed after the grace
    took = time.monotonic() - started
    assert code == 0, f"bot-a did not stop cleanly within TimeoutStopSec={limit} ({took:.1f}s)"
    assert await healthcheck_exit(bots[0].health) == 1, "a stopped process is unhealthy"
    assert await healthcheck_exit(bots[1].health) == 0
    async with aiohttp.ClientSession() as session:
        for n in range(6):
            body = json.dumps(sign.event_envelope(sign.message_event(
                user="UALICE", channel="C0OTHER", text="still there?", ts=f"1700000001.{n:06d}"
            )))  # fmt: skip
            async with session.post(
                f"https://127.0.0.1:{proxy.https}/slack/events", data=body,
                headers=sign.signed_headers(SECRET, body), ssl=tls, server_hostname=HOST,
            ) as response:  # fmt: skip
                assert response.status == 200
    print(f"bot-a stopped in {took:.2f}s")

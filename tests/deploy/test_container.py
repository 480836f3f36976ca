"""The Dockerfile: read as Docker reads it, its healthcheck command run for real, and the
image built and run where a container engine answers.

The build needs an engine (`docker info` must succeed) and the network (pip); without an
engine it is skipped with "no container engine: docker info failed".
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from testkit.eventually import eventually
from testkit.slack import signing as sign
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import SECRET
from testkit.worlds.live import child_env, free_port
from tests.deploy.units import ROOT, stop_budget

Instructions = dict[str, list[str]]


def dockerfile() -> Instructions:
    """Instruction → its arguments, once per use, continuation lines joined."""
    found: Instructions = {}
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.setdefault(instruction.upper(), []).append(" ".join(arguments.split()))
    return found


def healthcheck_command() -> list[str]:
    [healthcheck] = dockerfile()["HEALTHCHECK"]
    options, _, command = healthcheck.partition(" CMD ")
    assert "--timeout=5s" in options.split()
    parsed: list[str] = json.loads(command)
    return parsed


def test_the_image_runs_alsbot_as_a_user_with_its_data_on_a_volume() -> None:
    found = dockerfile()
    assert found["FROM"] == ["python:3.11-slim"]
    assert found["USER"][-1] not in ("root", "0", "0:0") and found["USER"] == ["alsbot"]
    assert found["VOLUME"] == ["/data"]
    assert found["STOPSIGNAL"] == ["SIGTERM"]
    assert json.loads(found["ENTRYPOINT"][0]) == ["alsbot"]
    assert json.loads(found["CMD"][0]) == ["run"]
    env = dict(pair.split("=", 1) for pair in found["ENV"][-1].split())
    assert env["ALSBOT_DATABASE_URL"] == "sqlite+aiosqlite:////data/alsbot.db"
    assert env["ALSBOT_HEALTH_PORT"] == "8081" and env["ALSBOT_HEALTH_HOST"] == "127.0.0.1"
    assert "useradd --system --uid 10001" in " ".join(found["RUN"])


def test_the_build_context_holds_what_the_image_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    copied = [part for line in dockerfile()["COPY"] for part in line.split()[:-1]]
    assert copied == ["pyproject.toml", "README.md", "bot", "adapters", "jobs"]
    assert not set(copied) & ignored
    assert {".git", ".venv", "tests", "*.db", "*.env"} <= ignored


def test_the_build_context_installs_an_alsbot_that_runs(tmp_path: Path) -> None:
    """What `pip install .` makes of the files the image copies, without an engine: a wheel
    (not the editable install every other test uses, which would hide a data file left
    out of the package), run from where it was unpacked."""
    context = tmp_path / "context"
    context.mkdir()
    for name in [part for line in dockerfile()["COPY"] for part in line.split()[:-1]]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, context / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(tmp_path / "wheel"), str(context)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if built.returncode != 0 and re.search(r"No matching distribution|connection", built.stderr):
        pytest.skip(f"pip could not fetch the build backend: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "wheel").glob("alsbot-*.whl")
    unpacked = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    env = child_env({"PYTHONPATH": str(unpacked)})

    def alsbot(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", RUN_FROM_WHEEL, *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert alsbot("db", "upgrade", "--db", str(tmp_path / "a.db")).endswith("revision 0010\n")
    assert "saved as do #1" in alsbot("demo")


# The CLI, refusing to run from anywhere but the unpacked wheel.
RUN_FROM_WHEEL = """
import os, sys
import adapters, bot
for package in (adapters, bot):
    assert package.__file__.startswith(os.environ["PYTHONPATH"]), package.__file__
from adapters.cli import main
main(sys.argv[1:])
"""


@pytest_asyncio.fixture
async def health_server() -> AsyncIterator[dict[str, int]]:
    """A `/healthz` answering whatever status the test sets."""
    state = {"status": 200, "port": 0}

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": state["status"] == 200}, status=state["status"])

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    state["port"] = free_port()
    await web.TCPSite(runner, "127.0.0.1", state["port"]).start()
    try:
        yield state
    finally:
        await runner.cleanup()


async def healthcheck_exit(port: int | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "ALSBOT_HEALTH_PORT"}
    if port is not None:
        env["ALSBOT_HEALTH_PORT"] = str(port)
    env["HTTP_PROXY"] = env["http_proxy"] = "http://127.0.0.1:9"  # must be ignored
    _python, *args = healthcheck_command()
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stderr=asyncio.subprocess.DEVNULL
    )
    return await asyncio.wait_for(process.wait(), 30)


@pytest.mark.asyncio
async def test_the_healthcheck_command_passes_on_200_and_fails_on_503_or_silence(
    health_server: dict[str, int],
) -> None:
    assert await healthcheck_exit(health_server["port"]) == 0
    health_server["status"] = 503
    assert await healthcheck_exit(health_server["port"]) == 1
    assert await healthcheck_exit(free_port()) == 1, "nothing listening"


# ---------------------------------------------------------------------- a real container


def docker_or_skip() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no container tool: docker is not installed")
    if subprocess.run([docker, "info"], capture_output=True, timeout=60).returncode != 0:
        pytest.skip("no container engine: docker info failed")
    return docker


async def docker_run(docker: str, *args: str, within: float = 120, check: bool = True) -> str:
    process = await asyncio.create_subprocess_exec(
        docker, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode == 0 or not check, f"docker {' '.join(args)}: {output.decode()}"
    return output.decode().strip()


@pytest.mark.asyncio
async def test_the_image_builds_runs_healthy_unprivileged_and_stops_cleanly() -> None:
    docker = docker_or_skip()
    tag = f"alsbot-test:{uuid.uuid4().hex[:8]}"
    await docker_run(docker, "build", "--tag", tag, str(ROOT), within=1200)
    name = f"alsbot-test-{uuid.uuid4().hex[:8]}"
    slack_port, health_port = free_port(), free_port()
    try:
        async with SlackWebApi() as api:
            # The host's network, so that the container reaches the Web API stand-in.
            await docker_run(
                docker, "run", "--detach", "--name", name, "--network", "host",
                "--health-interval", "1s", "--health-start-period", "60s",
                "--env", "ALSBOT_SLACK_ENABLED=true",
                "--env", f"ALSBOT_SLACK_API_BASE_URL={api.url}",
                "--env", f"ALSBOT_SLACK_PORT={slack_port}",
                "--env", f"ALSBOT_HEALTH_PORT={health_port}",
                "--env", f"SLACK_BOT_TOKEN={api.token}",
                "--env", f"SLACK_SIGNING_SECRET={SECRET}",
                tag,
            )  # fmt: skip

            async def healthy() -> bool:
                status = await docker_run(
                    docker, "inspect", "--format", "{{.State.Health.Status}}", name
                )
                assert status != "unhealthy", await docker_run(docker, "logs", name)
                return status == "healthy"

            await eventually(healthy, within=90, every=0.5, what="the container healthy")
            assert await docker_run(docker, "exec", name, "id", "-u") == "10001"
            body = json.dumps(sign.url_verification("from-the-test"))
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{slack_port}/slack/events"
                async with session.post(
                    url, data=body, headers=sign.signed_headers(SECRET, body)
                ) as response:
                    assert response.status == 200
                    assert "from-the-test" in await response.text()
            limit = str(int(stop_budget()) + 30)
            await docker_run(docker, "stop", "--time", limit, name, within=float(limit) + 30)
            code = await docker_run(docker, "inspect", "--format", "{{.State.ExitCode}}", name)
            assert code == "0", await docker_run(docker, "logs", name)
    finally:
        await docker_run(docker, "rm", "--force", "--volumes", name, check=False)
        await docker_run(docker, "rmi", "--force", tag, check=False)

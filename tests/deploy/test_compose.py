"""docker-compose.yml: PostgreSQL, the schema once, two bots, and nginx as the only way in.

Read with PyYAML (merge keys resolved, as Compose does). `docker compose config` checks it
too where the Compose plugin is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import load_config
from tests.deploy.test_container import dockerfile, healthcheck_command
from tests.deploy.units import DEPLOY, ROOT, seconds, stop_budget

BOTS = ("bot-a", "bot-b")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return loaded


def env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_the_services_are_postgres_the_migration_two_bots_and_the_proxy() -> None:
    assert set(compose()["services"]) == {"postgres", "migrate", *BOTS, "proxy"}


def test_postgres_keeps_its_data_and_says_when_it_is_ready() -> None:
    postgres = compose()["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert postgres["env_file"] == "postgres.env"
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in compose()["volumes"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]


def test_the_schema_is_upgraded_once_before_the_bots_start() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for bot in BOTS:
        wait = services[bot]["depends_on"]["migrate"]["condition"]
        assert wait == "service_completed_successfully"


def test_two_bots_with_their_own_names_secrets_from_a_file_and_time_to_stop() -> None:
    services = compose()["services"]
    names = {services[bot]["environment"]["ALSBOT_SCHEDULER_PROCESS_NAME"] for bot in BOTS}
    assert names == set(BOTS)
    for name in ("migrate", *BOTS):
        service = services[name]
        assert service["env_file"] == "alsbot.env" and service["image"] == "alsbot:local"
        assert service["build"] == "."
    for bot in BOTS:
        assert services[bot]["restart"] == "unless-stopped"
        assert seconds(services[bot]["stop_grace_period"]) >= stop_budget() + 30


def test_the_bots_healthcheck_is_the_image_s() -> None:
    """One command, in the Dockerfile and in compose (compose's replaces the image's)."""
    for bot in BOTS:
        check = compose()["services"][bot]["healthcheck"]
        assert check["test"] == ["CMD", *healthcheck_command()]
        assert seconds(check["timeout"]) < seconds(check["interval"])


def test_only_the_proxy_is_reachable_from_outside() -> None:
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = services["proxy"]
    assert sorted(proxy["ports"]) == ["443:443", "80:80"]
    assert "./deploy/nginx/compose.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert "./deploy/tls:/etc/nginx/tls:ro" in proxy["volumes"]


def test_the_example_env_files_give_a_working_configuration() -> None:
    """What the image sets, then alsbot.env: PostgreSQL on the compose network, both
    platforms, the health server on, Slack listening for the proxy."""
    bots = env_file(DEPLOY / "compose" / "alsbot.env.example")
    image = dict(line.split("=", 1) for line in dockerfile()["ENV"][-1].split())
    config = load_config(None, env={**image, **bots})
    assert config.database.url.startswith("postgresql+asyncpg://alsbot:")
    assert config.database.url.endswith("@postgres:5432/alsbot")
    assert config.slack.enabled and config.slack.mode == "http" and config.discord.enabled
    assert (config.slack.host, config.slack.port) == ("0.0.0.0", 3000)
    assert (config.health.host, config.health.port) == ("127.0.0.1", 8081)
    postgres = env_file(DEPLOY / "compose" / "postgres.env.example")
    password = config.database.url.split("alsbot:", 1)[1].split("@", 1)[0]
    assert postgres == {"POSTGRES_PASSWORD": password}


def test_the_secret_files_are_never_committed_nor_built_into_the_image() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"alsbot.env", "postgres.env", "deploy/tls/"} <= set(ignored)
    assert "*.env" in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no container tool: docker is not installed")
    if subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed: the file was only parsed")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    for name in ("alsbot.env", "postgres.env"):
        shutil.copy(DEPLOY / "compose" / f"{name}.example", tmp_path / name)
    done = subprocess.run(
        [docker, "compose", "config", "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr

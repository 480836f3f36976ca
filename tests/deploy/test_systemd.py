"""The systemd units in deploy/systemd: what an operator relies on, and systemd's own check.

`systemd-analyze verify` loads a unit as systemd would (unknown keys, bad values, a
command that is not there); it runs here on copies whose `/opt/alsbot/bin/alsbot` is this
checkout's, and is skipped where it cannot run at all.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from testkit.worlds.live import ALSBOT
from tests.deploy.units import DEPLOY, read_unit, seconds, stop_budget

UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/alsbot/bin/alsbot"


def test_there_is_a_unit_for_one_process_and_a_template_for_several() -> None:
    assert [unit.name for unit in UNITS] == ["alsbot.service", "alsbot@.service"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_the_unit_runs_alsbot_unprivileged_restarting_on_failure(path: Path) -> None:
    service = read_unit(path)["Service"]
    assert service["User"] == ["alsbot"] and service["Group"] == ["alsbot"]
    run = shlex.split(service["ExecStart"][0])
    assert run == [INSTALLED, "run", "--config", "/etc/alsbot/alsbot.toml"]
    [check] = service["ExecStartPre"]
    assert shlex.split(check)[1:] == ["check-config", "--config", "/etc/alsbot/alsbot.toml"]
    assert service["EnvironmentFile"][0] == "/etc/alsbot/alsbot.env"
    assert service["Restart"] == ["on-failure"] and seconds(service["RestartSec"][0]) >= 1
    assert service["WorkingDirectory"] == ["/var/lib/alsbot"]
    assert service["KillSignal"] == ["SIGTERM"]
    assert read_unit(path)["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_waits_for_alsbot_to_stop_before_killing_it(path: Path) -> None:
    [timeout] = read_unit(path)["Service"]["TimeoutStopSec"]
    assert seconds(timeout) >= stop_budget() + 30, "with room for aiohttp's own drain"


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_the_unit_may_write_only_its_state_directory(path: Path) -> None:
    service = read_unit(path)["Service"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/alsbot",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "StateDirectory": "alsbot",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[key] == [value], key


def test_each_instance_of_the_template_has_its_own_name_and_ports() -> None:
    service = read_unit(DEPLOY / "systemd" / "alsbot@.service")["Service"]
    assert service["Environment"] == ["ALSBOT_SCHEDULER_PROCESS_NAME=%H-%i"]
    # Optional ("-"), and read after the shared file, so it overrides it.
    assert service["EnvironmentFile"] == ["/etc/alsbot/alsbot.env", "-/etc/alsbot/%i.env"]


def test_the_units_differ_only_where_the_template_must() -> None:
    one, many = (read_unit(path) for path in UNITS)
    for section in ("Service", "Install"):
        for key in one[section].keys() | many[section].keys():
            if key not in ("Environment", "EnvironmentFile"):
                assert one[section].get(key) == many[section].get(key), key


def verify_works(directory: Path, analyze: str) -> bool:
    probe = directory / "probe.service"
    probe.write_text("[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", str(probe)], capture_output=True, text=True, timeout=60
    )
    probe.unlink()
    return done.returncode == 0 and not done.stderr.strip()


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_systemd_analyze_verify_finds_nothing_to_say(path: Path, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units were only parsed")
    if not verify_works(tmp_path, analyze):
        pytest.skip("systemd-analyze verify cannot run here (a minimal unit fails too)")
    name = path.name.replace("@.", "@a.")  # an instance of the template
    copy = tmp_path / name
    copy.write_text(path.read_text(encoding="utf-8").replace(INSTALLED, str(ALSBOT)), "utf-8")
    done = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    said = [line for line in (done.stdout + done.stderr).splitlines() if name in line]
    assert said == [], "\n".join(said)

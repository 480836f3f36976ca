"""Running `alsbot` as an operator does: `check-config` through click's runner (in this
process), `run` as its own process (real start-up, real exit), each with only the
environment given."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.cli import main

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


def run_alsbot(
    env: Mapping[str, str], cwd: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return subprocess.run(
        [str(ALSBOT), "run", *args],
        env={**keep, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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

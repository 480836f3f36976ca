"""Running a console session from a test: open it at a given time, play lines, see output."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.runner import ConsoleRunner
from adapters.console.session import console_session
from bot.config import load_config

ROOT = Path(__file__).resolve().parents[3]


@asynccontextmanager
async def console_at(
    tmp_path: Path, start: datetime, *lines: str
) -> AsyncIterator[tuple[ConsoleRunner, io.StringIO]]:
    """A console session on a fresh database, its clock at `start`, `lines` already played."""
    out = io.StringIO()
    async with console_session(
        load_config(None, {}), out, db_path=str(tmp_path / "console.db"), start=start
    ) as runner:
        await play(runner, *lines)
        yield runner, out


async def play(runner: ConsoleRunner, *lines: str) -> None:
    assert await runner.run_lines(lines) == 0, runner.problems


async def play_and_show(runner: ConsoleRunner, out: io.StringIO, *lines: str) -> str:
    """Play `lines` and return what the console printed while they ran."""
    mark = len(out.getvalue())
    await play(runner, *lines)
    return out.getvalue()[mark:]


def alsbot(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`alsbot ARGS` as a user runs it: a real subprocess, never on a configured database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ALSBOT_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


async def script_in_process(tmp_path: Path, start: datetime, lines: Sequence[str]) -> str:
    """A console script played through `ConsoleRunner`; every line must run cleanly."""
    out = io.StringIO()
    async with console_session(
        load_config(None, {}), out, db_path=str(tmp_path / "script.db"), start=start
    ) as runner:
        problems = await runner.run_lines(lines)
    assert problems == 0, out.getvalue()
    return out.getvalue()


def script_as_a_user(tmp_path: Path, start: datetime, lines: Sequence[str]) -> str:
    """The same script saved to a file and run as `alsbot console --script` must exit 0."""
    script = tmp_path / "script.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    result = alsbot("console", "--script", str(script), "--start", at, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def assert_in_order(out: str, markers: Sequence[str]) -> None:
    """Each marker appears in `out`, and after the one before it."""
    at = 0
    for marker in markers:
        found = out.find(marker, at)
        assert found >= 0, f"{marker!r} missing or out of order after:\n{out[at - 400 : at]}"
        at = found + len(marker)


def script_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()

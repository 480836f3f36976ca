"""Running a console session from a test: open it at a given time, play lines, see output."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from adapters.console.runner import ConsoleRunner
from adapters.console.session import console_session
from bot.config import load_config


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

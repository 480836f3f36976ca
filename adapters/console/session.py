"""Building a console session: an app on a (by default throw-away) SQLite file."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.console.runner import ConsoleRunner
from adapters.console.world import ConsoleWorld
from bot.app import Alsbot
from bot.clock import FakeClock
from bot.config import Config

DEMO_START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
DEMO_SCRIPT = Path(__file__).with_name("demo.txt")


@asynccontextmanager
async def console_session(
    config: Config,
    out: TextIO,
    *,
    db_path: str | None = None,
    start: datetime | None = None,
    files_dir: Path | None = None,
) -> AsyncIterator[ConsoleRunner]:
    with tempfile.TemporaryDirectory(prefix="alsbot-") as scratch:
        url = (
            f"sqlite+aiosqlite:///{db_path}"
            if db_path
            else f"sqlite+aiosqlite:///{Path(scratch) / 'alsbot.db'}"
        )
        clock = FakeClock(start or datetime.now(UTC).replace(microsecond=0))
        app = await Alsbot.open(config.with_database(url), clock=clock)
        world = ConsoleWorld(
            clock=clock, out=out, tz=ZoneInfo(config.defaults.timezone), files_dir=files_dir
        )
        try:
            yield ConsoleRunner(app, world)
        finally:
            await app.close()

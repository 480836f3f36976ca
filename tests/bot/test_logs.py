"""Operators' logs (bot/logs.py): each format as `alsbot run` writes it, through the real core.

The failing event is real: a trigger makes the database refuse to save a do, so the
handler's exception is SQLAlchemy's, whose message quotes the row — the person's words.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import logs
from bot.store.models import Inbox
from jobs.ticker import Ticker
from testkit.eventually import eventually
from testkit.harness import Harness
from tests.bot.dos.dos_helpers import make_set, msg, react, rows

WORDS = "Ask what they have already tried zqxwv"  # typed by a person; never in a JSON line


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """`logs.configure` writing to a buffer; the process's logging is put back after."""
    touched = [logging.getLogger(), *(logging.getLogger(name) for name in logs.QUIET)]
    levels = [logger.level for logger in touched]
    buffer = io.StringIO()
    yield buffer
    logs.unconfigure()
    for logger, level in zip(touched, levels, strict=True):
        logger.setLevel(level)


async def fail_saving_a_do(h: Harness) -> str:
    """React to a message, with the database refusing the do; returns the event's key."""
    await make_set(h)
    async with h.app.store.write() as conn:
        await conn.exec_driver_sql(
            "CREATE TRIGGER no_dos BEFORE INSERT ON dos BEGIN SELECT RAISE(ABORT, 'full'); END"
        )
    await react(h, "carol", msg(1), author="dave", text=WORDS, key="test:react:logs")
    [row] = await rows(h, Inbox, Inbox.__table__.c.key == "test:react:logs")
    assert row.status == "failed", "the do could not be saved: the event failed"
    return row.key


@pytest.mark.asyncio
async def test_json_lines_carry_the_event_and_set_and_never_a_persons_words(
    h: Harness, configured: io.StringIO
) -> None:
    logs.configure("info", "json", configured)
    key = await fail_saving_a_do(h)
    logging.getLogger("adapters.runtime").info("alsbot is running (%s)", "slack")

    lines = [json.loads(line) for line in configured.getvalue().splitlines()]
    [failed] = [line for line in lines if line["level"] == "ERROR"]
    assert failed["logger"] == "bot.processor" and key in failed["message"]
    assert failed["event"] == key and failed["set"] == 1, "the set found by the handler"
    assert failed["exception"] == "sqlalchemy.exc.IntegrityError"
    assert "capture.py" in failed["stack"], "where it failed is kept"
    assert failed["time"].endswith("+00:00")
    running = lines[-1]
    assert running["message"] == "alsbot is running (slack)" and running["level"] == "INFO"
    assert "event" not in running and "set" not in running, "not about an event"
    assert "zqxwv" not in configured.getvalue()


@pytest.mark.asyncio
async def test_text_lines_as_a_terminal_shows_them(h: Harness, configured: io.StringIO) -> None:
    logs.configure("warning", "text", configured)
    key = await fail_saving_a_do(h)
    logging.getLogger("adapters.runtime").info("alsbot is running (%s)", "slack")

    out = configured.getvalue()
    when, first = out.splitlines()[0].split(" ", 1)
    assert first == f"ERROR bot.processor: handling {key} (ReactionAdded) failed"
    assert abs(datetime.fromisoformat(when) - datetime.now(UTC)) < timedelta(minutes=1), when
    assert when.endswith("+00:00") and "." in when, "ISO 8601 in UTC, to the millisecond"
    assert "Traceback" in out and "IntegrityError" in out, "the terminal gets the whole story"
    assert "alsbot is running" not in out, "level = warning hides the lifecycle"


@pytest.mark.asyncio
async def test_the_scheduler_logs_no_line_per_tick(configured: io.StringIO) -> None:
    class Target:
        ticks = 0

        async def tick(self) -> int:
            self.ticks += 1
            return 0

        async def prune(self) -> object:
            return None

    logs.configure("info", "text", configured)
    target = Target()
    ticker = Ticker(target, every_seconds=0.05)
    ticker.start()
    try:
        await eventually(lambda: target.ticks >= 3, within=2.0, every=0.01, what="three ticks")
    finally:
        await ticker.stop()
    assert target.ticks >= 3
    assert configured.getvalue() == "", "APScheduler's 'Running job' lines are held back"
    logging.getLogger("apscheduler.scheduler").warning("a real problem")
    assert "WARNING apscheduler.scheduler: a real problem" in configured.getvalue()


def test_configure_replaces_only_its_own_handler(configured: io.StringIO) -> None:
    other = logging.NullHandler()
    logging.getLogger().addHandler(other)
    try:
        logs.configure("info", "text", io.StringIO())
        logs.configure("info", "json", configured)
        logging.getLogger("bot.test").warning("once")
        assert [json.loads(line)["message"] for line in configured.getvalue().splitlines()] == [
            "once"
        ], "one alsbot handler, not two"
        assert other in logging.getLogger().handlers, "a host's own handler stays"
    finally:
        logging.getLogger().removeHandler(other)


@pytest.mark.parametrize(("level", "fmt"), [("loud", "text"), ("info", "xml")])
def test_bad_settings_are_refused(level: str, fmt: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        logs.configure(level, fmt, io.StringIO())


def test_debug_is_alsbots_own_never_the_sdks_payload_dumps(configured: io.StringIO) -> None:
    """discord.py and slack_sdk print whole payloads at DEBUG (people's words, interaction
    tokens, response_urls); `level = "debug"` must not turn those on."""
    logs.configure("debug", "text", configured)
    logging.getLogger("bot.test").debug("alsbot's own detail")
    logging.getLogger("discord.gateway").debug("WebSocket Event: %s", WORDS)
    logging.getLogger("discord.http").debug("POST /webhooks/1/SECRETTOKEN has returned 200")
    logging.getLogger("slack_sdk.web.base_client").debug("Sending a request: %s", WORDS)
    logging.getLogger("discord.gateway").info("Shard ID None has connected to Gateway")
    written = configured.getvalue()
    assert "alsbot's own detail" in written and "has connected to Gateway" in written
    assert WORDS not in written and "SECRETTOKEN" not in written


def test_a_quieter_level_is_not_undercut_by_the_floors(configured: io.StringIO) -> None:
    logs.configure("error", "text", configured)
    logging.getLogger("discord.gateway").info("connected")
    logging.getLogger("apscheduler.scheduler").warning("a routine warning")
    assert configured.getvalue() == ""

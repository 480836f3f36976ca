"""Logging for operators: one setup for every command, text or JSON, with each line tied
to the event it is about.

Levels mean what an operator expects: INFO is the lifecycle (listening, connected,
running) and the odd fallback worth knowing about, WARNING and ERROR are problems, and
nothing logs a line per scheduler tick at INFO (APScheduler would: two lines every tick,
so its loggers are held at WARNING).

The JSON format is for hosted use, where lines are collected and searched: one object per
line with `time`, `level`, `logger`, `message` and — while the processor is applying an
event — `event` (its inbox key) and `set` (the set's id, once the handler has found it).
It never carries a person's words: exceptions appear as their type and stack only, because
an exception's own message can quote them (a database error lists the row it was writing).

Only the standard library is used, so the core can mark its lines with `about()`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMATS = ("text", "json")
# The time first, in UTC as ISO 8601 (`2026-01-12T10:00:00.123+00:00`): a file or
# `docker logs` has no other, and it reads the same as the JSON lines' `time`.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines are routine chatter, not news: APScheduler's come every tick,
# Alembic's plugin list on every start (its "Running upgrade …" lines stay).
QUIET = {
    "apscheduler": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
    # The platform SDKs' DEBUG lines print whole payloads: people's words, interaction
    # tokens, response_urls. `level = "debug"` is for alsbot's own lines; theirs stay at INFO.
    "discord.gateway": logging.INFO,
    "discord.http": logging.INFO,
    "discord.webhook": logging.INFO,
    "discord.client": logging.INFO,
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
}


@dataclass(frozen=True, slots=True)
class _About:
    key: str
    set_id: Callable[[], int | None]


_ABOUT: ContextVar[_About | None] = ContextVar("alsbot_log_about", default=None)


def _no_set() -> int | None:
    return None


@contextmanager
def about(key: str, set_id: Callable[[], int | None] = _no_set) -> Iterator[None]:
    """Lines logged inside carry this event's key and its set's id.

    `set_id` is asked at each line, not once: a handler finds the set part-way through
    (`ctx.set_id`), and lines after that should name it.
    """
    token = _ABOUT.set(_About(key, set_id))
    try:
        yield
    finally:
        _ABOUT.reset(token)


class EventFields(logging.Filter):
    """Adds `event` and `set` to every record (None outside an event)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _ABOUT.get()
        record.event = current.key if current else None
        record.set = current.set_id() if current else None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": _iso_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event, set_id = getattr(record, "event", None), getattr(record, "set", None)
        if event is not None:
            line["event"] = event
        if set_id is not None:
            line["set"] = set_id
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, stack = record.exc_info
            line["exception"] = f"{kind.__module__}.{kind.__qualname__}"
            line["stack"] = "".join(traceback.format_tb(stack))
        return json.dumps(line, ensure_ascii=False, default=str)


def _iso_time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return _iso_time(record)


class _Handler(logging.Handler):
    """alsbot's own root handler, so `configure` replaces only what it installed.

    Without a stream it writes to whatever `sys.stderr` is at the time (as logging's
    last-resort handler does), never to a stream that was swapped out and closed since.
    """

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self._stream if self._stream is not None else sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Install (or replace) alsbot's one handler on the root logger.

    Other handlers are left alone: a test runner's capture keeps working.
    """
    if level.lower() not in LEVELS:
        raise ValueError(f"logging level must be one of {', '.join(LEVELS)}, not {level!r}")
    if fmt not in FORMATS:
        raise ValueError(f"logging format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler(stream)
    handler.addFilter(EventFields())
    handler.setFormatter(JsonLines() if fmt == "json" else TextLines())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, floor in QUIET.items():  # a floor, never below the level asked for
        logging.getLogger(name).setLevel(max(floor, root.level))


def unconfigure() -> None:
    """Take alsbot's handler off again (tests that configured logging in-process)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)

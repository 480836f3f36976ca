"""Runs a module (`alsbot run`) while counting the SQL it sends through SQLAlchemy.

How many statements and commits an event costs is the figure that explains alsbot's
distance from the same-work floor, and it cannot be read from outside the process.
Listeners on the `Engine` class see every engine, the async ones included (each wraps a
sync `Engine`): `before_cursor_execute` once per statement — an executemany once — and
`commit`/`rollback` per transaction end.  alsbot begins its transactions with a raw
`BEGIN [IMMEDIATE]` (`bot.store.db`), counted apart from the statements, and commits
through the driver's `commit()`, which fires the `commit` event; a raw `COMMIT`, if one
were sent, is counted as a commit too.  SQLite calls made outside SQLAlchemy (the
background WAL checkpoint) are not counted.

On SIGUSR1 the counts so far are written, as JSON, to the file named by
`BENCH_SQL_COUNTS_PATH` (written aside and renamed in, so a reader never sees half).

    python -m bench._sql_counting adapters.cli run --config alsbot.toml
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

PATH_ENV = "BENCH_SQL_COUNTS_PATH"
counts = {"statements": 0, "begins": 0, "commits": 0, "rollbacks": 0}


def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
    verb = statement.lstrip()[:8].upper()
    if verb.startswith("BEGIN"):
        counts["begins"] += 1
    elif verb.startswith(("COMMIT", "END")):
        counts["commits"] += 1
    elif verb.startswith("ROLLBACK") and "TO" not in statement.upper():
        counts["rollbacks"] += 1
    else:
        counts["statements"] += 1


def _commit(_conn: Any) -> None:
    counts["commits"] += 1


def _rollback(_conn: Any) -> None:
    counts["rollbacks"] += 1


def _dump(_signum: int, _frame: FrameType | None) -> None:
    path = os.environ.get(PATH_ENV)
    if not path:
        return
    with open(f"{path}.tmp", "w", encoding="utf-8") as out:
        json.dump(counts, out)
    os.replace(f"{path}.tmp", path)


def install() -> None:
    event.listen(Engine, "before_cursor_execute", _statement)
    event.listen(Engine, "commit", _commit)
    event.listen(Engine, "rollback", _rollback)
    signal.signal(signal.SIGUSR1, _dump)


if __name__ == "__main__":
    install()
    module, sys.argv = sys.argv[1], sys.argv[1:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)

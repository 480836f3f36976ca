"""`alsbot db backup`: a consistent copy of a SQLite database, safe while the bot runs.

In WAL mode the newest commits live in `alsbot.db-wal` until a checkpoint copies them
into `alsbot.db`, so copying `alsbot.db` alone (cp, rsync, a disk snapshot of one file)
misses them, or catches the file half-written. `VACUUM INTO` reads one snapshot through
SQLite, WAL included, inside a read transaction that never blocks the bot's writer, and
writes a compact, self-contained file (no `-wal` of its own). PostgreSQL has `pg_dump`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from bot.store.db import sqlite_file

BUSY_TIMEOUT_S = 15.0


class BackupError(Exception):
    """Why no backup was written, in one line for the operator."""


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    size: int


def backup_sqlite(url: str, target: Path) -> Backup:
    """Copy the database `url` names to `target`, which must not exist yet.

    The copy is written beside `target` under a temporary name and renamed only once it
    passes `PRAGMA quick_check`, so a failed or interrupted backup never leaves a file
    that looks like a good one.
    """
    file = sqlite_file(url)
    if file is None and make_url(url).get_backend_name() != "sqlite":
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump (docs/DEPLOY.md), "
            "e.g. pg_dump --format=custom --file=alsbot.dump DBNAME"
        )
    if file is None:
        raise BackupError("the database is in memory: there is nothing to back up")
    source = file.path
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    if target == source:
        raise BackupError("the backup must be a different file from the database")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # mode=rw, not ro: never creates a missing database, and as the last connection
        # to a stopped one it removes the `-wal`/`-shm` it made on closing. A read-only
        # one would leave an `-shm` behind, owned by whoever ran the backup (root, say),
        # which the bot could then not open.
        with contextlib.closing(
            sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
        ) as conn:
            conn.execute("VACUUM INTO ?", (str(partial),))
        with contextlib.closing(
            sqlite3.connect(f"file:{quote(str(partial))}?mode=ro", uri=True)
        ) as copy:
            [verdict] = copy.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy failed its check ({verdict}); the database may be damaged")
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot back up {source}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(source, target, target.stat().st_size)

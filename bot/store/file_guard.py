"""The SQLite file as something that can be lost: its identity, and one process per file.

SQLite keeps writing to a file it has open after that file is deleted or replaced: every
commit still succeeds, into an inode nobody can reach, and is gone at the next start.
A bot that acknowledges events on the strength of such commits loses them silently, so
the file's identity (device and inode) is remembered when the store opens and compared
with what the path names now (`problem`, one `os.stat`, cheap enough to run after every
inbox commit and every few seconds besides).  Once they differ they never agree again:
the open connections keep the old inode, so even a restored copy needs a restart.

Two `alsbot run` on one SQLite file would both claim timers and deliver replies through
one single-writer database; the second one is refused with an OS file lock (`flock`) on
`<database>.lock`, held for the life of the process.  Not a pid file: a pid file outlives
a crash (kill -9, power loss) and must then be judged stale by its pid, which a restarted
container or a reused pid makes wrong in both directions; the kernel drops a `flock` when
its holder dies, however it dies, so it can neither go stale nor be taken twice.
PostgreSQL has neither problem: several processes are how it is meant to be run.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class StoreUnavailable(RuntimeError):
    """The database cannot keep what is written to it now; nothing may be acknowledged."""


class StoreLocked(StoreUnavailable):
    """Another process runs alsbot on this SQLite file."""


class DatabaseFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity: tuple[int, int] | None = None
        self._lock_fd: int | None = None

    @property
    def name(self) -> str:
        return str(self.path)

    def remember(self) -> None:
        """Take the file's identity now (after it was opened or created)."""
        with contextlib.suppress(FileNotFoundError):
            st = os.stat(self.path)
            self._identity = (st.st_dev, st.st_ino)

    def problem(self) -> str | None:
        """Why writes to this file would be lost now, or None when it is the file opened."""
        if self._identity is None:
            self.remember()
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return f"the database file {self.name} was deleted while alsbot was running"
        except OSError as error:
            return f"the database file {self.name} cannot be examined: {error.strerror}"
        if (st.st_dev, st.st_ino) != self._identity:
            return f"the database file {self.name} was replaced while alsbot was running"
        return None

    def check_folder(self) -> None:
        """Refuse a file whose folder is not there: made silently, a typo in the path would
        start an empty database wherever it points (and under systemd, relative to /)."""
        if not self.path.parent.is_dir():
            raise StoreUnavailable(
                f"the folder {self.path.parent} for the database file {self.path.name} does "
                "not exist — create it (writable by alsbot's user), or correct [database] url"
            )

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def lock(self) -> None:
        """Hold the file's process lock until `unlock` or the process's end."""
        if self._lock_fd is not None:
            return
        self.check_folder()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StoreUnavailable(
                f"cannot create {self.lock_path} ({error.strerror}): the database's "
                "directory must be writable"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise StoreLocked(
                f"another alsbot{f' (pid {holder})' if holder else ''} is already running on "
                f"{self.name}; one process per SQLite file (use PostgreSQL for several)"
            ) from None
        except OSError as error:
            os.close(fd)
            raise StoreUnavailable(f"cannot lock {self.lock_path}: {error.strerror}") from None
        # For people only: who holds it.  The lock, not this number, is what counts.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the lock
            self._lock_fd = None


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""

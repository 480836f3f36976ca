"""Named leases: one process at a time does a thing that must not be done twice at once.

The first user is the Discord gateway: with several processes on one PostgreSQL database,
exactly one of them holds it, and another takes over when the holder stops renewing (it
died, or lost the database). A lease is a row (`leases`: name, holder, until,
acquired_at) claimed by one atomic statement — INSERT, or on conflict take it over only
when it has run out or is already ours — so two processes asking at the same moment can
never both be told yes.

On SQLite there is one process per file (`adapters/runtime.py` locks it), so the lease is
always the asker's — the same statement without its condition: a process restarted after
a crash takes it at once instead of waiting out its own dead predecessor.

Time comes from the caller (the injected clock), so tests move it instead of sleeping;
holders compare their own `until` with their own clock, so the processes' clocks must
agree to within a small part of the lease (NTP does far better).
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.db import Store
from bot.store.models import Lease

LEASES = Lease.__table__


def host_and_pid() -> str:
    """A process's name when the operator gave none (`[scheduler] process_name`)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_name(process_name: str = "") -> str:
    """Who holds a lease: `[scheduler] process_name` (else host:pid), made unique per run.

    The suffix keeps two processes apart even when an operator gave both the same name
    (one EnvironmentFile for two units) or two containers share a host name and pid 1:
    the same name would let both think they held the lease.
    """
    base = process_name or host_and_pid()
    return f"{base}/{secrets.token_hex(3)}"


def _claim(dialect: str, name: str, holder: str, now: datetime, until: datetime) -> Any:
    shared = dialect != "sqlite"
    module = postgresql if shared else sqlite
    stmt = module.insert(LEASES).values(name=name, holder=holder, until=until, acquired_at=now)
    current = LEASES.c
    return stmt.on_conflict_do_update(
        index_elements=[current.name],
        set_={
            "holder": holder,
            "until": until,
            # Renewing keeps the time it was taken; taking it over starts a new tenure.
            "acquired_at": case((current.holder == holder, current.acquired_at), else_=now),
        },
        where=((current.until < now) | (current.holder == holder)) if shared else None,
    ).returning(current.holder)


class Leases:
    """The `leases` table, through the core's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def acquire(self, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
        """True if `holder` holds `name` until `now + duration`: it was free, had run out,
        or was already `holder`'s (then this renews it). False while someone else holds it
        (never on SQLite)."""
        statement = _claim(self.store.dialect, name, holder, now, now + duration)
        async with self.store.write() as conn:
            row = (await conn.execute(statement)).first()
        return row is not None and row[0] == holder

    async def release(self, name: str, holder: str) -> bool:
        """Give `name` up at once (a planned stop), if `holder` still holds it."""
        async with self.store.write() as conn:
            done = await conn.execute(
                delete(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder)
            )
        return bool(done.rowcount)

    async def holder(self, name: str, now: datetime) -> str | None:
        """Who holds `name` at `now`, or None when nobody does (free, or run out)."""
        async with self.store.read() as conn:
            row = (
                await conn.execute(
                    select(LEASES.c.holder).where(LEASES.c.name == name, LEASES.c.until >= now)
                )
            ).first()
        return None if row is None else str(row[0])

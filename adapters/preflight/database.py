"""The database as `alsbot run` meets it: reachable, letting alsbot in, with its driver.

One line for each way a database refuses a start — nothing listening at host:port, a name
that does not resolve, a login or database name it does not know, a driver not installed
— with the host and port and the driver's own reason, never the password (the URL is
shown rendered with `***`).  The same line from `check-config --online` and from `run`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.preflight import ASYNC_URLS, Finding, Refused

# SQLSTATE classes a server answers a connection attempt with (PostgreSQL appendix A).
REFUSED_LOGIN = ("08", "28", "3D", "53", "57P0")
CONNECT_WITHIN = 10.0  # seconds for `check-config --online` to get an answer


def where(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the configured database"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def database_refusal(error: BaseException, url: str) -> Refused | None:
    """The one line for a database that refused the start, or None when `error` is not
    one of those (an unknown failure keeps its traceback)."""
    fix = "start PostgreSQL there, or correct the host and port in [database] url"
    if isinstance(error, (ModuleNotFoundError, NoSuchModuleError)):
        return Refused("[database] url names a driver that is not installed", f"use {ASYNC_URLS}")
    if isinstance(error, OSError):  # refused, unresolvable, unreachable, timed out
        reason = (
            "connection refused: nothing listens there"
            if isinstance(error, ConnectionRefusedError)
            else error.strerror or str(error) or type(error).__name__
        )
        return Refused(f"cannot connect to the database at {where(url)} ({reason})", fix)
    if isinstance(error, DBAPIError) and not error.connection_invalidated:
        state = str(getattr(error.orig, "sqlstate", "") or "")
        if state.startswith(REFUSED_LOGIN):
            reason = str(error.orig).strip().splitlines()[0] if error.orig else state
            return Refused(
                f"the database at {where(url)} refused alsbot ({reason})",
                "check the user, password and database name in [database] url",
            )
    return None


@contextlib.contextmanager
def refusing(url: str) -> Iterator[None]:
    """Around opening the store (`run`, `db upgrade`): a database that refuses is raised as
    its one line (`Refused`) instead of the driver's error; anything else passes as it is."""
    try:
        yield
    except Exception as error:
        refused = database_refusal(error, url)
        if refused is None:
            raise
        raise refused from None


async def check_database(url: str) -> list[Finding]:
    """Connect once (`check-config --online`); SQLite needs no connection to be checked."""
    timeout = CONNECT_WITHIN
    if make_url(url).get_backend_name() != "postgresql":
        return []
    engine = create_async_engine(url, connect_args={"timeout": timeout})
    try:
        async with asyncio.timeout(timeout + 1):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return [
            Finding(
                f"the database at {where(url)} did not answer within {timeout:.0f}s",
                "check the host and port in [database] url, and the firewall",
            )
        ]
    except Exception as error:
        refused = database_refusal(error, url)
        if refused is None:
            raise
        return [refused.finding]
    finally:
        await engine.dispose()
    return []

"""A raw asyncpg connection to a test database, beside the bot's own pool: to create and
drop databases, or to hold a lock the bot must wait on."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.engine import make_url


async def connect(url: str) -> Any:
    """`url` is a SQLAlchemy URL (`postgresql+asyncpg://…`), as the tests configure the bot."""
    parts = make_url(url)
    return await asyncpg.connect(
        user=parts.username,
        password=parts.password,
        host=parts.host,
        port=parts.port or 5432,
        database=parts.database,
    )

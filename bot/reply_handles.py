"""Reply handles: how a private answer reaches its person from whichever process sends it.

A private answer on Slack is best sent through the command's `response_url` (it works in
any channel, where `chat.postEphemeral` needs the bot to be a member); on Discord it can
only be private as a response to the interaction, through its token.  Both come with the
event, and with several processes on one database the process that claims the reply from
the outbox is often not the one that received the event.  So the adapter hands the handle
to `submit` with its event and it is written in the inbox's own transaction (one more
INSERT in a commit the acknowledgement waits for anyway); the outlet of any process reads
it back by the reply's `cause`.

The rows are short-lived instead of encrypted: each carries `expires_at` (a response_url
lasts 30 minutes and 5 uses, an interaction token 15 minutes), nothing reads a row past
it, and retention deletes it on its next pass.  A handle is not a person's words, but
`forget-me` deletes a person's handles too.  The secret is never part of a `repr`, so it
cannot reach a log line by accident.

Every operation that two processes could race on is one conditional UPDATE: a use is
counted only while uses remain (`take_use`), and the "thinking…" original of a Discord
command is edited by exactly one process (`claim_original`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.store.db import Store
from bot.store.models import ReplyHandle
from bot.store.upsert import insert_ignore

TABLE = ReplyHandle.__table__
# Slack honours a response_url for 30 minutes and 5 uses; a minute is kept in hand.
SLACK_LIFETIME = timedelta(minutes=29)
SLACK_MAX_USES = 5
# A Discord interaction token lasts 15 minutes from the interaction; a followup started
# later than this might land after it (the in-memory tokens use the same margin).
DISCORD_LIFETIME = timedelta(minutes=15) - timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Handle:
    """What an adapter hands to `submit` with an event; also a row read back by `get`.

    `lifetime` is counted from the commit (the core's clock), so an adapter needs no clock
    of its own; `expires_at` and the counters are filled in by the database.
    """

    cause: str  # the event's idempotency key, which the outbox hands back as `cause`
    platform: str
    user_id: str  # the platform's own id of the person it may answer
    secret: str = field(repr=False)  # the response_url, or the interaction token
    lifetime: timedelta = SLACK_LIFETIME
    application_id: str | None = None  # Discord: whose interaction webhook
    thinking: bool = False  # Discord: a "thinking…" original waits to be edited
    deferred: bool | None = None  # Discord: None until the deferral was tried
    original_used: bool = False
    uses: int = 0
    created_at: datetime | None = None
    expires_at: datetime | None = None


def row_values(handle: Handle, now: datetime) -> dict[str, Any]:
    return {
        "cause": handle.cause,
        "platform": handle.platform,
        "user_id": handle.user_id,
        "secret": handle.secret,
        "application_id": handle.application_id,
        "thinking": handle.thinking,
        "deferred": handle.deferred,
        "original_used": False,
        "uses": 0,
        "created_at": now,
        "expires_at": now + handle.lifetime,
    }


async def insert(conn: AsyncConnection, dialect: str, handles: list[Handle], now: datetime) -> None:
    """Within the caller's transaction (the inbox's).  The first handle for a cause wins:
    a replayed event carries the same one, and its uses must not start again."""
    if handles:
        statement = insert_ignore(TABLE, dialect, ["cause"])
        await conn.execute(statement, [row_values(h, now) for h in handles])


async def remember(store: Store, handle: Handle, now: datetime) -> None:
    async with store.write() as conn:
        await insert(conn, store.dialect, [handle], now)


async def take_use(
    store: Store, cause: str, user_id: str, now: datetime, max_uses: int
) -> str | None:
    """The secret, counting one use, if it is for `user_id`, unexpired and not used up."""
    statement = (
        update(TABLE)
        .where(
            TABLE.c.cause == cause,
            TABLE.c.user_id == user_id,
            TABLE.c.uses < max_uses,
            TABLE.c.expires_at > now,
        )
        .values(uses=TABLE.c.uses + 1)
        .returning(TABLE.c.secret)
    )
    async with store.write() as conn:
        found = (await conn.execute(statement)).first()
    return None if found is None else str(found[0])


async def settle_deferred(store: Store, cause: str, deferred: bool) -> None:
    async with store.write() as conn:
        await conn.execute(update(TABLE).where(TABLE.c.cause == cause).values(deferred=deferred))


async def claim_original(store: Store, cause: str, now: datetime) -> bool | None:
    """True for the one caller that may edit the "thinking…" original; False once it is
    taken (or there is none); None when no live handle is stored for `cause`."""
    statement = (
        update(TABLE)
        .where(
            TABLE.c.cause == cause,
            TABLE.c.thinking,
            ~TABLE.c.original_used,
            TABLE.c.expires_at > now,
        )
        .values(original_used=True)
        .returning(TABLE.c.cause)
    )
    async with store.write() as conn:
        if (await conn.execute(statement)).first() is not None:
            return True
        exists = select(TABLE.c.cause).where(TABLE.c.cause == cause, TABLE.c.expires_at > now)
        return False if (await conn.execute(exists)).first() is not None else None


async def get(store: Store, cause: str, now: datetime) -> Handle | None:
    """The live handle for `cause` (None once expired, even before retention deletes it)."""
    async with store.read() as conn:
        row = (
            await conn.execute(
                select(TABLE).where(TABLE.c.cause == cause, TABLE.c.expires_at > now)
            )
        ).first()
    if row is None:
        return None
    return Handle(
        cause=row.cause,
        platform=row.platform,
        user_id=row.user_id,
        secret=row.secret,
        lifetime=row.expires_at - row.created_at,
        application_id=row.application_id,
        thinking=bool(row.thinking),
        deferred=row.deferred,
        original_used=bool(row.original_used),
        uses=int(row.uses),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def forget_person(
    conn: AsyncConnection, platform: str, user_id: str, *, keep: str | None = None
) -> None:
    """`forget-me`: their handles go, except `keep` (the forget-me command's own, which
    still has to tell them it is done)."""
    where = (TABLE.c.platform == platform) & (TABLE.c.user_id == user_id)
    if keep is not None:
        where &= TABLE.c.cause != keep
    await conn.execute(delete(TABLE).where(where))


class ReplyHandles:
    """The operations above bound to one store and the core's clock, for the adapters."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def now(self) -> datetime:
        return self.clock.now()

    async def remember(self, handle: Handle) -> None:
        await remember(self.store, handle, self.now())

    async def take_use(self, cause: str, user_id: str, max_uses: int) -> str | None:
        return await take_use(self.store, cause, user_id, self.now(), max_uses)

    async def settle_deferred(self, cause: str, deferred: bool) -> None:
        await settle_deferred(self.store, cause, deferred)

    async def claim_original(self, cause: str) -> bool | None:
        return await claim_original(self.store, cause, self.now())

    async def get(self, cause: str) -> Handle | None:
        return await get(self.store, cause, self.now())

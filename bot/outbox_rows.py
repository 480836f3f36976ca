"""Writing replies into the outbox, in the transaction of the effect that caused them.

Each reply goes to a lane (`lane_and_platform`): delivery is in order within a lane and
the lanes run at once (`bot.outbox.Deliverer`).  A channel's posts share its lane; private
replies get a lane per person — a person's ephemerals in one channel, or their DMs — so
that confirmations to different people never wait on each other, or on a busy channel.

`SliceRows` gathers the rows of a whole processor slice and inserts them with one
statement at its end (`bot.processor`): one INSERT per slice, not one per event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.replies import (
    Direct,
    Edit,
    Ephemeral,
    File,
    FileRequest,
    GroupDirect,
    Post,
    Reply,
    reply_to_json,
)
from bot.store.models import Outbox

log = logging.getLogger(__name__)
OUTBOX = Outbox.__table__
FILE_LANE = "file:"
PRIVATE_LANE = "eph:"
DM_LANE = "dm:"
GROUP_LANE = "group:"
_INSERT = insert(OUTBOX)
_WHERE_HANDLE_WENT = (
    select(OUTBOX.c.lane, OUTBOX.c.platform)
    .where(OUTBOX.c.handle == bindparam("b_handle"))
    .order_by(OUTBOX.c.id)
    .limit(1)
)


def lane_and_platform(reply: Reply) -> tuple[str, str] | None:
    """The lane a reply is delivered in, and its platform; None for an `Edit` (it goes
    where the post it edits went)."""
    if isinstance(reply, FileRequest):
        # A lane of its own per person: a file takes a while to make, and the channel's
        # messages must not wait behind it (`Deliverer.deliver_pending`).
        who = reply.user.key if reply.user else reply.channel.key
        return FILE_LANE + who, reply.channel.workspace.platform.value
    if isinstance(reply, Ephemeral):
        # The person's key first: `forget-me` finds their rows by it; the channel last,
        # which is what a set's report names for an undelivered message.
        lane = f"{PRIVATE_LANE}{reply.user.key}:{reply.channel.id}"
        return lane, reply.channel.workspace.platform.value
    if isinstance(reply, (Post, File)):
        return reply.channel.key, reply.channel.workspace.platform.value
    if isinstance(reply, Direct):
        return DM_LANE + reply.user.key, reply.user.workspace.platform.value
    if isinstance(reply, GroupDirect) and reply.users:
        keys = sorted(user.key for user in reply.users)
        return GROUP_LANE + "+".join(keys), reply.users[0].workspace.platform.value
    return None


class SliceRows:
    """Outbox rows gathered over several events, inserted together.

    An `Edit` finds its lane from the post it edits: among the rows gathered so far first
    (an event earlier in the slice may have made that post), then in the table.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._by_handle: dict[str, tuple[str, str]] = {}

    async def add(
        self,
        conn: AsyncConnection,
        replies: Iterable[Reply],
        *,
        now: datetime,
        cause: str | None = None,
        set_id: int | None = None,
    ) -> int:
        rows: list[dict[str, Any]] = []
        handles: dict[str, tuple[str, str]] = {}
        for reply in replies:
            handle: str | None = None
            if isinstance(reply, Edit):
                where = (
                    handles.get(reply.handle)
                    or self._by_handle.get(reply.handle)
                    or await _where_handle_went(conn, reply.handle)
                )
                if where is None:
                    log.warning("edit of unknown handle %s dropped", reply.handle)
                    continue
            else:
                where = lane_and_platform(reply)
                assert where is not None
                handle = getattr(reply, "handle", None)
                if handle:
                    handles[handle] = where
            rows.append(
                {
                    "platform": where[1],
                    "lane": where[0],
                    "cause": cause,
                    "body": reply_to_json(reply),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "set_id": set_id,
                    "handle": handle,
                }
            )
        # Only whole: an event's replies are gathered all or none.
        self.rows.extend(rows)
        self._by_handle.update(handles)
        return len(rows)

    async def write(self, conn: AsyncConnection) -> int:
        """Insert what was gathered (one statement) and start afresh."""
        rows, self.rows = self.rows, []
        if rows:
            await conn.execute(_INSERT, rows)
        return len(rows)


async def _where_handle_went(conn: AsyncConnection, handle: str) -> tuple[str, str] | None:
    found = (await conn.execute(_WHERE_HANDLE_WENT, {"b_handle": handle})).first()
    return (found.lane, found.platform) if found is not None else None


async def enqueue(
    conn: AsyncConnection,
    replies: Iterable[Reply],
    *,
    now: datetime,
    cause: str | None = None,
    set_id: int | None = None,
) -> int:
    """Write `replies` into the outbox now, in `conn`'s transaction."""
    rows = SliceRows()
    await rows.add(conn, replies, now=now, cause=cause, set_id=set_id)
    return await rows.write(conn)

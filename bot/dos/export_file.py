"""`/als dos export`'s file, made when it is delivered rather than when it is asked for.

A 20,000-do toolkit is a 7 MB HTML page.  Rendered inside the command's transaction and
stored whole in the outbox (base64, kept for `retention.text_hours`), ten exports grew the
database by 200–530 MB, and reading and rendering on the event loop held it for 2.5 s, so
acknowledgements queued behind it missed Slack's 3 s.  So the command only writes a small
`FileRequest` (the set, the format, when it was asked, for whom); the deliverer calls
`make` when it sends it:

- the do's are read through the deliverer's own read connection in chunks of `CHUNK` rows
  by primary key, yielding to the event loop between chunks (on SQLite each statement runs
  on the loop: reading all 20,000 rows at once held it for 0.4 s), JSON columns
  read as text and decoded in the worker thread;
- ordering, grouping and rendering run in a worker thread (`asyncio.to_thread`);
- the bytes go straight to the outlet and are never written to the database.

Exports are limited per person (`check_rate`): one in flight at a time and `PER_HOUR` an
hour, counted from the person's request rows in the outbox (filed under `handle`), so the
limit holds across processes and restarts without any state in memory.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Ctx, Refusal
from bot.counts import counted
from bot.dos.common import DOS, SAVED, SOURCES
from bot.dos.do_text import display_name
from bot.dos.export import DoRecord, render
from bot.refs import ChannelRef, UserRef
from bot.replies import Ephemeral, File, FileRequest, Reply, text
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.db import Store
from bot.store.models import Outbox
from bot.store.models import Set as SetRow

RECIPE = "dos.export"
PER_HOUR = 5
WINDOW = timedelta(hours=1)
CHUNK = 500
NOTHING = "This set has no do's to export yet."
OUTBOX = Outbox.__table__
SETS = SetRow.__table__


def handle_of(user: UserRef) -> str:
    """The outbox `handle` a person's export requests are filed under (never a posted
    message's: a `File` is delivered without one, so nothing is recorded in `posted`)."""
    return "dos-export:" + user.key


def request(
    set_info: SetInfo, fmt: str, user: UserRef, channel: ChannelRef, now: datetime
) -> FileRequest:
    return FileRequest(
        channel=channel,
        user=user,
        recipe=RECIPE,
        args={"set": set_info.id, "format": fmt, "at": now.isoformat()},
        handle=handle_of(user),
    )


async def check_rate(ctx: Ctx, user: UserRef) -> None:
    """Refuse (privately) a second export while one is being made, or one too many in
    the last `WINDOW`, saying when the person can try again."""
    rows = list(
        await ctx.conn.execute(
            select(OUTBOX.c.status, OUTBOX.c.created_at).where(
                OUTBOX.c.handle == handle_of(user),
                or_(
                    OUTBOX.c.status.in_(("pending", "sending")),
                    OUTBOX.c.created_at > ctx.now - WINDOW,
                ),
            )
        )
    )
    if any(r.status in ("pending", "sending") for r in rows):
        raise Refusal(
            "Your last export is still being made; it will arrive here shortly. "
            "Ask for another once it has."
        )
    recent = sorted(r.created_at for r in rows if r.created_at > ctx.now - WINDOW)
    if len(recent) >= PER_HOUR:
        free = recent[len(recent) - PER_HOUR] + WINDOW
        minutes = max(1, math.ceil((free - ctx.now).total_seconds() / 60))
        raise Refusal(
            f"You've exported the do's {counted(PER_HOUR, 'time')} in the last hour; "
            f"you can export again in {counted(minutes, 'minute')}."
        )


async def make(store: Store, wanted: FileRequest) -> Reply | None:
    """The file `wanted` describes (a `MAKE_FILE` maker); None for other recipes."""
    if wanted.recipe != RECIPE:
        return None
    assert wanted.user is not None
    fmt, at = str(wanted.args["format"]), datetime.fromisoformat(str(wanted.args["at"]))
    async with store.read() as conn:
        set_info = await sets.set_by_id(conn, int(wanted.args["set"]))
        rows, links = await read_rows(conn, set_info.id) if set_info else ([], [])
    if set_info is None or not rows:
        return Ephemeral(channel=wanted.channel, user=wanted.user, text=text(NOTHING))
    count, (filename, content) = await asyncio.to_thread(
        render_rows, fmt, rows, links, set_info, at
    )
    return File(
        channel=wanted.channel,
        user=wanted.user,
        filename=filename,
        content=content,
        title=f"The set's do's ({count})",
    )


async def read_rows(
    conn: AsyncConnection, set_id: int
) -> tuple[list[tuple[Any, ...]], list[tuple[int, str]]]:
    """Every saved do of the set (unordered) and its sources' links, `CHUNK` rows a query."""
    rows = await _chunks(
        conn,
        DOS.c.id,
        select(
            DOS.c.id,
            DOS.c.text,
            cast(DOS.c.tags, Text),  # JSON decoded in the worker thread, not on the loop
            DOS.c.author_key,
            cast(DOS.c.saved_by, Text),
            DOS.c.created_at,
        ).where(DOS.c.set_id == set_id, DOS.c.status == SAVED),
    )
    links = await _chunks(
        conn,
        SOURCES.c.id,
        select(SOURCES.c.id, SOURCES.c.do_id, SOURCES.c.permalink).where(
            SOURCES.c.set_id == set_id, SOURCES.c.status == SAVED
        ),
    )
    return rows, [(r[1], r[2]) for r in links if r[2]]


async def _chunks(conn: AsyncConnection, key: Any, query: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    last = 0
    while True:
        chunk = [
            tuple(r) for r in await conn.execute(query.where(key > last).order_by(key).limit(CHUNK))
        ]
        out += chunk
        if len(chunk) < CHUNK:
            return out
        last = chunk[-1][0]
        await asyncio.sleep(0)  # let acknowledgements in between chunks


def records_of(rows: Sequence[tuple[Any, ...]], links: Sequence[tuple[int, str]]) -> list[DoRecord]:
    """Newest first, with each do's links in the order its sources were saved."""
    by_do: dict[int, list[str]] = {}
    for do_id, link in links:
        by_do.setdefault(do_id, []).append(link)
    ordered = sorted(rows, key=lambda r: (r[5], r[0]), reverse=True)
    return [
        DoRecord(
            id=do_id,
            text=body,
            tags=tuple(_listed(tags)),
            author=display_name(author),
            saved_by=tuple(display_name(k) for k in _listed(saved_by)),
            saved_at=saved_at,
            links=tuple(by_do.get(do_id, ())),
        )
        for do_id, body, tags, author, saved_by, saved_at in ordered
    ]


def _listed(raw: str | None) -> list[str]:
    return [str(x) for x in json.loads(raw)] if raw else []


def title_of(set_info: SetInfo) -> str:
    return f"Do's toolkit · {set_info.channel.id}"


def render_rows(
    fmt: str,
    rows: Sequence[tuple[Any, ...]],
    links: Sequence[tuple[int, str]],
    set_info: SetInfo,
    at: datetime,
) -> tuple[int, tuple[str, bytes]]:
    records = records_of(rows, links)
    return len(records), render(
        fmt, records, title=title_of(set_info), exported_at=at, tz=set_info.tz
    )

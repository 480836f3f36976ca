"""Retention: the inbox and outbox are plumbing, not a record of what people said.

Every event is written to the inbox before it is acknowledged, and every reply to the
outbox before it is sent: that is what makes the event path durable. But those bodies hold
people's own words (thread messages, DMs, the questions asked of a presenter), and the set
was promised that the bot keeps no transcript. So once an event is processed and a reply
is sent, their text has done its job:

- after `text_hours`, the body of a processed event and of a sent reply is blanked; the
  event's key stays, because a late retry or a gateway replay must still be recognised;
- after `keys_days`, processed events and sent replies are deleted, and failed deliveries
  too (they are shown to facilitators in `/als report` and the digest until then).

Reply handles (`bot.reply_handles`: a Slack response_url, a Discord interaction token)
are deleted once their `expires_at` has passed; nothing can use them after that.

Pending work is never touched, and timers are not either (their keys are what stops a
nudge from being planned twice). `jobs.ticker` runs it every `PRUNE_EVERY` as a job of its
own, apart from the timer tick, so a long first pass never delays a phase deadline; work
is done in small batches so that, on SQLite, an acknowledgement never waits long behind it
for the single writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Select, delete, select, update

from bot.store.db import Store
from bot.store.models import Draft, Inbox, Outbox, ReplyHandle

INBOX = Inbox.__table__
OUTBOX = Outbox.__table__
DRAFTS = Draft.__table__
HANDLES = ReplyHandle.__table__
# Words a person never confirmed are not kept for ever (see `bot.sets.drafts`).
DRAFT_DAYS = 14
BATCH = 500
PRUNE_EVERY = timedelta(minutes=10)
BLANK = ""


@dataclass(frozen=True)
class Pruned:
    event_texts: int = 0
    reply_texts: int = 0
    events: int = 0
    replies: int = 0
    drafts: int = 0
    handles: int = 0

    @property
    def total(self) -> int:
        return (
            self.event_texts
            + self.reply_texts
            + self.events
            + self.replies
            + self.drafts
            + self.handles
        )


async def prune(store: Store, now: datetime, *, text_hours: float, keys_days: float) -> Pruned:
    """One pass; returns what it changed. Safe from several processes at once."""
    text_before = now - timedelta(hours=text_hours)
    keys_before = now - timedelta(days=keys_days)
    done_events = (INBOX.c.status != "pending") & INBOX.c.processed_at.is_not(None)
    old_replies = OUTBOX.c.status.in_(("sent", "failed"))
    return Pruned(
        event_texts=await _in_batches(
            store,
            select(INBOX.c.id).where(
                done_events, INBOX.c.processed_at < text_before, INBOX.c.body != BLANK
            ),
            lambda ids: update(INBOX).where(INBOX.c.id.in_(ids)).values(body=BLANK),
        ),
        reply_texts=await _in_batches(
            store,
            select(OUTBOX.c.id).where(
                OUTBOX.c.status == "sent", OUTBOX.c.created_at < text_before, OUTBOX.c.body != BLANK
            ),
            lambda ids: update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(body=BLANK),
        ),
        events=await _in_batches(
            store,
            select(INBOX.c.id).where(done_events, INBOX.c.processed_at < keys_before),
            lambda ids: delete(INBOX).where(INBOX.c.id.in_(ids)),
        ),
        replies=await _in_batches(
            store,
            select(OUTBOX.c.id).where(old_replies, OUTBOX.c.created_at < keys_before),
            lambda ids: delete(OUTBOX).where(OUTBOX.c.id.in_(ids)),
        ),
        drafts=await _in_batches(
            store,
            select(DRAFTS.c.id).where(DRAFTS.c.created_at < now - timedelta(days=DRAFT_DAYS)),
            lambda ids: delete(DRAFTS).where(DRAFTS.c.id.in_(ids)),
        ),
        handles=await _in_batches(
            store,
            select(HANDLES.c.cause).where(HANDLES.c.expires_at <= now),
            lambda causes: delete(HANDLES).where(HANDLES.c.cause.in_(causes)),
        ),
    )


async def _in_batches(
    store: Store, ids_query: Select[Any], change: Callable[[list[Any]], Executable]
) -> int:
    """Find a batch with a reader (no column here is indexed, so that is a scan) and
    change it with the writer: only the change itself holds up acknowledgements. What
    qualifies stays qualified, so a row changed meanwhile by another process is harmless."""
    total = 0
    while True:
        async with store.read() as conn:
            ids = [r[0] for r in await conn.execute(ids_query.limit(BATCH))]
        if ids:
            async with store.write() as conn:
                await conn.execute(change(ids))
        total += len(ids)
        if len(ids) < BATCH:
            return total

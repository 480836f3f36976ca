"""`bot.ports.MessageSource` for Teams: the bot's own posts' text, for reactions on them.

Teams tells a bot about reactions only on its own messages, and a reaction activity
carries no text; reading a message back would take Graph permissions alsbot does not ask
for. So the outlet keeps the plain text of every message it posts or edits in a channel or
group chat (`PostTexts`, in `adapter_state`, rows `teams:<tenant>:post:<conversation
hash>:<activity id>`, which a departed workspace's purge takes by prefix) and the source
answers from it; any other message (one the bot did not post, or its own in a 1:1 chat,
which has no reply chain to keep) is None — the core then offers "Save as do" instead.

The rows are bounded: now and then (`PRUNE_EVERY` writes) rows older than `KEEP` are
deleted; a reaction on a month-old card is then read as gone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from adapters.teams.conversations import Conversations
from bot.clock import Clock, SystemClock
from bot.ports import FetchedMessage
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.store.models import AdapterState
from bot.store.upsert import put_adapter_state

log = logging.getLogger(__name__)

STATE = AdapterState.__table__
KEEP = timedelta(days=30)
PRUNE_EVERY = 500  # writes between prunes (and one at the first write of a process)
TEXT_LIMIT = 4000  # characters kept: the longest do the core saves is far shorter
NAME_LIMIT = 200  # the column's width


def post_name(message: MessageRef) -> str:
    """The row of one post: the conversation is hashed (its id may be long), and so is an
    activity id too long to fit beside it."""
    tenant = message.channel.workspace.id
    where = hashlib.sha256(message.channel.id.encode()).hexdigest()[:16]
    name = f"teams:{tenant}:post:{where}:{message.id}"
    if len(name) > NAME_LIMIT:
        name = (
            f"teams:{tenant}:post:{where}:h-{hashlib.sha256(message.id.encode()).hexdigest()[:40]}"
        )
    return name


@dataclass(frozen=True, slots=True)
class KeptPost:
    text: str
    thread: str | None  # the reply chain's root activity id, when posted in one


class PostTexts:
    """The bot's posts' plain text, through the core's store."""

    def __init__(self, store: Any, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self._writes = 0

    async def remember(self, message: MessageRef, plain: str, thread: str | None = None) -> None:
        now = self.clock.now()
        raw = json.dumps({"text": plain[:TEXT_LIMIT], "thread": thread}, ensure_ascii=False)
        name = post_name(message)
        async with self.store.write() as conn:
            await put_adapter_state(conn, name, raw, now)
            if self._writes % PRUNE_EVERY == 0:
                await conn.execute(
                    delete(STATE).where(
                        STATE.c.name.like("teams:%:post:%"), STATE.c.updated_at < now - KEEP
                    )
                )
            self._writes += 1

    async def get(self, message: MessageRef) -> KeptPost | None:
        async with self.store.read() as conn:
            row = (
                await conn.execute(
                    select(STATE.c.value, STATE.c.updated_at).where(
                        STATE.c.name == post_name(message)
                    )
                )
            ).first()
        if row is None:
            return None
        if row.updated_at < self.clock.now() - KEEP:  # kept, but not yet pruned
            return None
        try:
            data = json.loads(row.value)
        except ValueError:
            return None
        thread = data.get("thread")
        return KeptPost(str(data.get("text") or ""), str(thread) if thread else None)


class TeamsMessageSource:
    """Implements `bot.ports.MessageSource` for Teams, and `NameDirectory`: a person's name
    as Teams last gave it in an activity (kept with their conversation reference), for the
    web pages, which never show an id."""

    def __init__(self, posts: PostTexts, conversations: Conversations | None = None) -> None:
        self.posts = posts
        self.conversations = conversations

    async def display_name(self, user: UserRef) -> str | None:
        if self.conversations is None:
            return None
        try:
            address = await self.conversations.person(user)
        except Exception:  # the port raises nothing: an unreadable store is "cannot say"
            log.warning("teams: a display name could not be read")
            return None
        name = address.name.strip() if address is not None else ""
        return name or None

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        kept = await self.posts.get(message)
        if kept is None:
            return None
        thread = MessageRef(message.channel, kept.thread) if kept.thread else None
        return FetchedMessage(author=None, text=kept.text, thread=thread, author_is_bot=True)

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        """Teams' activities do not say whether a channel is private (the SDK would have to
        ask Graph for its membership type), and no reference records it: unknown."""
        return None

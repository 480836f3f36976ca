"""Before the transaction: fetch a reacted-to message the adapter could not describe.

Slack's `reaction_added` and Discord's raw reaction events carry ids only, so the
processor's preparation step (outside the write transaction) asks the adapter's
`MessageSource` for the message's author, text and thread.  A bot's message comes back
with no author, which is how reactions on the bot's messages end up ignored.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.context import Ctx
from bot.emoji_names import normalise_emoji
from bot.events import Event, ReactionAdded
from bot.ports import MessageSource
from bot.router import Preparer
from bot.store.models import Set as SetRow

SETS = SetRow.__table__


class EmojiFilter:
    """Which reactions are worth fetching their message for, before the transaction.

    Fetching every reacted-to message would spend the platform's rate limit on 👍 and 🎉;
    only the emojis some set uses for do's need it.  Until the handler has read the sets
    (right after start), every reaction is fetched.  One per router: no global state.
    """

    REFRESH = timedelta(seconds=60)

    def __init__(self) -> None:
        self.known: frozenset[str] | None = None
        self.loaded_at: datetime | None = None

    def wants(self, emoji: str) -> bool:
        return self.known is None or normalise_emoji(emoji) in self.known

    async def refresh(self, ctx: Ctx, *, force: bool = False) -> None:
        stale = self.loaded_at is None or not (
            self.loaded_at <= ctx.now < self.loaded_at + self.REFRESH
        )
        if not (force or stale):
            return
        names = {normalise_emoji(ctx.config.defaults.do_emoji)}
        for (settings,) in await ctx.conn.execute(select(SETS.c.settings)):
            if isinstance(settings, dict) and settings.get("do_emoji"):
                names.add(normalise_emoji(str(settings["do_emoji"])))
        self.known = frozenset(n for n in names if n)
        self.loaded_at = ctx.now


def make_preparer(emojis: EmojiFilter) -> Preparer:
    """`router.prepare(ReactionAdded, …)`: fill in the message's author, text and thread."""

    async def prepare(event: Event, source: MessageSource | None) -> Event:
        if not isinstance(event, ReactionAdded) or event.text is not None or source is None:
            return event
        if not emojis.wants(event.emoji):
            return event
        fetched = await source.fetch_message(event.message)
        if fetched is None:  # deleted, or out of the bot's sight
            return event
        return dataclasses.replace(
            event,
            author=None if fetched.author_is_bot else (fetched.author or event.author),
            text=fetched.text,
            thread=fetched.thread or event.thread,
        )

    return prepare

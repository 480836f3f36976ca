"""Before the transaction: fetch a reacted-to message only when a do may be saved from it.

Slack's `reaction_added` and Discord's raw reaction events carry ids only, so the
processor's preparation step (outside the write transaction) may ask the adapter's
`MessageSource` for the message's author, text and thread.  Each call spends the
platform's rate limit and can fail, so the preparer first decides from the database — a
read-only connection, never a per-process cache that another process could make stale —
whether this reaction could save the message: the channel (or the thread's channel) has a
set, the emoji is that set's `do_emoji`, the message is not already saved, being asked
about or closed for good, and with this reactor the set's `do_threshold` of distinct
people is reached.  Anything else makes no call; the event is marked `SKIPPED`, and the
capture handler asks for it to be prepared again if the state moved on before it ran
(`bot.router.PrepareAgain`).

A fetch that fails for now raises `bot.ports.FetchRetry` and the processor tries the event
again later; on the last try the event goes on marked `FAILED` so the reactor can be told.
A fetch the platform refuses (`bot.ports.FetchRefused`: no scope, not in the channel) goes
on marked `REFUSED` at once — trying again would not help — and the reactor is told to use
"Save as do", which hands the bot the message without reading it.
A bot's message comes back with no author, which is how reactions on the bot's messages
end up ignored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from bot.context import Ctx
from bot.dos.capture import with_do_emoji, with_this_reactor
from bot.dos.common import COUNTING
from bot.events import Event, ReactionAdded
from bot.ports import FetchRefused, FetchRetry
from bot.router import Preparer, Preparing

log = logging.getLogger(__name__)


async def needs_fetch(event: ReactionAdded, prep: Preparing) -> bool:
    """Could this reaction save the message, so that its text is needed?

    The rules are capture's (`bot.dos.capture.on_reaction_added`), read from committed
    state.  An unknown author is fetched for (only the message says who wrote it), and so
    is a second attempt: it exists because the first decision went stale.
    """
    async with prep.read() as conn:
        ctx = Ctx(conn, prep.now, prep.config)
        in_set = await with_do_emoji(ctx, event)
        if in_set is None:
            return False
        found, set_info, _ = in_set
        if found.source_status not in (None, COUNTING):
            return False  # saved (a new saver needs no text), being asked, or closed
        if event.author is None or prep.attempt > 0:
            return True
        allow_self = bool(set_info.setting(ctx, "do_allow_self"))
        if event.user == event.author and not allow_self:
            return False
        threshold = int(set_info.setting(ctx, "do_threshold"))
        if threshold <= 1:  # this reactor alone is enough: no need to count the others
            return True
        return len(with_this_reactor(found, event, allow_self)) >= threshold


def make_preparer() -> Preparer:
    """`router.prepare(ReactionAdded, …)`: fill in the message's author, text and thread."""

    async def prepare(event: Event, prep: Preparing) -> Event:
        source = prep.source
        if not isinstance(event, ReactionAdded) or event.text is not None or source is None:
            return event
        if not await needs_fetch(event, prep):
            return dataclasses.replace(event, unread=ReactionAdded.SKIPPED)
        try:
            try:
                async with asyncio.timeout(prep.time_limit), prep.calls:
                    fetched = await source.fetch_message(event.message)
            except TimeoutError:
                raise FetchRetry(f"no answer within {prep.time_limit:g} s") from None
        except FetchRefused as refusal:
            log.info(
                "do reaction on %s: reading the message was refused (%s)",
                event.message.key,
                refusal,
            )
            return dataclasses.replace(event, unread=ReactionAdded.REFUSED)
        except FetchRetry as failure:
            if not prep.last_try:
                raise
            log.warning(
                "do reaction on %s: the message could not be read after %d tries (%s)",
                event.message.key,
                prep.attempt + 1,
                failure,
            )
            return dataclasses.replace(event, unread=ReactionAdded.FAILED)
        if fetched is None:  # deleted
            return dataclasses.replace(event, unread=ReactionAdded.GONE)
        return dataclasses.replace(
            event,
            author=None if fetched.author_is_bot else (fetched.author or event.author),
            text=fetched.text,
            thread=fetched.thread or event.thread,
        )

    return prepare

"""Answering one person where they are, seen by nobody else.

Confirmations about someone's own actions, rating or update come from a DM, from a round's
thread or from a button on either; the answer goes back the same way: a DM by DM, an
ephemeral message in the channel (in the running session's thread) otherwise. Never a
public post. Rounds answer this way, and so does the follow-up between sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Ctx
from bot.events import ButtonPressed
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.replies import Button, Direct, Ephemeral, Reply, Text
from bot.rounds.sessions import active_session
from bot.sets import records as sets


@dataclass(frozen=True, slots=True)
class Privately:
    user: UserRef
    channel: ChannelRef | None = None  # None: by DM
    thread: MessageRef | None = None
    thread_handle: str | None = None

    def reply(self, body: Text, buttons: tuple[Button, ...] = ()) -> Reply:
        if self.channel is None:
            return Direct(user=self.user, text=body, buttons=buttons)
        return Ephemeral(
            channel=self.channel,
            user=self.user,
            text=body,
            buttons=buttons,
            thread=self.thread,
            thread_handle=None if self.thread else self.thread_handle,
        )


async def to_presser(ctx: Ctx, event: ButtonPressed) -> Privately:
    """Where to answer a button press: by DM unless it was pressed in a set's channel."""
    set_info = await sets.find_set(ctx, event.channel)
    if set_info is None:
        return Privately(event.user)
    session = await active_session(ctx, set_info.id)
    return Privately(event.user, event.channel, thread_handle=session.header if session else None)

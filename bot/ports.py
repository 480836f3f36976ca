"""What the core needs from an adapter, and what an adapter may call: no adapter is imported here.

An adapter calls a `Submitter` (the core's `Alsbot`) with each event it translates; it
implements `Outlet` (render and send one reply natively) and, when its platform does not
put the reacted-to message in a reaction event (or cannot say whether a channel is private
without being asked), `MessageSource`; and it declares its
platform's `PlatformTraits` when it attaches, so that the core never asks which platform
it is on.  Delivery errors are reported with the two exceptions below so that the delivery
loop, not the adapter, decides about retries, pacing and recording permanent failures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.events import Event
from bot.refs import ChannelRef, MessageRef, Platform, UserRef
from bot.replies import Reply

if TYPE_CHECKING:  # the types module stays free of the database at run time
    from bot.reply_handles import Handle


class Submitter(Protocol):
    """The inbound port: hand one event to the core.

    Returns once the event is durable (True), or False for a duplicate of one already
    taken; either way the adapter may then acknowledge it to the platform.  `handle` is
    how a private answer to it can be sent (`bot.reply_handles`), kept with the event.
    """

    async def submit(self, event: Event, handle: Handle | None = None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reply to send, with every handle already resolved to a platform message.

    `cause` is the idempotency key of the event that produced it (an adapter may use it to
    answer the original interaction, e.g. Slack's `response_url` or a Discord followup);
    `thread` is the root of the thread to reply in; `target` the message an `Edit` changes.
    `key` names this reply (its outbox row) and is the same on every attempt: a platform that
    deduplicates by a client-chosen id (Discord's message nonce) can then refuse the second
    copy when an attempt timed out after the platform had already posted it.

    `maybe_delivered` says an earlier attempt's outcome is unknown (the process died, or the
    request failed, after it may have reached the platform): a platform with no such id
    (Slack) can then look for the reply, tagged with `key`, before posting it again, instead
    of sending it twice.  `created_at` is when the reply was written: no attempt can have
    posted it earlier, which bounds that search.
    """

    reply: Reply
    cause: str | None = None
    thread: MessageRef | None = None
    target: MessageRef | None = None
    key: str | None = None
    maybe_delivered: bool = False
    created_at: datetime | None = None


class DeliveryRetry(Exception):
    """A transient failure (429, 5xx, timeout): try again after `after` seconds.

    `rate_limited` marks a platform asking us to slow down (429): that is not a failed
    attempt, so it never counts towards giving up on the message.
    """

    def __init__(self, reason: str, after: float = 1.0, *, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.after = after
        self.rate_limited = rate_limited


class DeliveryFailed(Exception):
    """A permanent failure (user left, DMs closed, channel gone): recorded, not retried."""


class Outlet(Protocol):
    platform: Platform

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        """Send it; return the posted message (for `Post`/`Direct` with a handle) or None."""
        ...


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    author: UserRef | None
    text: str
    thread: MessageRef | None = None
    author_is_bot: bool = False


class FetchRetry(Exception):
    """The platform could not answer for now (429, 5xx, a transient `ok:false`, a timeout).

    Raised by a `MessageSource` instead of answering None, which means the message is gone
    or out of the bot's sight for good: an event whose preparation failed for now is tried
    again later (`bot.processor`), not handled as if the message had no text.  `after` is
    the platform's own `Retry-After`, in seconds, when it gave one.
    """

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class FetchRefused(Exception):
    """The platform will not let the bot read the message (a missing scope, the bot not in
    the conversation): unlike a deleted message (None), the reactor can still save it
    another way (`PlatformTraits.save_as_do`), so they are told."""


class MessageSource(Protocol):
    """What the core may ask the platform, before an event's transaction (never inside it).

    `fetch_message` answers None for a message that is gone, raises `FetchRefused` when the
    bot may not read it, and `FetchRetry` when the platform failed for now.
    """

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None: ...

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        """Can only invited people see the channel? None when the platform cannot say."""
        ...


@runtime_checkable
class AdminDirectory(Protocol):
    """Optional, beside `MessageSource`: whether a person administers their workspace, for a
    platform whose command payloads do not say (Slack `users.info`; Discord's interactions
    carry it, so its adapter fills `CommandInvoked.invoker_is_admin` itself)."""

    async def user_is_admin(self, user: UserRef) -> bool | None: ...


@runtime_checkable
class NameDirectory(Protocol):
    """Optional, beside `MessageSource`: the name a person shows on their platform (Slack
    `users.info` display name, Discord's global name), for the web pages, which must never
    show a platform id.  None when the platform cannot say; raises nothing."""

    async def display_name(self, user: UserRef) -> str | None: ...


Permalink = Callable[[MessageRef], str | None]


def no_permalink(message: MessageRef) -> str | None:
    """No link: the platform has none that can be built without an API call."""
    return None


@dataclass(frozen=True, slots=True)
class Pacing:
    """Posts to one channel: `burst` at once, then `rate_per_second`, below the platform's
    own limit, so that a busy set is slowed down rather than answered with 429s."""

    rate_per_second: float
    burst: int


UNREADABLE = "it has no text I can read (only an image or a file, perhaps)."

# What any platform's user id may look like: letters, digits and `._-`, nothing that chat
# markup is made of (`<`, `>`, `!`, `@`, `|`, `&`), so an id can never smuggle in a ping.
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def reads_always() -> bool:
    """A platform whose events carry what people type (Slack, the console)."""
    return True


@dataclass(frozen=True, slots=True)
class PlatformTraits:
    """What the core may assume about one platform, declared by its adapter on `attach`.

    The defaults are the cautious ones, and are what a platform nobody attached gets: a
    user id means a person only within its workspace, no link without an API call, no
    pacing beyond the platform's own 429s, and a neutral reason for a message with no text.

    - `global_user_ids`: the same id is the same person in every workspace of the platform
      (Discord: a DM belongs to no server, so the id alone finds the person's sets);
    - `permalink`: a link to a message, or None;
    - `pacing`: the default per-channel pacing of deliveries, or None;
    - `unreadable`: why a reacted-to message had no text, ending a sentence that begins
      "nothing was saved: " (e.g. an intent the bot lacks);
    - `user_id`: what one of its user ids looks like (Slack `U…`/`W…`, a Discord snowflake):
      a person named in a command by anything else is refused, never stored;
    - `reads_messages`: whether the bot can read what people type in a channel or thread
      now (Discord: only with the Message Content intent, known once connected). When it
      cannot, a round's phases offer `bot.typed_in` buttons that open a one-field form.
    - `save_as_do`: where a person finds the "Save as do" command on a message, ending a
      sentence that begins "use “Save as do” " (e.g. "from the message's ⋯ menu"), for a
      reactor whose reaction could not be read; "" when the platform has none.
    """

    global_user_ids: bool = False
    permalink: Permalink = no_permalink
    pacing: Pacing | None = None
    unreadable: str = UNREADABLE
    user_id: re.Pattern[str] = USER_ID
    reads_messages: Callable[[], bool] = reads_always
    save_as_do: str = ""


PLAIN = PlatformTraits()


class Traits:
    """Each attached platform's traits, looked up by the platform a reference names."""

    def __init__(self) -> None:
        self._known: dict[Platform, PlatformTraits] = {}

    def declare(self, platform: Platform, traits: PlatformTraits) -> None:
        self._known[platform] = traits

    def of(self, platform: Platform) -> PlatformTraits:
        return self._known.get(platform, PLAIN)

    def permalink(self, message: MessageRef) -> str | None:
        return self.of(message.channel.workspace.platform).permalink(message)

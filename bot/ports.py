"""What the core needs from an adapter, as protocols: no adapter is imported here.

An adapter implements `Outlet` (render and send one reply natively) and, when its platform
does not put the reacted-to message in a reaction event, `MessageSource`.  Errors are
reported with the two exceptions below so that the delivery loop, not the adapter, decides
about retries, pacing and recording permanent failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.refs import MessageRef, Platform, UserRef
from bot.replies import Reply


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reply to send, with every handle already resolved to a platform message.

    `cause` is the idempotency key of the event that produced it (an adapter may use it to
    answer the original interaction, e.g. Slack's `response_url` or a Discord followup);
    `thread` is the root of the thread to reply in; `target` the message an `Update` edits.
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


class MessageSource(Protocol):
    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None: ...

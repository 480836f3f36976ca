"""What the core needs from an adapter, as protocols: no adapter is imported here.

An adapter implements `Outlet` (render and send one reply natively) and, when its platform
does not put the reacted-to message in a reaction event, `MessageSource`.  Errors are
reported with the two exceptions below so that the delivery loop, not the adapter, decides
about retries, pacing and recording permanent failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.refs import MessageRef, Platform, UserRef
from bot.replies import Reply


@dataclass(frozen=True, slots=True)
class Delivery:
    """One reply to send, with every handle already resolved to a platform message.

    `cause` is the idempotency key of the event that produced it (an adapter may use it to
    answer the original interaction, e.g. Slack's `response_url` or a Discord followup);
    `thread` is the root of the thread to reply in; `target` the message an `Update` edits.
    """

    reply: Reply
    cause: str | None = None
    thread: MessageRef | None = None
    target: MessageRef | None = None


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

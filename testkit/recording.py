"""A recording outlet for core tests: it plays a platform that can be slow or refuse.

It speaks the core's `Outlet` protocol (what every real adapter implements), returning
numbered message refs and raising the real `DeliveryRetry` / `DeliveryFailed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef
from bot.replies import Direct, Post, Reply


@dataclass
class RecordingOutlet:
    platform: Platform = Platform.CONSOLE
    sent: list[Delivery] = field(default_factory=list)
    attempts: int = 0
    fail: Callable[[Delivery, int], Exception | None] | None = None
    _n: int = 0

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        self.attempts += 1
        if self.fail is not None:
            problem = self.fail(delivery, self.attempts)
            if problem is not None:
                raise problem
        self.sent.append(delivery)
        self._n += 1
        reply = delivery.reply
        if isinstance(reply, Post):
            return MessageRef(reply.channel, str(self._n))
        if isinstance(reply, Direct):
            return MessageRef(ChannelRef(reply.user.workspace, "dm-" + reply.user.id), str(self._n))
        return delivery.target

    def replies(self) -> list[Reply]:
        return [d.reply for d in self.sent]


def retry_once_then_ok(_: Delivery, attempt: int) -> Exception | None:
    return DeliveryRetry("429 rate limited", after=0.01) if attempt == 1 else None


def always_fail(_: Delivery, __: int) -> Exception | None:
    return DeliveryFailed("cannot_dm_user")


CONSOLE = WorkspaceRef(Platform.CONSOLE, "local")

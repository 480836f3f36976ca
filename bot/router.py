"""Which handler takes which event, command, button or timer.

Matching is separate from handling (as in python-telegram-bot's `check_update` /
`handle_update`): the router only looks at types and `action_id` prefixes, so services can
be added without touching the processor, and a test can ask what would handle an input.
Registering a second handler for one command, button prefix, timer kind or preparer is a
mistake that would silently replace the first, so it raises instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Config
from bot.context import Ctx
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.hooks import Hook, Hooks
from bot.ports import MessageSource
from bot.timers import DueTimer

C = TypeVar("C")
E = TypeVar("E", bound=Event)
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])

CommandHandler = Callable[[Ctx, CommandInvoked, C], Awaitable[None]]
EventHandler = Callable[[Ctx, E], Awaitable[None]]
ButtonHandler = Callable[[Ctx, ButtonPressed], Awaitable[None]]
TimerHandler = Callable[[Ctx, DueTimer], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class Preparing:
    """What a preparer may use, outside the write transaction.

    `read` opens a read-only connection: a preparer decides from the database whether the
    platform must be asked at all (no per-process cache that another process could make
    stale).  `attempt` counts the earlier tries of this event (0 on the first);
    `last_try` says a `bot.ports.FetchRetry` would not be tried again, so the preparer
    should hand the event on marked as unreadable instead.  `time_limit` is how long one
    call to the platform may take before it counts as failed for now, and `calls` bounds
    how many run at once: a preparer holds it around its call only, so that events needing
    no call (nearly every command) never queue behind hung ones.
    """

    source: MessageSource | None
    read: Callable[[], AbstractAsyncContextManager[AsyncConnection]]
    config: Config
    now: datetime
    attempt: int = 0
    last_try: bool = False
    time_limit: float = 5.0
    calls: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(16))


Preparer = Callable[[Event, Preparing], Awaitable[Event]]


class PrepareAgain(Exception):
    """A handler found that the preparer's decision was made on state that has changed
    since (another event about the same message was applied first): the processor rolls
    the event back and prepares it again, with `Preparing.attempt` above 0."""


@dataclass
class Router:
    commands: dict[type[Any], CommandHandler[Any]] = field(default_factory=dict)
    events: dict[type[Event], list[EventHandler[Any]]] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    timers: dict[str, TimerHandler] = field(default_factory=dict)
    # One preparer per event type, composed from every package's (in registration order):
    # `/als start` asks the room's privacy (rounds), naming a facilitator asks the
    # invoker's standing (sets) — each package registers its own and none knows the other.
    preparers: dict[type[Event], Preparer] = field(default_factory=dict)
    hooks: Hooks = field(default_factory=Hooks)
    _chains: dict[type[Event], list[Preparer]] = field(default_factory=dict)

    def command(self, cls: type[C], handler: CommandHandler[C]) -> None:
        _once(self.commands, cls, handler, f"the command {cls.__name__}")

    def event(self, cls: type[E], handler: EventHandler[E]) -> None:
        self.events.setdefault(cls, []).append(handler)

    def button(self, prefix: str, handler: ButtonHandler) -> None:
        if ":" in prefix:
            raise ValueError(f"a button prefix is the part before the first ':', not {prefix!r}")
        _once(self.buttons, prefix, handler, f"the button prefix {prefix!r}")

    def timer(self, kind: str, handler: TimerHandler) -> None:
        _once(self.timers, kind, handler, f"the timer kind {kind!r}")

    def prepare(self, cls: type[Event], preparer: Preparer) -> None:
        chain = self._chains.setdefault(cls, [])
        if preparer in chain:
            raise ValueError(f"preparing {cls.__name__} already has this preparer")
        chain.append(preparer)
        self.preparers[cls] = preparer if len(chain) == 1 else _in_turn(tuple(chain))

    def hook(self, hook: Hook[H], handler: H) -> None:
        self.hooks.add(hook, handler)

    def button_handler(self, action_id: str) -> ButtonHandler | None:
        prefix = action_id.split(":", 1)[0]
        return self.buttons.get(prefix)


def _in_turn(chain: tuple[Preparer, ...]) -> Preparer:
    """Each preparer gets the event as the one before it left it."""

    async def prepare(event: Event, prep: Preparing) -> Event:
        for preparer in chain:
            event = await preparer(event, prep)
        return event

    return prepare


K = TypeVar("K")
V = TypeVar("V")


def _once(table: dict[K, V], key: K, handler: V, what: str) -> None:
    if key in table:
        raise ValueError(f"{what} already has a handler")
    table[key] = handler

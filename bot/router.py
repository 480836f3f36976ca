"""Which handler takes which event, command, button or timer.

Matching is separate from handling (as in python-telegram-bot's `check_update` /
`handle_update`): the router only looks at types and `action_id` prefixes, so services can
be added without touching the processor, and a test can ask what would handle an input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.context import Ctx
from bot.events import ButtonPressed, CommandInvoked, Event
from bot.ports import MessageSource
from bot.timers import DueTimer

CommandHandler = Callable[[Ctx, CommandInvoked, Any], Awaitable[None]]
EventHandler = Callable[[Ctx, Any], Awaitable[None]]
ButtonHandler = Callable[[Ctx, ButtonPressed], Awaitable[None]]
TimerHandler = Callable[[Ctx, DueTimer], Awaitable[str | None]]
Preparer = Callable[[Event, MessageSource | None], Awaitable[Event]]


@dataclass
class Router:
    commands: dict[type, CommandHandler] = field(default_factory=dict)
    events: dict[type, list[EventHandler]] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    timers: dict[str, TimerHandler] = field(default_factory=dict)
    preparers: dict[type, Preparer] = field(default_factory=dict)
    # Named extension points, e.g. "opening" (text added to a round's opening) or
    # "schedule_changed"; each service documents the signature of the hooks it calls.
    hooks: dict[str, list[Callable[..., Awaitable[Any]]]] = field(default_factory=dict)

    def hook(self, name: str, func: Callable[..., Awaitable[Any]]) -> None:
        self.hooks.setdefault(name, []).append(func)

    def command(self, cls: type, handler: CommandHandler) -> None:
        if cls in self.commands:
            raise ValueError(f"{cls.__name__} already has a handler")
        self.commands[cls] = handler

    def event(self, cls: type, handler: EventHandler) -> None:
        self.events.setdefault(cls, []).append(handler)

    def button(self, prefix: str, handler: ButtonHandler) -> None:
        self.buttons[prefix] = handler

    def timer(self, kind: str, handler: TimerHandler) -> None:
        self.timers[kind] = handler

    def prepare(self, cls: type, preparer: Preparer) -> None:
        self.preparers[cls] = preparer

    def button_handler(self, action_id: str) -> ButtonHandler | None:
        prefix = action_id.split(":", 1)[0]
        return self.buttons.get(prefix)

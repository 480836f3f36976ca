"""The extension points of follow-up between sessions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.context import Ctx
from bot.hooks import Hook
from bot.set_info import SetInfo

SCHEDULE_CHANGED: Hook[Callable[[Ctx, SetInfo, datetime | None], Awaitable[None]]] = Hook(
    "schedule:changed"
)
"""The set's next session was set (its time) or cleared (`None`): plans move with it."""

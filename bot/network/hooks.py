"""The network package's own extension points: offers and wants (`items.py`) tell the
matcher (`proposals.py`) when one is saved or goes, without importing it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from bot.context import Ctx
from bot.hooks import Hook
from bot.set_info import SetInfo


class ItemChanged(Protocol):
    def __call__(self, ctx: Ctx, set_info: SetInfo, item_id: int) -> Awaitable[None]: ...


# An offer or a want was added or its words changed (propose matches for it), or it was
# removed or expired (proposals still waiting on it lapse, quietly).
ITEM_SAVED: Hook[ItemChanged] = Hook("network.item_saved")
ITEM_GONE: Hook[ItemChanged] = Hook("network.item_gone")

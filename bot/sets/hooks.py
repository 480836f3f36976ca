"""The extension points of sets and people: what other packages learn of, or add to.

The set and person records are the bottom of the feature packages, so they cannot call
rounds, follow-up or do's directly; those register here instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.context import Ctx
from bot.hooks import Hook
from bot.refs import UserRef
from bot.set_info import SetInfo

SETTINGS_CHANGED: Hook[Callable[[Ctx, SetInfo, str, Any], Awaitable[None]]] = Hook(
    "settings:changed"
)
"""A facilitator changed one of the set's settings: (set, name, new value)."""

PERSON_CHANGED: Hook[Callable[[Ctx, UserRef, str, Any], Awaitable[None]]] = Hook("person:changed")
"""Someone changed a personal setting (`my_timezone`, `nudges`, `quiet_hours`)."""

MEMBER_LEAVING: Hook[Callable[[Ctx, SetInfo, UserRef], Awaitable[None]]] = Hook("member:leaving")
"""Someone is about to leave the set (a running round drops them as a presenter). A
handler may raise `Refusal` to stop the leaving."""

PERSON_EXPORT: Hook[Callable[[Ctx, str], Awaitable[dict[str, Any]]]] = Hook("person:export")
"""`export-me`: sections (name → rows) another package adds about the person's key."""

PERSON_FORGET: Hook[Callable[[Ctx, str], Awaitable[None]]] = Hook("person:forget")
"""`forget-me`: remove what another package keeps about the person's key."""

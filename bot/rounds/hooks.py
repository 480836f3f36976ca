"""The extension points a round offers: other packages add text to its phases.

Rounds call these and know nothing of who answers; do's and follow-up register handlers in
their own `register`. A handler returns `None` (or empty text) to add nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Ctx
from bot.events import MessagePosted
from bot.hooks import Hook
from bot.replies import Text
from bot.rounds.sessions import SessionInfo
from bot.set_info import SetInfo

RoundExtra = Callable[[Ctx, SetInfo, SessionInfo], Awaitable[Text | None]]
RoundEvent = Callable[[Ctx, SetInfo, SessionInfo], Awaitable[None]]

STARTED: Hook[RoundEvent] = Hook("round:started")
"""A session has just started (e.g. a little before its scheduled time: that slot is spent)."""

OPENING: Hook[RoundExtra] = Hook("round:opening")
"""Text added to the opening post (e.g. the set's newest do)."""

UPDATES: Hook[RoundExtra] = Hook("round:updates")
"""Text for the Updates phase (past presenters' outcome updates)."""

CLOSING: Hook[RoundExtra] = Hook("round:closing")
"""Text added to the closing summary (e.g. who will be nudged before next time)."""

SaidInRound = Callable[[Ctx, SetInfo, SessionInfo, MessagePosted], Awaitable[None]]

SAID_IN_UPDATES: Hook[SaidInRound] = Hook("round:said-in-updates")
"""A message in the round's thread during the Updates phase (a past presenter's live update)."""

"""What a handler gets: the open transaction, `now`, the config, and a place for replies.

Handlers never reach a platform or a global: they read and write through `conn` and say
what to show with `emit`.  The processor commits the effects and the replies together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Config
from bot.hooks import Hooks
from bot.ports import Traits
from bot.replies import Reply
from bot.set_info import SetInfo


@dataclass
class Ctx:
    conn: AsyncConnection
    now: datetime
    config: Config
    out: list[Reply] = field(default_factory=list)
    set_id: int | None = None
    set_info: SetInfo | None = None  # the command's set, resolved by `bot.dispatch`
    hooks: Hooks = field(default_factory=Hooks)  # the router's: `ctx.hooks(SOME_HOOK)`
    memo: dict[Any, Any] = field(default_factory=dict)  # see Processor.memo
    traits: Traits = field(default_factory=Traits)  # each platform's, declared on attach

    def emit(self, *replies: Reply) -> None:
        self.out.extend(replies)

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name


class Refusal(Exception):
    """A polite refusal: the processor shows `str(exc)` privately to the person."""


OUT_OF_DATE = "That button is out of date."

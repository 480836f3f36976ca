"""What a handler knows of a set once it is found: its id, channel, zone and settings.

It lives below the feature packages (the kernel) so that the dispatcher can hand the
command's set to a handler through `Ctx` with its real type; finding, creating and changing
sets is `bot.sets.records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.refs import ChannelRef


class Configured(Protocol):
    """Anything that carries the config (a `Ctx`)."""

    @property
    def config(self) -> Config: ...


@dataclass(frozen=True, slots=True)
class SetInfo:
    id: int
    channel: ChannelRef
    timezone: str
    settings: dict[str, Any]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def setting(self, ctx: Configured, name: str) -> Any:
        """A per-set setting, falling back to `[defaults]` in the config."""
        if name in self.settings:
            return self.settings[name]
        return getattr(ctx.config.defaults, name)

"""What the core may assume about the console (`bot.ports.PlatformTraits`): the cautious
defaults — one workspace, no links, no pacing, nothing withheld from the bot."""

from __future__ import annotations

from bot.ports import PlatformTraits

CONSOLE_TRAITS = PlatformTraits()

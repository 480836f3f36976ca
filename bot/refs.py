"""Typed identities.

A bare id string is ambiguous: Slack's `U123` in workspace A is a different person from
`U123` in workspace B, and a Discord snowflake means nothing on Slack.  Every reference
therefore carries its platform and workspace, and `key` gives the one string form that is
stored in the database, so the same person can never be confused across workspaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    TEAMS = "teams"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class WorkspaceRef:
    """A Slack team (`T…`), a Discord guild, or the console's single workspace."""

    platform: Platform
    id: str

    @property
    def key(self) -> str:
        return f"{self.platform.value}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> WorkspaceRef:
        platform, _, ident = key.partition(":")
        return cls(Platform(platform), ident)


@dataclass(frozen=True, slots=True)
class UserRef:
    workspace: WorkspaceRef
    id: str

    @property
    def key(self) -> str:
        return f"{self.workspace.key}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> UserRef:
        platform, ws, ident = key.split(":", 2)
        return cls(WorkspaceRef(Platform(platform), ws), ident)


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel.  A thread is not a channel here: see `MessageRef` and `thread` fields."""

    workspace: WorkspaceRef
    id: str

    @property
    def key(self) -> str:
        return f"{self.workspace.key}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> ChannelRef:
        platform, ws, ident = key.split(":", 2)
        return cls(WorkspaceRef(Platform(platform), ws), ident)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A posted message: Slack `ts`, Discord snowflake, console `#n`.

    A thread is named by its root message.  On Discord a thread started from a message has
    the message's id, so the same `MessageRef` names both on every platform.
    """

    channel: ChannelRef
    id: str

    @property
    def key(self) -> str:
        return f"{self.channel.key}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> MessageRef:
        platform, ws, channel, ident = key.split(":", 3)
        return cls(ChannelRef(WorkspaceRef(Platform(platform), ws), channel), ident)

"""Which workspaces this alsbot serves, and with which bot token each.

One process may serve one workspace with `SLACK_BOT_TOKEN` (single-token mode, an
organisation's own app) or many, each installed through OAuth (`SLACK_CLIENT_ID` and
`SLACK_CLIENT_SECRET`; `adapters.slack.installations`).  Everything that talks to Slack for
a workspace — Bolt's authorisation of a request, the outlet, the message source, the Home
tab, forms — asks this for that workspace's `Workspace`, so that every request uses that
workspace's own token, and the rest of the adapter never knows which mode it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.slack.translate import BotIdentity


@dataclass(frozen=True, slots=True)
class Workspace:
    """A workspace alsbot is installed in: who the bot is there, and its bot token now
    (already refreshed when token rotation is on)."""

    identity: BotIdentity
    token: str
    enterprise_id: str | None = None


class Workspaces(Protocol):
    async def find(self, team_id: str | None, enterprise_id: str | None = None) -> Workspace | None:
        """The installation serving `team_id` (or an org-wide install for `enterprise_id`);
        None when alsbot is not (or no longer) installed there.  Called on the
        acknowledgement path: answers from memory when it can, never calls Slack unless a
        rotating token is about to expire."""
        ...

    async def forget(self, team_id: str, enterprise_id: str | None = None) -> None:
        """The app was uninstalled there or its tokens revoked: drop what is known."""
        ...


@dataclass(frozen=True, slots=True)
class SingleWorkspace:
    """Single-token mode: `SLACK_BOT_TOKEN`, its `auth.test` identity, for every request."""

    workspace: Workspace

    async def find(self, team_id: str | None, enterprise_id: str | None = None) -> Workspace | None:
        return self.workspace

    async def forget(self, team_id: str, enterprise_id: str | None = None) -> None:
        return None

"""The Web API client to use for a workspace: the one holding that workspace's bot token.

A process serving several workspaces (OAuth installs) must call Slack for each with that
workspace's own token: a post in workspace B made with A's token would be refused, or
worse, land in A.  The outlet, the message source, the Home tab and forms each ask here,
by the workspace a reply or a read is about (every ref carries its installation's
workspace, `adapters.slack.translate`), and `Workspaces.find` names the token.

One client per token, built on demand by the caller's factory (so a delivery client still
shares the outlet's one connection pool and has no retry handler), kept while its token
is current: a rotated token gets a new client and the old one is dropped with the oldest.
`OneClient` is the same question answered by one fixed client: a test's, or a caller
that predates workspaces.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.workspaces import Workspace, Workspaces

CAPACITY = 512  # tokens whose clients are kept: a client is cheap, a token is short


class Clients(Protocol):
    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        """The client calling Slack as alsbot in `team_id`; None when not installed there."""
        ...


class OneClient:
    """Every workspace through one client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        return self.client


class ClientsByWorkspace:
    """A client per installed workspace's token, made by `make(token)`."""

    def __init__(
        self,
        workspaces: Workspaces,
        make: Callable[[str], AsyncWebClient],
        *,
        known: tuple[AsyncWebClient, ...] = (),
        capacity: int = CAPACITY,
    ) -> None:
        """`known`: clients already made (with their tokens), used rather than copied."""
        self.workspaces = workspaces
        self.make = make
        self.capacity = max(1, capacity)
        self._by_token: OrderedDict[str, AsyncWebClient] = OrderedDict()
        for client in known:
            if client.token:
                self._by_token[client.token] = client

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        found = await self.workspaces.find(team_id)
        return None if found is None else self.for_workspace(found)

    def for_workspace(self, workspace: Workspace) -> AsyncWebClient:
        client = self._by_token.get(workspace.token)
        if client is not None:
            self._by_token.move_to_end(workspace.token)
            return client
        client = self._by_token[workspace.token] = self.make(workspace.token)
        while len(self._by_token) > self.capacity:
            self._by_token.popitem(last=False)
        return client


def clients_of(given: AsyncWebClient | Clients) -> Clients:
    """A constructor's `client` argument, whichever of the two it was given."""
    return OneClient(given) if isinstance(given, AsyncWebClient) else given

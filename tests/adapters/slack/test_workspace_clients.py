"""One Web API client per workspace token: reused while the token holds, new when it rotates."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import BotIdentity
from adapters.slack.workspace_clients import ClientsByWorkspace, OneClient
from adapters.slack.workspaces import Workspace

pytestmark = pytest.mark.asyncio


class Tokens:
    """`Workspaces` whose tokens a test changes, as token rotation does."""

    def __init__(self) -> None:
        self.tokens = {"T1": "xoxb-1", "T2": "xoxb-2"}

    async def find(self, team_id: str | None, enterprise_id: str | None = None) -> Workspace | None:
        token = self.tokens.get(team_id or "")
        return Workspace(BotIdentity(team_id or "", "UB", "BB"), token) if token else None

    async def forget(self, team_id: str, enterprise_id: str | None = None) -> None:
        self.tokens.pop(team_id, None)


async def test_each_workspace_gets_its_token_s_client_and_a_rotated_token_a_new_one() -> None:
    tokens = Tokens()
    made: list[str] = []

    def make(token: str) -> AsyncWebClient:
        made.append(token)
        return AsyncWebClient(token=token)

    clients = ClientsByWorkspace(tokens, make, capacity=2)
    one, two = await clients.for_team("T1"), await clients.for_team("T2")
    assert one is not None and one.token == "xoxb-1"
    assert two is not None and two.token == "xoxb-2"
    assert await clients.for_team("T1") is one, "reused while the token holds"
    tokens.tokens["T1"] = "xoxb-1-rotated"
    rotated = await clients.for_team("T1")
    assert rotated is not None and rotated.token == "xoxb-1-rotated"
    assert made == ["xoxb-1", "xoxb-2", "xoxb-1-rotated"]
    assert len(clients._by_token) == 2, "the oldest token's client is dropped"
    await tokens.forget("T2")
    assert await clients.for_team("T2") is None, "not installed: no client"


async def test_a_known_client_is_used_rather_than_copied() -> None:
    known = AsyncWebClient(token="xoxb-1")
    clients = ClientsByWorkspace(
        Tokens(), lambda token: AsyncWebClient(token=token), known=(known,)
    )
    assert await clients.for_team("T1") is known
    assert await OneClient(known).for_team("T9") is known

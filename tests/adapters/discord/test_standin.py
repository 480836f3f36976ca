"""PHASE 1: a real `discord.Client` connects to the stand-in, gets READY and a message, replies."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio

from adapters.discord.transport import Endpoints, replace_http
from testkit.discord.gateway import DiscordStandIn


@pytest_asyncio.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as server:
        yield server


class EchoClient(discord.Client):
    def __init__(self, endpoints: Endpoints) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        replace_http(self, endpoints)
        self.ready = asyncio.Event()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if message.content == "ping":
            await message.channel.send(f"pong to {message.author.name}")


@contextlib.asynccontextmanager
async def running(client: discord.Client, token: str) -> AsyncIterator[asyncio.Task]:
    task = asyncio.create_task(client.start(token))
    try:
        await asyncio.wait_for(client.ready.wait(), 5)  # type: ignore[attr-defined]
        yield task
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.asyncio
async def test_a_real_client_connects_gets_ready_and_replies(standin: DiscordStandIn) -> None:
    client = EchoClient(Endpoints.from_config(standin.api_base_url, standin.gateway_url))
    alice = standin.world.add_user("alice")
    async with running(client, standin.world.token):
        assert client.user is not None and str(client.user.id) == standin.world.bot.id
        guild = client.get_guild(int(standin.world.guild_id))
        assert guild is not None and guild.get_channel(int(standin.world.general.id))
        path, query = standin.connections[0]
        assert path == "/gateway" and query["v"] == "10"
        identify = next(f for f in standin.received if f["op"] == 2)
        assert identify["d"]["token"] == standin.world.token
        assert any(f["op"] == 1 for f in standin.received), "no heartbeat"

        await standin.say(alice, standin.world.general.id, "ping")
        call = await standin.wait_for_call(
            "POST", rf"/channels/{standin.world.general.id}/messages"
        )
        assert call.body["content"] == "pong to alice"
        assert call.status == 200


@pytest.mark.asyncio
async def test_gateway_is_discovered_from_the_api_base_when_not_configured(
    standin: DiscordStandIn,
) -> None:
    client = EchoClient(Endpoints.from_config(standin.api_base_url.removesuffix("/api/v10"), None))
    async with running(client, standin.world.token):
        assert standin.calls("GET", "/gateway/bot")
        assert standin.connections[0][0] == "/gateway"


@pytest.mark.asyncio
async def test_resume_replays_missed_dispatches(standin: DiscordStandIn) -> None:
    client = EchoClient(Endpoints.from_config(standin.api_base_url, standin.gateway_url))
    alice = standin.world.add_user("alice")
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    client.event(on_resumed)
    async with running(client, standin.world.token):
        await standin.reconnect()
        await asyncio.wait_for(resumed.wait(), 5)
        assert standin.connections[-1][0] == "/gateway/resume"
        assert any(f["op"] == 6 for f in standin.received)
        await standin.say(alice, standin.world.general.id, "ping")
        await standin.wait_for_call("POST", rf"/channels/{standin.world.general.id}/messages")


@pytest.mark.asyncio
async def test_a_bad_token_is_refused(standin: DiscordStandIn) -> None:
    client = EchoClient(Endpoints.from_config(standin.api_base_url, standin.gateway_url))
    with pytest.raises(discord.LoginFailure):
        await client.start("not-the-token")
    await client.close()


@pytest.mark.asyncio
async def test_429s_are_shaped_as_discord_py_expects(standin: DiscordStandIn) -> None:
    client = EchoClient(Endpoints.from_config(standin.api_base_url, standin.gateway_url))
    alice = standin.world.add_user("alice")
    standin.fail("POST", r"/channels/\d+/messages", 429, times=2, retry_after=0.01)
    async with running(client, standin.world.token):
        await standin.say(alice, standin.world.general.id, "ping")
        await standin.wait_for(lambda: standin.bot_messages())
    statuses = [c.status for c in standin.calls("POST", r"/channels/\d+/messages")]
    assert statuses == [429, 429, 200]  # waited out and retried by discord.py itself


@pytest.mark.asyncio
async def test_an_ungranted_privileged_intent_closes_the_gateway_with_4014() -> None:
    async with DiscordStandIn(message_content_allowed=False) as standin:
        client = EchoClient(Endpoints.from_config(standin.api_base_url, standin.gateway_url))
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await client.start(standin.world.token)
        await client.close()

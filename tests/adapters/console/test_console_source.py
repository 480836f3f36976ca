"""The console's source: people named by the world (a script's `alice` is "Alice" unless
the world names her otherwise), never anyone of another platform; messages by number."""

from __future__ import annotations

import io

import pytest

from adapters.console.world import CHANNEL, ConsoleSource, ConsoleWorld, user
from bot.clock import FakeClock
from bot.ports import NameDirectory
from bot.refs import MessageRef, Platform, UserRef, WorkspaceRef
from testkit.config import START_OF_TESTS


@pytest.mark.asyncio
async def test_names_and_messages_come_from_the_world() -> None:
    world = ConsoleWorld(clock=FakeClock(START_OF_TESTS), out=io.StringIO())
    world.names["bob"] = "Robert Owen"
    source = ConsoleSource(world)
    assert isinstance(source, NameDirectory)
    assert await source.display_name(user("alice")) == "Alice"
    assert await source.display_name(user("bob")) == "Robert Owen"
    slack = UserRef(WorkspaceRef(Platform.SLACK, "T1"), "alice")
    assert await source.display_name(slack) is None

    said = world.said("alice", "Ask before advising #listening")
    fetched = await source.fetch_message(said.ref)
    assert fetched is not None and fetched.author == user("alice")
    assert fetched.text == "Ask before advising #listening" and not fetched.author_is_bot
    assert await source.fetch_message(MessageRef(CHANNEL, "99")) is None
    assert await source.channel_is_private(CHANNEL) is None

"""The do preparer: it fetches only a message a reaction could save, decided from the
database; a fetch failing for now is tried again, never lost; after the last try the
reactor is told; and the decision stays right when reactions race in one batch.

The real core on SQLite; the message source is a small class standing for the platform
(it answers, or fails for now with `FetchRetry`), counting what it is asked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio

from bot.events import ReactionAdded
from bot.ports import FetchedMessage, FetchRefused, FetchRetry, PlatformTraits
from bot.preparing import RETRY_DELAYS
from bot.refs import ChannelRef, MessageRef, Platform
from testkit.harness import GENERAL, Harness, private_to, u
from tests.bot.dos.dos_helpers import dos, make_set, msg, react, sources, unreact

TIP = "Ask what they have already tried before suggesting anything"


class FlakySource:
    """A message source: `failing` makes the next fetches fail for now."""

    def __init__(self) -> None:
        self.asked: list[MessageRef] = []
        self.failing = 0
        self.after: float | None = None
        self.refusing = False  # the platform will not let the bot read it
        self.gone = False  # deleted

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        self.asked.append(message)
        if self.failing:
            self.failing -= 1
            raise FetchRetry("the platform is unwell", after=self.after)
        if self.refusing:
            raise FetchRefused("no history scope")
        if self.gone:
            return None
        return FetchedMessage(author=u("dave"), text=f"{TIP} ({message.id})")

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        return None


@pytest_asyncio.fixture
async def h(h: Harness) -> Harness:
    await make_set(h)
    return h


@pytest.fixture
def source(h: Harness) -> FlakySource:
    platform = FlakySource()
    h.app.processor.sources[Platform.CONSOLE] = platform
    return platform


async def reacts(h: Harness, who: str, n: int, emoji: str = "white_check_mark") -> list:
    return await react(h, who, msg(n), author="dave", text=None, emoji=emoji)


@pytest.mark.asyncio
async def test_only_a_reaction_that_could_save_a_do_is_fetched(
    h: Harness, source: FlakySource
) -> None:
    await h.cmd("alice", "settings do_threshold 2")
    elsewhere = MessageRef(ChannelRef(GENERAL.workspace, "random"), "m9")
    await react(h, "carol", elsewhere, author="dave", text=None)  # no set there
    await reacts(h, "carol", 1, emoji="thumbsup")  # not the set's emoji
    await reacts(h, "carol", 1)  # one person of two
    await reacts(h, "dave", 1)  # the author: not counted
    assert source.asked == []
    await reacts(h, "erin", 1)  # two people: now the text is needed
    assert source.asked == [msg(1)]
    [do] = await dos(h)
    await reacts(h, "frank", 1)  # already saved: frank is added as a saver, no fetch
    assert source.asked == [msg(1)]
    [do] = await dos(h)
    assert u("frank").key in do.saved_by


@pytest.mark.asyncio
async def test_the_emoji_is_read_from_the_database_for_each_reaction(
    h: Harness, source: FlakySource
) -> None:
    await reacts(h, "carol", 1)
    await h.cmd("alice", "settings do_emoji tada")
    await reacts(h, "carol", 2, emoji="tada")
    await reacts(h, "carol", 3)  # ✅ is no longer the set's
    assert source.asked == [msg(1), msg(2)]
    assert len(await dos(h)) == 2


@pytest.mark.asyncio
async def test_a_fetch_failing_for_now_is_tried_again_and_saves_the_do(
    h: Harness, source: FlakySource
) -> None:
    source.failing = 2
    await reacts(h, "carol", 1)
    assert await dos(h) == []
    h.clock.advance(timedelta(seconds=RETRY_DELAYS[0]))
    await h.app.settle()
    assert await dos(h) == [], "the second try failed too"
    h.clock.advance(timedelta(seconds=RETRY_DELAYS[1]))
    await h.app.settle()
    [do] = await dos(h)
    assert do.saved_by == [u("carol").key] and len(source.asked) == 3
    assert any("saved as do" in t for t in private_to(h.new(), "carol"))


@pytest.mark.asyncio
async def test_after_the_last_try_the_reactor_is_told_and_may_try_again(
    h: Harness, source: FlakySource
) -> None:
    source.failing = len(RETRY_DELAYS) + 1
    await reacts(h, "carol", 1)
    for delay in RETRY_DELAYS:
        assert not private_to(h.new(), "carol"), "nobody is told before the last try"
        h.clock.advance(timedelta(seconds=delay))
        await h.app.settle()
    [told] = private_to(h.new(), "carol")
    assert "couldn't read that message" in told and "try again later" in told
    assert await dos(h) == [] and all(s.text == "" for s in await sources(h))

    await unreact(h, "carol", msg(1))  # as the message says: remove it, add it again
    await reacts(h, "carol", 1)
    [do] = await dos(h)
    assert do.text.startswith(TIP)


@pytest.mark.asyncio
async def test_reactions_prepared_together_still_reach_the_threshold(
    h: Harness, source: FlakySource
) -> None:
    """Both reactions are prepared before either is applied, so neither alone reaches the
    threshold of 2 and neither is fetched; the second is prepared again once the first
    counts, and the do is saved with one fetch."""
    await h.cmd("alice", "settings do_threshold 2")
    for who in ("carol", "erin"):
        await h.app.submit(
            ReactionAdded(
                key=h.key(),
                user=u(who),
                message=msg(1),
                emoji="white_check_mark",
                author=u("dave"),
            )
        )
    await h.app.settle()
    [do] = await dos(h)
    assert sorted(do.saved_by) == sorted([u("carol").key, u("erin").key])
    assert source.asked == [msg(1)]


@pytest.mark.asyncio
async def test_a_removal_waits_for_its_deferred_addition(h: Harness, source: FlakySource) -> None:
    source.failing = 1
    await reacts(h, "carol", 1)
    await unreact(h, "carol", msg(1))  # within the undo window of a save not yet made
    assert await dos(h) == []
    h.clock.advance(timedelta(seconds=RETRY_DELAYS[0]))
    await h.app.settle()
    out = private_to(h.new(), "carol")
    assert any("saved as do #1" in t for t in out), "the addition first"
    assert any("no longer saved" in t for t in out), "then its removal undid it"
    assert await dos(h) == []


WHERE = "from the message's menu"


@pytest.mark.asyncio
async def test_a_refused_read_tells_the_reactor_to_use_save_as_do_at_once(
    h: Harness, source: FlakySource
) -> None:
    """No history scope, or not in the channel: trying again would not help, so nothing is
    retried and the reactor is told, in the platform's words, where "Save as do" is."""
    h.app.traits.declare(Platform.CONSOLE, PlatformTraits(save_as_do=WHERE))
    source.refusing = True
    [told] = private_to(await reacts(h, "carol", 1), "carol")
    assert "not allowed to read that message" in told
    assert f"use “Save as do” {WHERE}" in told
    assert len(source.asked) == 1 and await dos(h) == []


@pytest.mark.asyncio
async def test_a_platform_without_save_as_do_says_who_can_help(
    h: Harness, source: FlakySource
) -> None:
    source.refusing = True
    [told] = private_to(await reacts(h, "carol", 1), "carol")
    assert "Save as do" not in told and "whoever runs alsbot" in told


@pytest.mark.asyncio
async def test_after_the_last_try_the_reactor_is_also_offered_save_as_do(
    h: Harness, source: FlakySource
) -> None:
    h.app.traits.declare(Platform.CONSOLE, PlatformTraits(save_as_do=WHERE))
    source.failing = len(RETRY_DELAYS) + 1
    await reacts(h, "carol", 1)
    for delay in RETRY_DELAYS:
        h.clock.advance(timedelta(seconds=delay))
        await h.app.settle()
    [told] = private_to(h.new(), "carol")
    assert "couldn't read that message" in told and f"“Save as do” {WHERE}" in told
    assert "try again later" in told


@pytest.mark.asyncio
async def test_a_deleted_message_says_nothing(h: Harness, source: FlakySource) -> None:
    h.app.traits.declare(Platform.CONSOLE, PlatformTraits(save_as_do=WHERE))
    source.gone = True
    assert private_to(await reacts(h, "carol", 1), "carol") == [] and await dos(h) == []

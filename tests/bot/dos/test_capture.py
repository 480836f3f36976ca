"""Capturing do's through the real core: thresholds, self-reactions, duplicates, merging,
undo, the bot's messages, withheld text, and fetching what the adapter left out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio

from adapters.discord.traits import DISCORD_TRAITS
from bot.ports import UNREADABLE, FetchedMessage, PlatformTraits
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from bot.replies import Direct, Ephemeral, Plain
from testkit.harness import GENERAL, Harness, private_to, public, u
from testkit.recording import RecordingOutlet
from tests.bot.dos.dos_helpers import (
    dos,
    make_set,
    msg,
    react,
    reactions,
    sources,
    unreact,
)

TIP = "Ask what they have already tried before suggesting anything #listening"


@pytest_asyncio.fixture
async def h(h: Harness) -> Harness:
    """The shared harness (conftest), with a set already made."""
    await make_set(h)
    return h


@pytest.mark.asyncio
async def test_one_reaction_saves_with_author_saver_tags_and_a_private_note(h: Harness) -> None:
    out = await react(h, "carol", msg(1), author="dave", text=TIP)
    [do] = await dos(h)
    assert do.text == TIP and do.author_key == u("dave").key
    assert do.saved_by == [u("carol").key] and do.tags == ["listening"]
    [source] = await sources(h)
    assert source.status == "saved" and source.do_id == do.id and source.saved_at == h.clock.now()
    assert private_to(out, "carol") and "saved as do #1" in private_to(out, "carol")[0]
    assert not public(out), "saving a do is never announced in the channel"


@pytest.mark.asyncio
async def test_threshold_counts_distinct_people_not_the_author(h: Harness) -> None:
    await h.cmd("alice", "settings do_threshold 3")
    await react(h, "carol", msg(1), author="dave", text=TIP)
    await react(h, "carol", msg(1), author="dave", text=TIP)  # again, another event key
    await react(h, "dave", msg(1), author="dave", text=TIP)  # the author's own: not counted
    assert await dos(h) == []
    assert [r.user_key for r in await reactions(h)] == [u("carol").key]
    assert await sources(h) == [], "nothing of the message is kept below the threshold"
    await react(h, "erin", msg(1), author="dave", text=TIP)
    assert await dos(h) == []
    await react(h, "frank", msg(1), author="dave", text=TIP)
    [do] = await dos(h)
    assert do.saved_by == [u(p).key for p in ("carol", "erin", "frank")]


@pytest.mark.asyncio
async def test_self_reaction_only_when_the_set_allows_it(h: Harness) -> None:
    await react(h, "dave", msg(1), author="dave", text=TIP)
    assert await dos(h) == []
    await h.cmd("alice", "settings do_allow_self on")
    await react(h, "dave", msg(2), author="dave", text="Write the question down first")
    [do] = await dos(h)
    assert do.author_key == do.saved_by[0] == u("dave").key


@pytest.mark.asyncio
async def test_only_the_sets_emoji_counts_in_either_spelling(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, emoji="thumbsup")
    assert await dos(h) == []
    await react(h, "carol", msg(1), author="dave", text=TIP, emoji="✅")  # Discord's spelling
    assert len(await dos(h)) == 1
    await h.cmd("alice", "settings do_emoji 💡")
    await react(h, "carol", msg(2), author="dave", text="Pause before answering")
    assert len(await dos(h)) == 1
    await react(h, "carol", msg(2), author="dave", text="Pause before answering", emoji="bulb")
    assert len(await dos(h)) == 2


@pytest.mark.asyncio
async def test_no_set_no_capture_and_the_bots_messages_are_ignored(h: Harness) -> None:
    elsewhere = MessageRef(ChannelRef(GENERAL.workspace, "random"), "m1")
    await react(h, "carol", elsewhere, author="dave", text=TIP)
    await react(h, "carol", msg(2), author=None, text="Session summary from alsbot")
    assert await dos(h) == [] and await reactions(h) == []


@pytest.mark.asyncio
async def test_people_from_another_workspace_do_not_save_into_this_set(h: Harness) -> None:
    guest = UserRef(WorkspaceRef(Platform.CONSOLE, "guests"), "gina")
    from bot.events import ReactionAdded

    for key, user, author in (("g1", guest, u("dave")), ("g2", u("carol"), guest)):
        await h.app.handle(
            ReactionAdded(
                key=key,
                user=user,
                message=msg(1),
                emoji="white_check_mark",
                author=author,
                text=TIP,
            )
        )
    assert await dos(h) == [] and await reactions(h) == []


@pytest.mark.asyncio
async def test_duplicate_delivery_and_two_reactors_save_once(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP, key="slack:event:Ev1")
    await react(h, "carol", msg(1), author="dave", text=TIP, key="slack:event:Ev1")  # retry
    await react(h, "carol", msg(1), author="dave", text=TIP, key="slack:event:Ev2")  # resend
    out = await react(h, "erin", msg(1), author="dave", text=TIP)
    [do] = await dos(h)
    assert len(await sources(h)) == 1
    assert do.saved_by == [u("carol").key, u("erin").key]
    assert not private_to(out, "erin"), "a later reactor is not told it was saved again"


@pytest.mark.asyncio
async def test_same_text_merges_and_keeps_both_sources(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text="Ask open questions!")
    out = await react(h, "erin", msg(2), author="bob", text="  ask OPEN questions #Coaching")
    [do] = await dos(h)
    assert do.text == "Ask open questions!", "the first wording is kept"
    assert do.tags == ["coaching"] and do.saved_by == [u("carol").key, u("erin").key]
    assert [(s.message_key, s.do_id) for s in await sources(h)] == [
        (msg(1).key, do.id),
        (msg(2).key, do.id),
    ]
    assert "merged into do #1" in private_to(out, "erin")[0]


@pytest.mark.asyncio
async def test_removing_every_reaction_within_ten_minutes_undoes(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP)
    await react(h, "erin", msg(1), author="dave", text=TIP)
    await h.wait(timedelta(minutes=4))
    await unreact(h, "carol", msg(1))
    assert len(await dos(h)) == 1, "one reaction is still there"
    await unreact(h, "erin", msg(1), emoji="thumbsup")  # not the do emoji: nothing happens
    assert len(await dos(h)) == 1
    out = await unreact(h, "erin", msg(1))
    assert await dos(h) == []
    [source] = await sources(h)
    assert source.status == "counting" and source.text == "" and source.do_id is None
    assert "no longer saved" in private_to(out, "erin")[0]
    await react(h, "carol", msg(1), author="dave", text=TIP)
    assert len(await dos(h)) == 1, "reacting again saves it again"


@pytest.mark.asyncio
async def test_after_ten_minutes_removing_reactions_keeps_the_do(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP)
    await h.wait(timedelta(minutes=11))
    await unreact(h, "carol", msg(1))
    assert len(await dos(h)) == 1


@pytest.mark.asyncio
async def test_undo_keeps_a_merged_do_that_has_another_source(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text="Ask open questions")
    await react(h, "erin", msg(2), author="bob", text="Ask open questions.")
    await unreact(h, "erin", msg(2))
    [do] = await dos(h)
    assert [s.status for s in await sources(h)] == ["saved", "counting"]
    assert do.text == "Ask open questions"


@pytest.mark.asyncio
async def test_withheld_text_is_never_saved_and_facilitators_are_told_once(h: Harness) -> None:
    await h.cmd("alice", "facilitator add <@bob>")
    h.new()
    out = await react(h, "carol", msg(1), author="dave", text="")
    assert await dos(h) == []
    told = [r for r in out if isinstance(r, Direct)]
    assert sorted(r.user.id for r in told) == ["alice", "bob"]
    assert f"nothing was saved: {UNREADABLE}" in told[0].text.plain()
    assert "The message:" not in told[0].text.plain(), "the console has no links"
    out = await react(h, "erin", msg(2), author="dave", text="   ")
    assert not [r for r in out if isinstance(r, Direct)], "told once, not on every reaction"
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_the_reason_and_the_links_are_the_platform_s_declared_traits(h: Harness) -> None:
    def link(message: MessageRef) -> str:
        return f"https://chat.example/{message.channel.id}/{message.id}"

    withheld = "the platform kept its text from me."
    h.app.attach(h.outlet, traits=PlatformTraits(permalink=link, unreadable=withheld))
    out = await react(h, "carol", msg(1), author="dave", text="")
    [told] = [r for r in out if isinstance(r, Direct)]
    assert f"nothing was saved: {withheld}" in told.text.plain()
    assert "The message: https://chat.example/general/m1" in told.text.plain()
    await react(h, "carol", msg(2), author="dave", text=TIP)
    saved = [s.permalink for s in await sources(h) if s.message_key == msg(2).key]
    assert saved == ["https://chat.example/general/m2"]


@pytest.mark.asyncio
async def test_text_in_replies_is_plain_so_adapters_escape_it(h: Harness) -> None:
    nasty = "<!channel> @everyone <script>document.title='pwned'</script>"
    await react(h, "carol", msg(1), author="dave", text=nasty)
    [do] = await dos(h)
    assert do.text == nasty, "the raw text is stored; escaping is each renderer's job"
    out = await h.cmd("carol", "dos")
    [reply] = [r for r in out if isinstance(r, Ephemeral)]
    assert any(isinstance(p, Plain) and nasty in p.text for p in reply.text.parts)


# --------------------------------------------------------------------------- preparing


class FakeSource:
    def __init__(self, found: FetchedMessage | None) -> None:
        self.found = found
        self.asked: list[MessageRef] = []

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        self.asked.append(message)
        return self.found

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        return None


@pytest.mark.asyncio
async def test_the_preparer_fetches_what_the_event_lacks(h: Harness) -> None:
    source = FakeSource(FetchedMessage(author=u("dave"), text=TIP))
    h.app.processor.sources[Platform.CONSOLE] = source
    await react(h, "carol", msg(1), author=None, text=None)
    [do] = await dos(h)
    assert do.text == TIP and do.author_key == u("dave").key
    assert source.asked == [msg(1)]
    await react(h, "erin", msg(2), author=None, text=None, emoji="thumbsup")
    await react(h, "erin", msg(3), author=None, text=None, emoji="tada")
    assert source.asked == [msg(1)], "once the sets are known, only do emojis are fetched"


@pytest.mark.asyncio
async def test_a_fetched_bot_message_is_ignored(h: Harness) -> None:
    h.app.processor.sources[Platform.CONSOLE] = FakeSource(
        FetchedMessage(author=u("alsbot"), text="Session summary", author_is_bot=True)
    )
    await react(h, "carol", msg(1), author=None, text=None)
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_a_message_that_cannot_be_fetched_is_not_saved(h: Harness) -> None:
    h.app.processor.sources[Platform.CONSOLE] = FakeSource(None)
    await react(h, "carol", msg(1), author="dave", text=None)
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_discord_thread_messages_find_their_set_through_the_thread(
    sqlite_url: str, clock
) -> None:
    """On Discord a thread is its own channel: the set is the thread's parent's."""
    h = await Harness.open(sqlite_url, clock)
    h.app.attach(RecordingOutlet(platform=Platform.DISCORD), traits=DISCORD_TRAITS)
    ws = WorkspaceRef(Platform.DISCORD, "G1")
    parent = ChannelRef(ws, "100")
    try:
        await h.cmd("1", "facilitator add <@1>", channel=parent, ws=ws)  # a snowflake
        thread = MessageRef(parent, "555")
        in_thread = MessageRef(ChannelRef(ws, "555"), "777")
        from bot.events import ReactionAdded

        await h.app.handle(
            ReactionAdded(
                key="discord:reaction:777:white_check_mark:2:add",
                user=UserRef(ws, "2"),
                message=in_thread,
                emoji="white_check_mark",
                author=UserRef(ws, "3"),
                text="Name the feeling before the fix",
                thread=thread,
            )
        )
        [do] = await dos(h)
        [source] = await sources(h)
        assert do.text == "Name the feeling before the fix"
        assert source.permalink == "https://discord.com/channels/G1/555/777"
    finally:
        await h.close()

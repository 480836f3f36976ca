""" "Save as do" through the real core, on SQLite and PostgreSQL: one person's choice saves a
message at once, with the reactions' rules for sets, the bot's messages, round threads,
duplicates, merging and messages closed for good."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
import pytest_asyncio

from bot.events import MessageSaved
from bot.ports import FetchedMessage, FetchRetry
from bot.refs import ChannelRef, MessageRef, Platform
from bot.replies import Direct, Ephemeral, File, Plain, Reply
from testkit.harness import GENERAL, Harness, private_to, public, u
from tests.bot.dos.dos_helpers import dos, make_set, msg, react, reactions, sources, unreact

TIP = "Ask what they have already tried before suggesting anything #listening"
_keys = itertools.count(1)


@pytest_asyncio.fixture
async def h(h: Harness) -> Harness:
    """The shared harness (conftest), with a set already made (alice facilitates it)."""
    await make_set(h)
    return h


async def save(
    h: Harness,
    who: str,
    message: MessageRef,
    *,
    author: str | None,
    text: str = TIP,
    thread: MessageRef | None = None,
    key: str | None = None,
) -> list[Reply]:
    """`who` chooses "Save as do" on `message`, as an adapter hands it over."""
    await h.app.handle(
        MessageSaved(
            key=key or f"test:save:{next(_keys)}",
            user=u(who),
            channel=message.channel,
            message=message,
            text=text,
            author=u(author) if author else None,
            thread=thread,
        )
    )
    return h.new()


@pytest.mark.asyncio
async def test_one_choice_saves_at_once_whatever_the_threshold(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    await h.cmd("alice", "settings do_threshold 3")
    h.new()
    out = await save(h, "carol", msg(1), author="dave")
    [do] = await dos(h)
    assert do.text == TIP and do.author_key == u("dave").key
    assert do.saved_by == [u("carol").key] and do.tags == ["listening"]
    [source] = await sources(h)
    assert (source.message_key, source.status, source.do_id) == (msg(1).key, "saved", do.id)
    [told] = private_to(out, "carol")
    assert "Saved as do #1" in told and "Ask what they have" in told
    assert "Its author or a facilitator can take it out with `/als dos remove 1`" in told
    assert not public(out), "saving is never announced in the channel"


@pytest.mark.asyncio
async def test_the_author_and_facilitators_are_told_they_may_remove_it(h: Harness) -> None:
    out = await save(h, "dave", msg(1), author="dave")
    assert "`/als dos remove 1` takes it out again" in private_to(out, "dave")[0]
    [do] = await dos(h)
    assert do.saved_by == [u("dave").key], "the author may save their own message"
    out = await save(h, "alice", msg(2), author="dave", text="Pause before you answer")
    assert "`/als dos remove 2` takes it out again" in private_to(out, "alice")[0]
    out = await h.cmd("dave", "dos remove 1")
    assert "Removed do #1" in private_to(out, "dave")[0]


@pytest.mark.asyncio
async def test_a_message_saved_by_reactions_is_one_do_with_one_source(
    set_on_any_db: Harness,
) -> None:
    h = set_on_any_db
    await react(h, "carol", msg(1), author="dave", text=TIP)
    out = await save(h, "erin", msg(1), author="dave")
    assert "already saved as do #1" in private_to(out, "erin")[0]
    [do] = await dos(h)
    assert do.saved_by == [u("carol").key, u("erin").key]
    assert len(await sources(h)) == 1
    # …and the other way round: a reaction on a chosen message adds its reactor.
    await save(h, "carol", msg(2), author="dave", text="Pause before you answer")
    out = await react(h, "frank", msg(2), author="dave", text="Pause before you answer")
    assert not private_to(out, "frank")
    assert [d.saved_by for d in await dos(h)][1] == [u("carol").key, u("frank").key]
    assert len(await sources(h)) == 2


@pytest.mark.asyncio
async def test_reactions_below_the_threshold_become_savers(h: Harness) -> None:
    await h.cmd("alice", "settings do_threshold 3")
    await react(h, "carol", msg(1), author="dave", text=TIP)
    assert await dos(h) == []
    await save(h, "erin", msg(1), author="dave")
    [do] = await dos(h)
    assert do.saved_by == [u("carol").key, u("erin").key]


@pytest.mark.asyncio
async def test_the_same_text_merges_into_the_existing_do(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    await react(h, "carol", msg(1), author="dave", text="Ask open questions!")
    out = await save(h, "erin", msg(2), author="bob", text="  ask OPEN questions #Coaching")
    [do] = await dos(h)
    assert do.text == "Ask open questions!" and do.tags == ["coaching"]
    assert do.saved_by == [u("carol").key, u("erin").key]
    assert [(s.message_key, s.do_id) for s in await sources(h)] == [
        (msg(1).key, do.id),
        (msg(2).key, do.id),
    ]
    assert "merged into it" in private_to(out, "erin")[0]


@pytest.mark.asyncio
async def test_in_a_rounds_thread_the_author_is_asked_first(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    await h.cmd("alice", "start <@bob>")
    h.new()
    thread = h.header()
    secret = "I keep a list of what each volunteer enjoys #rota"
    out = await save(h, "carol", msg(1), author="bob", text=secret, thread=thread)
    assert await dos(h) == [], "nothing is saved before the author says yes"
    [asked] = [r for r in out if isinstance(r, Direct)]
    assert asked.user == u("bob") and secret in asked.text.plain()
    assert "asked its author" in private_to(out, "carol")[0]
    [source] = await sources(h)
    assert source.status == "pending"

    out = await save(h, "erin", msg(1), author="bob", text=secret, thread=thread)
    assert "already been asked" in private_to(out, "erin")[0]
    assert not [r for r in out if isinstance(r, Direct)], "asked once"

    await h.press("bob", "Yes, save it")
    [do] = await dos(h)
    assert do.text == secret and do.saved_by == [u("carol").key, u("erin").key]


@pytest.mark.asyncio
async def test_the_author_saving_in_a_rounds_thread_is_not_asked(h: Harness) -> None:
    await h.cmd("alice", "start <@bob>")
    h.new()
    out = await save(h, "bob", msg(1), author="bob", thread=h.header())
    assert not [r for r in out if isinstance(r, Direct)]
    [do] = await dos(h)
    assert do.saved_by == [u("bob").key]


@pytest.mark.asyncio
async def test_declined_and_removed_messages_are_never_saved_again(h: Harness) -> None:
    await h.cmd("alice", "start <@bob>")
    h.new()
    await save(h, "carol", msg(1), author="bob", thread=h.header())
    await h.press("bob", "No, keep it private")
    out = await save(h, "erin", msg(1), author="bob", thread=h.header())
    assert "can't be saved as a do again" in private_to(out, "erin")[0]
    await save(h, "carol", msg(2), author="dave")
    await h.cmd("alice", "dos remove 1")
    h.new()
    out = await save(h, "carol", msg(2), author="dave")
    assert "can't be saved as a do again" in private_to(out, "carol")[0]
    assert await dos(h) == []


@pytest.mark.asyncio
async def test_refusals_are_private_and_save_nothing(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    out = await save(h, "carol", msg(1), author=None, text="Session summary from alsbot")
    assert "bot's own messages" in private_to(out, "carol")[0]
    out = await save(h, "carol", msg(2), author="dave", text="  \n ")
    assert "no text I can save" in private_to(out, "carol")[0]
    elsewhere = MessageRef(ChannelRef(GENERAL.workspace, "random"), "m3")
    out = await save(h, "carol", elsewhere, author="dave")
    [told] = out
    assert isinstance(told, Ephemeral) and told.user == u("carol")
    assert "works on messages in a set's channel" in told.text.plain()
    assert await dos(h) == [] and await sources(h) == [] and await reactions(h) == []


@pytest.mark.asyncio
async def test_the_same_interaction_delivered_twice_is_one_do(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    await save(h, "carol", msg(1), author="dave", key="slack:action:trig.1")
    out = await save(h, "carol", msg(1), author="dave", key="slack:action:trig.1")
    assert out == [], "a duplicate key has no second effect"
    out = await save(h, "carol", msg(1), author="dave", key="slack:action:trig.2")
    assert "already saved as do #1" in private_to(out, "carol")[0]
    [do] = await dos(h)
    assert do.saved_by == [u("carol").key] and len(await sources(h)) == 1


@pytest.mark.asyncio
async def test_taking_reactions_back_does_not_undo_a_choice(h: Harness) -> None:
    await react(h, "carol", msg(1), author="dave", text=TIP)
    await save(h, "carol", msg(1), author="dave")
    await react(h, "erin", msg(1), author="dave", text=TIP)
    await unreact(h, "carol", msg(1))
    await unreact(h, "erin", msg(1))
    assert len(await dos(h)) == 1, "carol chose it: her ✅ going is not an undo"
    # A pending question is not withdrawn by reactions either.
    await h.cmd("alice", "settings do_threshold 2")
    await h.cmd("alice", "start <@bob>")
    h.new()
    await save(h, "carol", msg(2), author="bob", text="Keep a rota", thread=h.header())
    await react(h, "erin", msg(2), author="bob", text="Keep a rota", thread=h.header())
    await unreact(h, "erin", msg(2))
    assert [s.status for s in await sources(h)] == ["saved", "pending"]


@pytest.mark.asyncio
async def test_text_in_the_confirmation_is_plain(h: Harness) -> None:
    nasty = "<!channel> @everyone <script>x</script>"
    out = await save(h, "carol", msg(1), author="dave", text=nasty)
    [reply] = [r for r in out if isinstance(r, Ephemeral)]
    assert any(isinstance(p, Plain) and nasty in p.text for p in reply.text.parts)


class StuckSource:
    """A platform whose history reads are rate-limited for now."""

    def __init__(self) -> None:
        self.asked: list[MessageRef] = []

    async def fetch_message(self, message: MessageRef) -> FetchedMessage | None:
        self.asked.append(message)
        raise FetchRetry("ratelimited", after=60)

    async def channel_is_private(self, channel: ChannelRef) -> bool | None:
        return None


@pytest.mark.asyncio
async def test_it_does_not_wait_behind_a_reaction_whose_fetch_is_retried(h: Harness) -> None:
    source = StuckSource()
    h.app.processor.sources[Platform.CONSOLE] = source
    await react(h, "carol", msg(1), author="dave", text=None)
    assert source.asked == [msg(1)] and await dos(h) == []
    out = await save(h, "carol", msg(1), author="dave")
    assert "Saved as do #1" in private_to(out, "carol")[0]
    assert source.asked == [msg(1)], "nothing more was read"
    await h.wait(timedelta(minutes=2))  # the reaction's retry finds it saved: no fetch
    assert len(await dos(h)) == 1 and len(await sources(h)) == 1


@pytest.mark.asyncio
async def test_export_me_and_forget_me_cover_a_chosen_do(set_on_any_db: Harness) -> None:
    h = set_on_any_db
    await save(h, "carol", msg(1), author="dave")
    [file] = [r for r in await h.cmd("dave", "export-me") if isinstance(r, File)]
    mine = json.loads(file.content)
    assert [s["message_key"] for s in mine["do_sources"]] == [msg(1).key]
    assert [d["text"] for d in mine["dos_written"]] == [TIP]
    [file] = [r for r in await h.cmd("carol", "export-me") if isinstance(r, File)]
    assert [d["saved_by"] for d in json.loads(file.content)["dos_saved"]] == [[u("carol").key]]

    await h.cmd("carol", "forget-me confirm")
    [do] = await dos(h)
    assert do.saved_by == [] and await reactions(h) == [], "the saver's name and mark go"
    await h.cmd("dave", "forget-me confirm")
    assert await dos(h) == [] and await sources(h) == [], "the author's words go"

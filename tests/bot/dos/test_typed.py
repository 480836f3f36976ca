"""`/als dos add <text>` (issue 18): a typed do is saved, merged and forgotten by the same
rules as one saved by reaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from bot.refs import ChannelRef
from bot.replies import File
from testkit.harness import WS, Harness, private_to, u
from tests.bot.dos.dos_helpers import dos, msg, react, sources


@pytest_asyncio.fixture
async def h(set_on_any_db: Harness) -> Harness:
    for who in ("bob", "carol"):
        await set_on_any_db.cmd(who, "join")
    set_on_any_db.new()
    return set_on_any_db


@pytest.mark.asyncio
async def test_a_typed_do_is_saved_with_its_tags_and_found_by_search(h: Harness) -> None:
    out = private_to(
        await h.cmd("bob", "dos add Ask what they have already tried #listening"), "bob"
    )
    [do] = await dos(h)
    assert out == [
        f"Saved as do #{do.id}: “Ask what they have already tried #listening”. Find it with "
        f"`/als dos`; `/als dos remove {do.id}` takes it out again."
    ]
    assert do.author_key == u("bob").key and do.tags == ["listening"]
    assert do.saved_by == [u("bob").key] and do.status == "saved"
    [source] = await sources(h)
    assert source.do_id == do.id and source.message_key.startswith("typed:")
    found = private_to(await h.cmd("carol", "dos tried"), "carol")
    assert any(f"#{do.id} Ask what they have already tried" in line for line in found)


@pytest.mark.asyncio
async def test_the_same_words_merge_with_a_do_saved_by_reaction(h: Harness) -> None:
    await react(h, "carol", msg(1), author="alice", text="Ask open questions #listening")
    [first] = await dos(h)
    out = private_to(await h.cmd("bob", "dos add ask OPEN questions! #coaching"), "bob")
    [merged] = await dos(h)
    assert merged.id == first.id and len(await sources(h)) == 2
    assert merged.tags == ["listening", "coaching"]
    assert merged.saved_by == [u("carol").key, u("bob").key]
    assert out[0].startswith(f"That's already in the toolkit as do #{first.id} (it says the same)")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("said", "why"),
    [("dos add hi", "Say the do in a few words"), ("dos add #only #tags", "Say the do in a few")],
)
async def test_too_little_is_refused_and_nothing_is_stored(h: Harness, said: str, why: str) -> None:
    out = private_to(await h.cmd("bob", said), "bob")
    assert why in out[0] and await dos(h) == [] and await sources(h) == []


@pytest.mark.asyncio
async def test_only_members_add_do_s_and_add_no_longer_searches(h: Harness) -> None:
    out = private_to(await h.cmd("zed", "dos add Start with a one-word check-in"), "zed")
    assert await dos(h) == [] and "member" in out[0]
    assert private_to(await h.cmd("bob", "dos add"), "bob")[0].startswith("Say the do")


@pytest.mark.asyncio
async def test_from_a_dm_it_goes_to_the_person_s_only_set(h: Harness) -> None:
    dm = ChannelRef(WS, "dm-bob")
    await h.cmd("bob", "dos add Start with a one-word check-in", channel=dm)
    [do] = await dos(h)
    assert do.text == "Start with a one-word check-in"


@pytest.mark.asyncio
async def test_forget_me_takes_a_typed_do_with_its_only_author(h: Harness) -> None:
    await h.cmd("bob", "dos add Start with a one-word check-in")
    [file] = [r for r in await h.cmd("bob", "export-me") if isinstance(r, File)]
    assert "Start with a one-word check-in" in json.dumps(json.loads(file.content))
    await h.cmd("bob", "forget-me confirm")
    assert await dos(h) == [] and await sources(h) == []

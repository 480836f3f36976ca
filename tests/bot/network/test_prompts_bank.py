"""The set's own prompts (`/als prompts add|list|remove`), the replies in a prompt's thread
(never kept; a do by reaction as usual), and export-me / forget-me."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.events import MessagePosted
from bot.refs import MessageRef
from bot.replies import File
from bot.store.models import Base
from testkit.harness import GENERAL, Harness, private_to, u
from testkit.nudges import wait_until
from tests.bot.dos.dos_helpers import dos, react, sources
from tests.bot.network.prompt_helpers import a_set, own, prompt_ref, prompts_in, utc


async def listed(h: Harness, who: str) -> str:
    return private_to(await h.cmd(who, "prompts list"), who)[0]


@pytest.mark.asyncio
async def test_any_member_adds_one_of_five_to_three_hundred_characters(h: Harness) -> None:
    await a_set(h, "bob", "carol")
    assert private_to(await h.cmd("bob", "prompts add  What   surprised you?  "), "bob") == [
        "Added as #5: “What surprised you?”. A new prompt goes before ones already posted. "
        "Prompts are off: a facilitator turns them on with `/als prompts on`."
    ]
    [row] = await own(h)
    assert (row.text, row.added_by, row.status) == ("What surprised you?", u("bob").key, "active")
    assert (
        "characters; this one is 3" in private_to(await h.cmd("bob", "prompts add Why"), "bob")[0]
    )
    too_long = "x" * 301
    assert "this one is 301" in private_to(await h.cmd("bob", f"prompts add {too_long}"), "bob")[0]
    assert private_to(await h.cmd("carol", "prompts add what surprised YOU?"), "carol") == [
        "That prompt is already #5 in `/als prompts list`."
    ]
    assert (
        "already #1"
        in private_to(
            await h.cmd("carol", "prompts add Where does your power lie, and how do you use it?"),
            "carol",
        )[0]
    )
    assert len(await own(h)) == 1
    # Someone who is not in the set is told to join first.
    out = private_to(await h.cmd("zed", "prompts add Who are you?"), "zed")
    assert out and "join" in out[0].lower(), out


@pytest.mark.asyncio
async def test_the_list_numbers_the_bank_then_the_sets_own(h: Harness) -> None:
    await a_set(h, "bob", "carol")
    await h.cmd("bob", "prompts add What surprised you this week?")
    await h.cmd("carol", "prompts add Who helped you this week?")
    await h.cmd("alice", "prompts on")
    shown = await listed(h, "bob")
    assert shown == (
        "Prompt of the week: Monday 10:00 (Europe/London), except in weeks the set meets. "
        "Next: Monday 19 January 2026, 10:00 (Europe/London).\n"
        "The bot's own (always in the rotation):\n"
        "1. Where does your power lie, and how do you use it? ← next in turn\n"
        "2. What is one small 'do' you saw this week?\n"
        "3. What would you like to do, and what do you like doing?\n"
        "4. Describe this month's work in one word or image.\n"
        "This set's own (`/als prompts remove <n>`: by whoever added it, or a facilitator):\n"
        "5. What surprised you this week? (yours)\n"
        "6. Who helped you this week?"
    )
    assert "(yours)" not in (await listed(h, "alice"))


@pytest.mark.asyncio
async def test_removing_by_its_author_or_a_facilitator_only(h: Harness) -> None:
    await a_set(h, "bob", "carol")
    for words in ("One for the set", "Two for the set", "Three for the set"):
        await h.cmd("bob", f"prompts add {words}")
    assert private_to(await h.cmd("bob", "prompts remove 2"), "bob") == [
        "#2 is one of the bot's own prompts: they always stay. Only the set's own (from #5 in "
        "`/als prompts list`) can be removed."
    ]
    assert private_to(await h.cmd("bob", "prompts remove 9"), "bob") == [
        "There is no prompt #9: `/als prompts list` shows them."
    ]
    assert private_to(await h.cmd("carol", "prompts remove 5"), "carol") == [
        "Only whoever added that prompt, or a facilitator, can remove it."
    ]
    assert private_to(await h.cmd("bob", "prompts remove 6"), "bob") == [
        "Removed #6: “Two for the set”."
    ]
    assert private_to(await h.cmd("alice", "prompts remove 6"), "alice") == [
        "Removed #6: “Three for the set”."
    ]
    assert [r.text for r in await own(h)] == ["One for the set"]


async def counts(h: Harness) -> dict[str, int]:
    out = {}
    async with h.app.store.read() as conn:
        for name, table in Base.metadata.tables.items():
            out[name] = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
    return out


@pytest.mark.asyncio
async def test_a_reply_in_the_prompts_thread_is_kept_nowhere_but_a_do_can_be_saved(
    h: Harness,
) -> None:
    await a_set(h, "bob", "carol")
    await h.cmd("alice", "prompts on")
    [prompt] = prompts_in(await wait_until(h, utc(2026, 1, 19, 10)))
    thread = prompt_ref(h, str(prompt.handle))
    before = await counts(h)
    reply = MessageRef(GENERAL, "reply-1")
    words = "My power is in the room booking spreadsheet, honestly"
    await h.app.handle(
        MessagePosted(
            key="test:prompt-reply",
            user=u("carol"),
            channel=GENERAL,
            message=reply,
            text=words,
            thread=thread,
        )
    )
    assert h.new() == [], "the bot says nothing in the thread"
    after = await counts(h)
    changed = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    assert changed == {"inbox": 1}, "only the inbox holds it, until retention blanks it"
    # bob saves carol's reply as a do with the set's emoji, as anywhere in the channel.
    await react(h, "bob", reply, author="carol", text=words, thread=thread)
    [do] = await dos(h)
    assert (do.text, do.author_key) == (words, u("carol").key)
    assert [s.author_key for s in await sources(h)] == [u("carol").key]


async def export_of(h: Harness, who: str) -> dict[str, Any]:
    [file] = [r for r in await h.cmd(who, "export-me") if isinstance(r, File)]
    return json.loads(file.content)


@pytest.mark.asyncio
async def test_export_me_shows_the_prompts_they_added_and_forget_me_deletes_them(
    h: Harness,
) -> None:
    await a_set(h, "bob", "carol")
    await h.cmd("bob", "prompts add What surprised you this week?")
    await h.cmd("carol", "prompts add Who helped you this week?")
    exported = (await export_of(h, "bob"))["prompts_added"]
    assert [(p["text"], p["added_by"]) for p in exported] == [
        ("What surprised you this week?", u("bob").key)
    ]
    assert (await export_of(h, "alice"))["prompts_added"] == []
    await h.cmd("bob", "forget-me confirm")
    assert [r.text for r in await own(h)] == ["Who helped you this week?"]
    assert "What surprised you" not in await listed(h, "carol")

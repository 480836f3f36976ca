"""forget-me and export-me on do's several people said (issue 14, point 3), through the
commands, on SQLite and PostgreSQL: one person's forget-me takes only their own words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.replies import File
from testkit.harness import Harness, private_to, u
from tests.bot.dos.dos_helpers import dos, msg, react, reactions, sources


@pytest.fixture
def h(set_on_any_db: Harness) -> Harness:
    return set_on_any_db


async def export_of(h: Harness, who: str) -> dict[str, Any]:
    [file] = [r for r in await h.cmd(who, "export-me") if isinstance(r, File)]
    return json.loads(file.content)


async def merged_do(h: Harness) -> None:
    """bob says it first, carol says the same later: one do, two sources."""
    await react(h, "erin", msg(1), author="bob", text="Ask open questions #listening")
    await react(h, "dave", msg(2), author="carol", text="ask OPEN questions! #coaching")
    [do] = await dos(h)
    assert do.author_key == u("bob").key and len(await sources(h)) == 2


@pytest.mark.asyncio
async def test_the_first_authors_forget_me_leaves_the_others_source_and_the_do(h: Harness) -> None:
    await merged_do(h)
    before = await export_of(h, "carol")
    assert [d["id"] for d in before["dos_written"]] == [1]
    assert [s["text"] for s in before["do_sources"]] == ["ask OPEN questions! #coaching"]

    await h.cmd("bob", "forget-me confirm")

    after = await export_of(h, "carol")
    assert [d["id"] for d in after["dos_written"]] == [1], "carol's do is still hers"
    assert after["dos_written"][0]["text"] == "ask OPEN questions! #coaching"
    assert after["dos_written"][0]["author_key"] == u("carol").key
    assert [s["text"] for s in after["do_sources"]] == ["ask OPEN questions! #coaching"]
    [do] = await dos(h)
    assert (do.text, do.author_key, do.tags) == (
        "ask OPEN questions! #coaching",
        u("carol").key,
        ["coaching"],
    )
    assert [s.author_key for s in await sources(h)] == [u("carol").key]
    # The search index follows the text: bob's wording is gone from it, carol's is found.
    assert "1 found" in private_to(await h.cmd("erin", "dos coaching"), "erin")[0]
    assert private_to(await h.cmd("erin", "dos listening"), "erin") == [
        "No do's match “listening”."
    ]
    assert "Ask open questions #listening" not in json.dumps(await export_of(h, "erin"))


@pytest.mark.asyncio
async def test_a_contributors_forget_me_keeps_the_first_authors_do_as_it_was(h: Harness) -> None:
    await merged_do(h)
    await h.cmd("carol", "forget-me confirm")
    [do] = await dos(h)
    assert (do.text, do.author_key) == ("Ask open questions #listening", u("bob").key)
    assert [s.author_key for s in await sources(h)] == [u("bob").key]
    assert [d["id"] for d in (await export_of(h, "bob"))["dos_written"]] == [1]


@pytest.mark.asyncio
async def test_the_do_goes_with_its_last_source_and_their_reactions_and_saver_marks_go(
    h: Harness,
) -> None:
    await merged_do(h)
    await react(h, "bob", msg(3), author="dave", text="Summarise back before asking more")
    await h.cmd("bob", "forget-me confirm")
    await h.cmd("carol", "forget-me confirm")
    [do] = await dos(h)
    assert do.text == "Summarise back before asking more" and do.saved_by == []
    assert u("bob").key not in [r.user_key for r in await reactions(h)]
    assert [s.author_key for s in await sources(h)] == [u("dave").key]

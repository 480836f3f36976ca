"""Using do's: search (FTS5 on SQLite, full-text search on PostgreSQL), paging, random,
the export command, the weekly do of the week and the do in a round's Opening."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.dos import search
from bot.replies import Ephemeral, File, Post
from bot.store.models import Timer
from testkit.harness import Harness, private_to, public
from tests.bot.dos.dos_helpers import dos, msg, react, rows, unreact

TIPS = [
    "Ask what they have already tried #listening",
    "Listen for the feeling under the question #listening",
    "Write the action down with a date #actions",
    "Start each session with a one-word check-in",
    "Silence is fine: count to ten before speaking #listening",
    "Summarise back before you ask the next question",
    "Keep a list of your open actions where you will see it #actions",
]


@pytest.fixture
def h(set_on_any_db: Harness) -> Harness:
    return set_on_any_db


async def save_all(h: Harness, tips: list[str] = TIPS) -> None:
    for n, tip in enumerate(tips, 1):
        await react(h, "carol", msg(n), author="dave", text=tip)
        h.clock.advance(timedelta(minutes=1))


def lines(reply_texts: list[str]) -> list[str]:
    return [line for text in reply_texts for line in text.splitlines() if line.startswith("• ")]


@pytest.mark.asyncio
async def test_search_finds_words_and_prefixes_newest_first(h: Harness) -> None:
    await save_all(h)
    out = private_to(await h.cmd("erin", "dos listen"), "erin")
    assert "3 found, newest first" in out[0]
    assert lines(out) == [
        "• #5 Silence is fine: count to ten before speaking #listening",
        "• #2 Listen for the feeling under the question #listening",
        "• #1 Ask what they have already tried #listening",
    ]
    out = private_to(await h.cmd("erin", "dos QUESTION before"), "erin")
    assert lines(out) == ["• #6 Summarise back before you ask the next question"]
    out = private_to(await h.cmd("erin", "dos #actions"), "erin")
    assert [line[:4] for line in lines(out)] == ["• #7", "• #3"]
    out = private_to(await h.cmd("erin", "dos pancakes"), "erin")
    assert out == ["No do's match “pancakes”."]


@pytest.mark.asyncio
async def test_query_syntax_in_terms_is_just_words(h: Harness) -> None:
    await save_all(h)
    for nasty in ('"', "listen*", "NEAR(a b)", "a OR b", "x' OR '1'='1", "-listen", "col:val"):
        out = private_to(await h.cmd("erin", f"dos {nasty}"), "erin")
        assert out, nasty  # an answer, never an error
        assert "went wrong" not in out[0], nasty


@pytest.mark.asyncio
async def test_listing_pages_five_at_a_time(h: Harness) -> None:
    await save_all(h)
    out = private_to(await h.cmd("erin", "dos"), "erin")
    assert "7 found" in out[0] and "(page 1 of 2)" in out[0]
    assert [line[:4] for line in lines(out)] == ["• #7", "• #6", "• #5", "• #4", "• #3"]
    assert "More: `/als dos page 2`" in out[0]
    out = private_to(await h.cmd("erin", "dos page 2"), "erin")
    assert [line[:4] for line in lines(out)] == ["• #2", "• #1"] and "More" not in out[0]
    out = private_to(await h.cmd("erin", "dos page 3"), "erin")
    assert "only 2 pages" in out[0]


@pytest.mark.asyncio
async def test_search_index_follows_removal_undo_and_forget_me(h: Harness) -> None:
    await save_all(h, TIPS[:3])
    await h.cmd("alice", "dos remove 1")
    assert (await _search(h, "tried")).total == 0
    assert [d.id for d in (await _search(h, "feeling")).items] == [2]
    await unreact(h, "carol", msg(3))  # within ten minutes of its save: undone
    assert (await _search(h, "date")).total == 0
    await h.cmd("dave", "forget-me confirm")
    assert (await _search(h, "feeling")).total == 0
    await react(h, "carol", msg(99), author="erin", text="A brand new feeling")  # may reuse
    # a deleted row's id on SQLite: a stale index entry would show here
    assert [d.text for d in (await _search(h, "feeling")).items] == ["A brand new feeling"]
    if h.app.store.is_sqlite:  # the external-content FTS5 index matches `dos` exactly
        async with h.app.store.write() as conn:
            await conn.exec_driver_sql("INSERT INTO dos_fts(dos_fts) VALUES ('integrity-check')")


async def _search(h: Harness, terms: str) -> search.Page:
    async with h.app.store.read() as conn:
        return await search.search(conn, 1, terms)


@pytest.mark.asyncio
async def test_empty_set_and_random(h: Harness) -> None:
    out = private_to(await h.cmd("erin", "dos"), "erin")
    assert "no do's yet" in out[0] and "React ✅" in out[0]
    out = private_to(await h.cmd("erin", "dos random"), "erin")
    assert "no do's yet" in out[0]
    await save_all(h, TIPS[:3])
    out = private_to(await h.cmd("erin", "dos random"), "erin")
    assert any(tip in out[0] for tip in TIPS[:3])


@pytest.mark.asyncio
async def test_export_command_sends_a_file_to_the_person(h: Harness) -> None:
    await save_all(h, TIPS[:3])
    out = await h.cmd("erin", "dos export csv")
    [file] = [r for r in out if isinstance(r, File)]
    assert file.user is not None and file.user.id == "erin" and file.filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(file.content.decode())))
    assert sorted(r["text"] for r in table) == sorted(TIPS[:3])
    out = await h.cmd("erin", "dos export")
    [page] = [r for r in out if isinstance(r, File)]
    assert page.filename.endswith(".html") and b"<!DOCTYPE html>" in page.content


# --------------------------------------------------------------------------- between rounds


@pytest.mark.asyncio
async def test_do_of_the_week_is_off_by_default_and_posts_weekly_when_on(h: Harness) -> None:
    await save_all(h, TIPS[:2])
    assert await rows(h, Timer, Timer.__table__.c.kind == "do_of_week") == []
    out = await h.cmd("alice", "settings do_of_week on")
    assert "Saved: do_of_week = on" in private_to(out, "alice")[0]
    [timer] = await rows(h, Timer, Timer.__table__.c.kind == "do_of_week")
    # 2026-01-12 is a Monday; 10:00 is past 09:00, so the next Monday, 09:00 London (UTC).
    assert timer.due_at == datetime(2026, 1, 19, 9, 0, tzinfo=UTC)
    out = await h.wait(timedelta(days=7))
    [post] = [r for r in out if isinstance(r, Post)]
    assert "Do of the week" in post.text.plain() and TIPS[1] in post.text.plain()
    out = await h.wait(timedelta(days=7))
    assert any(TIPS[0] in t for t in public(out)), "the next week features another do"
    await h.cmd("alice", "settings do_of_week off")
    out = await h.wait(timedelta(days=14))
    assert not [r for r in out if isinstance(r, Post)]


@pytest.mark.asyncio
async def test_the_opening_shows_a_recent_do(h: Harness) -> None:
    await save_all(h, TIPS[:2])
    out = await h.cmd("alice", "start <@bob>")
    opening = [t for t in public(out) if "Ground rules" in t]
    assert opening and "A recent do from this set (#2)" in opening[0] and TIPS[1] in opening[0]


@pytest.mark.asyncio
async def test_search_replies_are_ephemeral(h: Harness) -> None:
    await save_all(h, TIPS[:1])
    out = await h.cmd("erin", "dos")
    assert all(isinstance(r, Ephemeral) for r in out)
    assert len(await dos(h)) == 1

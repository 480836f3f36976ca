"""The evaluation and the closing summary through the console, as people type them.

Ratings written the way people write them ("five", "4 out of 5", 4️⃣, "4 energising"), an
early rating answered privately, a comment that reaches the facilitators and nobody else,
a summary that lists only who presented, a session started five minutes early that does
not name itself as the next one, and counts that read naturally.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import select

from adapters.console.runner import ConsoleRunner
from bot.store.models import Action, Evaluation
from tests.adapters.console.console_helpers import console_at, play

START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # a Monday; London is on UTC in January
TO_EVALUATION = ["alice: [Next phase]"] * 6  # updates, presenting … actions, evaluation
COMMENT = "too rushed, we ran out of time for questions"


@pytest_asyncio.fixture
async def console(tmp_path) -> AsyncIterator[tuple[ConsoleRunner, io.StringIO]]:
    async with console_at(tmp_path, START) as opened:
        yield opened


async def ratings(runner: ConsoleRunner) -> list[tuple[str, int, str | None]]:
    async with runner.app.store.read() as conn:
        rows = await conn.execute(select(Evaluation.__table__))
        return sorted((r.user_key.split(":")[-1], r.rating, r.word) for r in rows)


def summary(out: io.StringIO) -> str:
    """The last closing summary as printed, up to the next line of the console."""
    printed = out.getvalue()
    at = printed.rindex("alsbot: Session summary")
    return printed[at:].split("\n\n")[0]


def lines_with(out: io.StringIO, words: str) -> list[str]:
    return [line for line in out.getvalue().splitlines() if words in line]


@pytest.mark.asyncio
async def test_ratings_as_people_type_them_and_their_words_in_the_summary(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als start @bob",
        *TO_EVALUATION,
        "carol: five",
        "dave: 4 out of 5",
        "erin: 4️⃣ focused",
        "frank: 4 energising",
        "grace: 5 - Energising",
    )
    assert await ratings(runner) == [
        ("carol", 5, None),
        ("dave", 4, None),
        ("erin", 4, "focused"),
        ("frank", 4, "energising"),
        ("grace", 5, "Energising"),
    ]
    assert lines_with(out, "(only carol sees) alsbot: Thanks — your rating of 5/5 is recorded.")
    assert lines_with(out, "(only erin sees) alsbot: Thanks — your rating of 4/5 (“focused”)")
    await play(runner, "alice: [Next phase]")
    shown = summary(out)
    assert "Evaluation: 5 ratings, average 4.4/5 — energising ×2, focused." in shown
    assert "(s)" not in shown


@pytest.mark.asyncio
async def test_an_early_rating_is_answered_privately_and_not_recorded(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als start @bob",
        "alice: [Next phase]",
        "alice: [Next phase]",  # bob presents
        "carol: 4",
        "bob: 5 volunteers left last month",
        "alice: [Next phase]",
        "alice: [Next phase]",
        "alice: [Next phase]",  # actions
        "dave: 4 energising",
    )
    told = lines_with(out, "I'll ask for ratings at the end")
    assert len(told) == 2
    assert "(only carol sees)" in told[0] and "(only dave sees)" in told[1]
    assert all("isn't recorded" in line for line in told)
    assert not lines_with(out, "(only bob sees) alsbot: Thanks — I'll ask")
    assert await ratings(runner) == []
    async with runner.app.store.read() as conn:
        assert list(await conn.execute(select(Action.__table__))) == []
    await play(runner, "alice: [Next phase]", "carol: 4")
    assert await ratings(runner) == [("carol", 4, None)]


def comment_lines(out: io.StringIO) -> list[str]:
    """Every printed line carrying the comment, after the one where carol typed it."""
    found = [line for line in out.getvalue().split("\n") if "ran out of time" in line]
    assert "] carol: " in found[0] and COMMENT in found[0], "carol's own message comes first"
    return found[1:]


@pytest.mark.asyncio
async def test_a_comment_reaches_the_facilitators_unnamed_and_nobody_else(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als start @bob",
        "alice: /als facilitator add @erin",
        "dave: /als join",
        *TO_EVALUATION,
        "carol: " + COMMENT,
        "alice: [Next phase]",
    )
    printed = out.getvalue()
    dm_to = {
        who
        for who in ("alice", "erin", "bob", "carol", "dave")
        if f"✉ (DM to {who})" in printed
        and "A comment from the session's evaluation" in printed.split(f"✉ (DM to {who})")[1]
    }
    assert dm_to == {"alice", "erin"}
    shown = comment_lines(out)
    assert len(shown) == 2 and all(line.strip().startswith("“") for line in shown), shown
    for who in ("alice", "erin"):
        at = printed.index(f"✉ (DM to {who})")
        dm = printed[at : printed.index("\n", printed.index("”", at))]
        assert "(the author's name is not shared)" in dm and "carol" not in dm
    assert lines_with(out, "(only carol sees) alsbot: I've passed your comment privately")
    assert "without your name" in lines_with(out, "(only carol sees)")[-1]
    assert COMMENT not in summary(out)
    assert await ratings(runner) == []


@pytest.mark.asyncio
async def test_a_comment_is_named_when_evaluation_named_is_on(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als start @bob",
        "alice: /als settings evaluation_named on",
        *TO_EVALUATION,
        "carol: 3 - " + COMMENT,
    )
    assert await ratings(runner) == [("carol", 3, None)]
    [dm] = lines_with(out, "✉ (DM to alice)")
    assert "alsbot: 💬 @carol left a comment in the session's evaluation:" in dm
    assert len(comment_lines(out)) == 1
    [told] = lines_with(out, "(only carol sees)")
    assert "rating of 3/5 is recorded" in told and "with your name" in told


@pytest.mark.asyncio
async def test_the_summary_after_end_lists_only_who_presented(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als start @bob @carol",
        "alice: [Next phase]",
        "alice: [Next phase]",  # bob presents
        "bob: Our volunteer rota keeps collapsing.",
        "alice: /als end",
    )
    shown = summary(out)
    assert "Session summary (ended early)" in shown
    assert "Presenters: @bob\n" in shown
    assert "Did not present this time: @carol\n" in shown
    assert "@bob, @carol" not in shown


@pytest.mark.asyncio
async def test_a_session_started_five_minutes_early_is_not_the_next(console) -> None:
    runner, out = console
    await play(
        runner,
        "alice: /als facilitator add @alice",
        "alice: /als schedule 13 Jan 2026 10am every 4 weeks",
        "@wait 23h",
        "@wait 55m",  # Tuesday 09:55, five minutes before the session
        "alice: /als start @bob",
        "alice: [Next phase]",
        "alice: [Next phase]",
        "alice: /als end",
    )
    shown = summary(out)
    assert "Tue 09:5" in out.getvalue()[out.getvalue().rindex("ran: /als end") - 20 :]
    assert "13 January" not in shown
    assert "Next session: Tuesday 10 February 2026, 10:00 (Europe/London)." in shown


@pytest.mark.asyncio
async def test_do_counts_read_naturally(console) -> None:
    runner, _out = console
    await play(runner, "alice: /als facilitator add @alice", "dave: Pause before answering")
    first = max(n for n, m in runner.world.messages.items() if m.author == "dave")
    await play(runner, f"carol: +✅ #{first}", "alice: /als dos export md")
    assert "\n1 do · exported" in runner.world.files[-1][1].decode()
    await play(runner, "dave: Ask what they have already tried")
    second = max(n for n, m in runner.world.messages.items() if m.author == "dave")
    await play(runner, f"carol: +✅ #{second}", "alice: /als dos export md")
    assert "\n2 do's · exported" in runner.world.files[-1][1].decode()

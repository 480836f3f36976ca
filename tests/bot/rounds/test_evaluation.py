"""Ratings as people write them, early ratings, and comments passed to the facilitators."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.replies import Direct, Ephemeral
from bot.rounds.evaluation import Rating, read_rating
from bot.store.models import Action, Evaluation
from testkit.harness import Harness, private_to, public
from tests.bot.rounds import round_helpers

READS = [
    # (message, score, word, comment)
    ("4", 4, None, None),
    (" 5 ", 5, None, None),
    ("4!", 4, None, None),
    ("five", 5, None, None),
    ("Five", 5, None, None),
    ("one", 1, None, None),
    ("5/5", 5, None, None),
    ("4 / 5", 4, None, None),
    ("4/5", 4, None, None),
    ("4 out of 5", 4, None, None),
    ("four out of five", 4, None, None),
    ("4 of 5", 4, None, None),
    ("**4**", 4, None, None),
    ("*3*", 3, None, None),
    ("`2`", 2, None, None),
    ("**4/5** great", 4, "great", None),
    ("4️⃣", 4, None, None),  # keycap with the emoji selector
    ("4\u20e3", 4, None, None),  # the bare keycap form
    (":four:", 4, None, None),  # as Slack writes 4️⃣
    ("4️⃣ focused", 4, "focused", None),
    ("4 energising", 4, "energising", None),
    ("4 energising!", 4, "energising", None),
    ("five - focused", 5, "focused", None),
    ("4 — focused", 4, "focused", None),
    ("4: “useful”", 4, "useful", None),
    ("4/5 energising", 4, "energising", None),
    ("5 stars", 5, None, None),
    ("4 energising, but too long", 4, "energising", "energising, but too long"),
    ("3 - too rushed, we ran out of time", 3, None, "too rushed, we ran out of time"),
    ("four out of five, great session", 4, None, "great session"),
    ("five: too rushed at the end", 5, None, "too rushed at the end"),
]
NOT_RATINGS = [
    "",
    "hello",
    "0",
    "6",
    "10",
    "4/10",
    "3 out of 10",
    "4.5",
    "4-5",
    "4pm",
    "5 pm",
    "2 weeks",
    "5 minutes",
    "5?",
    "5 ?",
    "five?",
    "one thing I'd change is the timing",
    "two of us were late",
    "I'd say 4",
    "45",
]


@pytest.mark.parametrize(("message", "score", "word", "comment"), READS)
def test_reads_ratings_as_people_write_them(
    message: str, score: int, word: str | None, comment: str | None
) -> None:
    assert read_rating(message) == Rating(score, word, comment)


@pytest.mark.parametrize("message", NOT_RATINGS)
def test_what_is_not_a_rating(message: str) -> None:
    assert read_rating(message) is None


def test_a_number_starting_a_longer_message_is_a_rating_with_a_comment() -> None:
    """Only the phase decides what a comment is worth; in other phases this is no rating."""
    assert read_rating("5 volunteers left last month") == Rating(
        5, None, "volunteers left last month"
    )


async def ratings(h: Harness) -> list[tuple[str, int, str | None]]:
    async with h.app.store.read() as conn:
        rows = await conn.execute(select(Evaluation.__table__))
        return sorted((r.user_key.split(":")[-1], r.rating, r.word) for r in rows)


async def to_actions(h: Harness) -> None:
    await round_helpers.to_actions(h, joining=("carol", "dave"))


@pytest.mark.asyncio
async def test_an_early_rating_is_answered_privately_and_not_recorded(h: Harness) -> None:
    await h.cmd("alice", "start @bob")
    await h.cmd("carol", "join")
    await h.cmd("alice", "next")
    await h.cmd("alice", "next")  # presenting
    out = await h.say("carol", "4 energising")
    assert not public(out)
    [told] = private_to(out, "carol")
    assert "I'll ask for ratings at the end" in told and "isn't recorded" in told
    assert isinstance(out[0], Ephemeral) and out[0].thread is not None
    out = await h.say("bob", "5 volunteers left last month")
    assert not out, "a number starting a sentence is not an early rating"
    assert await ratings(h) == []


@pytest.mark.asyncio
async def test_an_early_rating_in_the_actions_phase_is_not_an_action(h: Harness) -> None:
    await to_actions(h)
    out = await h.say("bob", "4")
    assert any("I'll ask for ratings at the end" in t for t in private_to(out, "bob"))
    assert not public(out)
    async with h.app.store.read() as conn:
        assert list(await conn.execute(select(Action.__table__))) == []
    assert await ratings(h) == []


@pytest.mark.asyncio
async def test_ratings_in_the_evaluation_phase(h: Harness) -> None:
    await to_actions(h)
    await h.cmd("alice", "next")  # evaluation
    out = await h.say("carol", "five")
    assert private_to(out, "carol") == ["Thanks — your rating of 5/5 is recorded."]
    out = await h.say("dave", "4 out of 5 - focused")
    assert private_to(out, "dave") == ["Thanks — your rating of 4/5 (“focused”) is recorded."]
    await h.say("bob", "4️⃣")
    await h.say("carol", "**3**")  # a second rating replaces the first
    assert await ratings(h) == [("bob", 4, None), ("carol", 3, None), ("dave", 4, "focused")]


@pytest.mark.asyncio
async def test_a_comment_reaches_the_facilitators_unnamed_and_nobody_else(h: Harness) -> None:
    await to_actions(h)
    await h.cmd("alice", "facilitator add @erin")
    await h.cmd("alice", "next")  # evaluation
    comment = "too rushed, we ran out of time for questions"
    out = await h.say("carol", comment)
    dms = [r for r in out if isinstance(r, Direct)]
    assert sorted(r.user.id for r in dms) == ["alice", "erin"]
    for dm in dms:
        body = dm.text.plain()
        assert comment in body and "carol" not in body and "name is not shared" in body
    assert not public(out)
    [told] = private_to(out, "carol")
    assert "facilitators, without your name" in told
    carrying = [r for r in out if comment in r.text.plain()]
    assert carrying == dms, "the comment goes nowhere but to the facilitators"
    assert await ratings(h) == [], "a comment is not stored as a rating"


@pytest.mark.asyncio
async def test_a_comment_is_named_when_the_set_says_so(h: Harness) -> None:
    await to_actions(h)
    out = await h.cmd("alice", "settings evaluation_named on")
    assert "Saved: evaluation_named = on" in private_to(out, "alice")[0]
    await h.cmd("alice", "next")  # evaluation
    out = await h.say("carol", "3 - too rushed, we ran out of time")
    [dm] = [r for r in out if isinstance(r, Direct)]
    assert dm.user.id == "alice"
    assert dm.text.plain().startswith("💬 @carol left a comment")
    assert "too rushed, we ran out of time" in dm.text.plain()
    [told] = private_to(out, "carol")
    assert "rating of 3/5 is recorded" in told and "with your name" in told
    assert await ratings(h) == [("carol", 3, None)]


@pytest.mark.asyncio
async def test_a_facilitators_own_words_and_a_lone_word_are_not_forwarded(h: Harness) -> None:
    await to_actions(h)
    await h.cmd("alice", "facilitator add @erin")
    await h.cmd("alice", "next")  # evaluation
    out = await h.say("alice", "Thanks all, please rate the session")
    assert not [r for r in out if isinstance(r, Direct)]
    out = await h.say("carol", "thanks!")
    assert not out


@pytest.mark.asyncio
async def test_the_evaluation_says_where_comments_go(h: Harness) -> None:
    await to_actions(h)
    out = await h.cmd("alice", "next")  # evaluation
    [intro] = [t for t in public(out) if t.startswith("Evaluation:")]
    assert "passed to the facilitators by DM, without your name." in intro
    await h.cmd("alice", "end")
    await h.cmd("alice", "settings evaluation_named on")
    await to_actions(h)
    out = await h.cmd("alice", "next")
    [intro] = [t for t in public(out) if t.startswith("Evaluation:")]
    assert "passed to the facilitators by DM, with your name." in intro

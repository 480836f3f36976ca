"""`/als report`: ratings counted naturally, with the words people gave."""

from __future__ import annotations

import pytest

from testkit.harness import Harness, private_to


async def session_rated(h: Harness, *given: tuple[str, str]) -> None:
    await h.cmd("alice", "start @bob")
    for _ in range(6):
        await h.cmd("alice", "next")  # → evaluation
    for who, rating in given:
        await h.say(who, rating)
    await h.cmd("alice", "next")


@pytest.mark.asyncio
async def test_report_shows_the_ratings_and_their_words(h: Harness) -> None:
    await session_rated(h, ("carol", "4 energising"))
    report = private_to(await h.cmd("alice", "report"), "alice")[0]
    assert "Sessions held: 1" in report
    assert "Evaluation: 1 rating, average 4.0/5 — energising" in report

    await session_rated(h, ("carol", "5 focused"), ("dave", "five - Energising"), ("erin", "3"))
    report = private_to(await h.cmd("alice", "report"), "alice")[0]
    assert "Evaluation: 4 ratings, average 4.2/5 — energising ×2, focused" in report
    assert "(s)" not in report


@pytest.mark.asyncio
async def test_report_without_ratings_says_nothing_of_them(h: Harness) -> None:
    await session_rated(h)
    report = private_to(await h.cmd("alice", "report"), "alice")[0]
    assert "Evaluation" not in report and "rating" not in report

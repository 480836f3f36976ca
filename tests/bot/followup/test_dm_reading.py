"""What a DM reads as: a question about the set, a greeting or thanks, or something else."""

from __future__ import annotations

import pytest

from bot.followup.dm_reading import Asked, read

HOSPITAL = "hi, is the meeting still in Room 8? I might be late, my dad is in hospital again"


@pytest.mark.parametrize(
    ("body", "asked"),
    [
        ("what time is the next meeting?", {Asked.WHEN}),
        ("When is the next session", {Asked.WHEN}),
        ("is the meeting still in Room 8?", {Asked.WHERE}),
        ("is it still on?", {Asked.STILL_ON}),
        ("where are we meeting", {Asked.WHERE}),
        ("Are we still meeting on Monday?", {Asked.STILL_ON}),
        ("has the session been cancelled?", {Asked.STILL_ON}),
        (HOSPITAL, {Asked.WHERE}),
    ],
)
def test_questions_about_the_set(body: str, asked: set[Asked]) -> None:
    reading = read(body)
    assert reading.question and set(reading.asked) == asked
    assert not reading.greeting_only


def test_a_question_mixed_with_news_says_there_is_more() -> None:
    assert read(HOSPITAL).rest
    assert not read("what time is the next meeting?").rest


@pytest.mark.parametrize(
    "body",
    [
        "I asked four volunteers: all said they stay for the people.",
        "Did the trustees reply? Not yet.",  # a question, but not about the set
        "Is it ok if I write more later",
        "the rota one is done",
    ],
)
def test_other_messages_are_not_questions_about_the_set(body: str) -> None:
    reading = read(body)
    assert not reading.question and not reading.greeting_only


@pytest.mark.parametrize(
    ("body", "thanks"),
    [
        ("Thanks!", True),
        ("thank you so much", True),
        ("Thanks for the session today!", True),
        ("hi", False),
        ("Hello 👋", False),
        ("👍", False),
        ("good morning", False),
    ],
)
def test_greetings_and_thanks(body: str, thanks: bool) -> None:
    reading = read(body)
    assert reading.greeting_only and reading.thanks == thanks and not reading.question


def test_a_slash_command_typed_into_a_dm() -> None:
    assert read("/als update done it").command_like

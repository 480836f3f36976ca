"""The advice classifier against messages supporters really write.

The table is the specification: when a heuristic changes, a row that flips shows exactly which
kind of message the change helps or hurts.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rounds.advice import Kind, classify

OPEN, CLOSED, ADVICE, OTHER = Kind.OPEN_QUESTION, Kind.CLOSED_QUESTION, Kind.ADVICE, Kind.OTHER

TABLE: list[tuple[str, Kind]] = [
    # Open questions.
    ("What would success look like for you by the spring?", OPEN),
    ("What have you tried so far?", OPEN),
    ("What have you already tried to keep volunteers engaged?", OPEN),
    ("What else have you tried?", OPEN),
    ("How did the ward manager respond when you raised it?", OPEN),
    ("Why does this matter so much to you?", OPEN),
    ("Who else has a stake in the housing allocations review?", OPEN),
    ("Where do you feel most stuck right now?", OPEN),
    ("When did you first notice the volunteers drifting away?", OPEN),
    ("Which of those options feels most like you?", OPEN),
    ("In what way has the restructure changed your role?", OPEN),
    ("To what extent do the trustees know about this?", OPEN),
    ("Tell me more about the conversation with the commissioner.", OPEN),
    ("Could you say more about what 'overwhelmed' means for you?", OPEN),
    ("Can you describe a good day at the food bank?", OPEN),
    ("Talk me through what happens when a referral comes in", OPEN),
    ("So what's getting in the way?", OPEN),
    ("Thinking about the next board meeting, what do you want them to hear?", OPEN),
    ("I'm curious about what you'd lose if you said no", OPEN),
    ("I wonder how the rest of the team sees it", OPEN),
    ("Can I ask what happened after the safeguarding meeting?", OPEN),
    ("What do you think you could do differently next time?", OPEN),
    ("How do you feel you should handle it?", OPEN),
    ("what's the worst that could happen", OPEN),
    ("Thanks for sharing that. What support do you have at the moment?", OPEN),
    ("\u201cWhat\u2019s stopping you?\u201d", OPEN),
    ("Why not?", OPEN),
    ("How you feeling about it?", OPEN),
    ("I\u2019d love to hear more about the carers\u2019 group", OPEN),
    ("How about you, how are you doing with it all?", OPEN),
    ("Any thoughts on what you'll say to the unions?", OPEN),
    # Closed questions.
    ("Is your line manager aware of the backlog?", CLOSED),
    ("Did the GP practice ever reply?", CLOSED),
    ("Have you spoken to anyone in finance about the budget?", CLOSED),
    ("Would the staff notice if the rota changed", CLOSED),
    ("Are you still on the steering group?", CLOSED),
    ("Does the council's policy cover agency staff?", CLOSED),
    ("Has anything like this happened before?", CLOSED),
    ("Am I right in thinking the funding ends in March?", CLOSED),
    ("Can I ask whether the trustees have seen the figures?", CLOSED),
    ("Have you thought about what you'd want from the meeting?", CLOSED),
    ("Have you considered how the team might react?", CLOSED),
    ("Didn't the last audit flag this?", CLOSED),
    ("Have you looked into why it keeps happening?", CLOSED),
    ("Is it worth it, for you?", CLOSED),
    # Advice, plain and dressed as questions.
    ("You should escalate it to the director of adult social care.", ADVICE),
    ("You could ask the volunteers what they need.", ADVICE),
    ("You need to set some boundaries with the commissioner.", ADVICE),
    ("Why don't you speak to HR about a phased return?", ADVICE),
    ("Why not just put it in writing?", ADVICE),
    ("Have you tried a weekly huddle with the nurses?", ADVICE),
    ("Have you thought about delegating the rota to Sam?", ADVICE),
    ("What about asking the parish council for a grant?", ADVICE),
    ("How about a shared inbox for referrals?", ADVICE),
    ("If I were you I'd go straight to the chief exec.", ADVICE),
    ("I would book a meeting with the ward sister.", ADVICE),
    ("I'd probably just email the whole team", ADVICE),
    ("My advice would be to wait until the budget is signed off.", ADVICE),
    ("Try mapping out who has the power here.", ADVICE),
    ("Maybe just ask them directly?", ADVICE),
    ("I suggest you take it to supervision.", ADVICE),
    ("Consider a secondment into the commissioning team.", ADVICE),
    ("It might help to write down what you want first.", ADVICE),
    ("Have you considered a job share?", ADVICE),
    ("Could you just tell the manager you're at capacity?", ADVICE),
    ("Wouldn't it be easier to bring in an agency?", ADVICE),
    ("Speak to Unison, they were brilliant when we had cuts.", ADVICE),
    ("When you see her, ask what she needs from you.", ADVICE),
    ("That sounds really hard. You could always try the LGA's peer support.", ADVICE),
    ("What are your options? You must tell the trustees.", ADVICE),
    ("Is it worth speaking to the safeguarding lead?", ADVICE),
    ("Would it help to get the GP involved?", ADVICE),
    ("I\u2019d be tempted to push back on the deadline", ADVICE),
    ("why dont you just say no", ADVICE),
    ("It's worth looking at the NHS England guidance on this.", ADVICE),
    ("Do you think you should tell the volunteers?", ADVICE),
    ("Don't let them bully you into it.", ADVICE),
    ("What if you just cancelled the pilot?", ADVICE),
    ("In your shoes I'd take the redundancy.", ADVICE),
    ("Make sure the board minutes record your objection.", ADVICE),
    ("What you need is a proper break.", ADVICE),
    ("Have you looked into flexible working?", ADVICE),
    ("Id suggest talking to the CQC first", ADVICE),
    # Proposing an action as "could you…?" is a suggestion, not a question about ability.
    ("Could you speak to her directly?", ADVICE),
    ("Could you do a survey of the tenants?", ADVICE),
    ("Can you tell them how you feel?", ADVICE),
    ("Would you do it again?", CLOSED),  # "it": their own idea, not a new one
    ("Have you tried that approach before?", CLOSED),
    ("you really need to take this to the safeguarding board", ADVICE),
    ("My gut says go to the chair before the meeting.", ADVICE),
    # Everything else.
    ("Thank you, that's really helpful.", OTHER),
    ("That sounds exhausting.", OTHER),
    ("What a week you've had!", OTHER),
    ("How frustrating for you.", OTHER),
    ("I had something similar at the trust last year.", OTHER),
    ("What I'm hearing is that you feel unsupported.", OTHER),
    ("\U0001f44d", OTHER),
    ("I'd like to say thank you for being so open.", OTHER),
    ("Well done for raising it.", OTHER),
    ("", OTHER),
    ("   \n\t ", OTHER),
]


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 40
    assert {kind for _, kind in TABLE} == set(Kind)


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t[:40] or "blank" for t, _ in TABLE])
def test_realistic_messages(text: str, expected: Kind) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "YOU SHOULD ESCALATE IT",
        "you should escalate it",
        "  You   should...   escalate it!!!  ",
        "You\u00a0should escalate it",  # a non-breaking space from a copy-paste
        "\U0001f914 you should escalate it",
    ],
)
def test_case_spacing_and_punctuation_do_not_matter(text: str) -> None:
    assert classify(text) is Kind.ADVICE


def test_closed_questions_need_no_question_mark() -> None:
    assert classify("Is that something you'd want") is Kind.CLOSED_QUESTION
    assert classify("Is that something you'd want?") is Kind.CLOSED_QUESTION


def test_advice_anywhere_in_a_message_wins() -> None:
    text = "What matters most to you here? Is it the team? If I were you I'd walk away."
    assert classify(text) is Kind.ADVICE


def test_an_open_question_beats_a_closed_one() -> None:
    assert classify("Did you feel heard? What would being heard look like?") is Kind.OPEN_QUESTION


def test_non_english_and_non_text_are_other() -> None:
    assert classify("Что вы думаете?") is Kind.OTHER
    assert classify("\u0000\ud800\ufffd") is Kind.OTHER
    assert classify(None) is Kind.OTHER  # type: ignore[arg-type]
    assert classify(42) is Kind.OTHER  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "what do you think about the plan " * 1200,
        "a" * 40_000,
        "," * 40_000,
        "how " + "x" * 40_000,
        "have you thought about " + "z" * 40_000,
        "i'd " * 10_000,
        ("Thanks. " * 4_000) + "You should resign.",
    ],
    ids=["long-question", "one-word", "commas", "how-long-word", "thought-long", "i'd", "tail"],
)
def test_is_fast_on_forty_thousand_characters(text: str) -> None:
    began = time.perf_counter()
    kind = classify(text)
    assert time.perf_counter() - began < 0.5
    if text.endswith("resign."):
        assert kind is Kind.ADVICE


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    assert classify(text) in set(Kind)

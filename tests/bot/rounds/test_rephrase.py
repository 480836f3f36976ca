"""A supporter's advice offered back as an open question — only where it reads well."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rounds.advice import Kind, classify
from bot.rounds.rephrase import open_question

REWRITES = [
    (
        "Could you try asking the council for funding?",
        "What might asking the council for funding make possible?",
    ),
    ("Have you tried mentoring?", "What options have you considered, such as mentoring?"),
    ("have u tried mentoring?", "What options have you considered, such as mentoring?"),
    (
        "Maybe a WhatsApp group would help?",
        "What options have you considered, such as a WhatsApp group?",
    ),
    (
        "Wouldn't a shared calendar fix it?",
        "What options have you considered, such as a shared calendar?",
    ),
    (
        "In my experience a rota app works well.",
        "What options have you considered, such as a rota app?",
    ),
    (
        "You should escalate it to the director.",
        "What might escalating it to the director make possible?",
    ),
    ("perhaps u could talk to ur manager", "What might talking to your manager make possible?"),
    ("why dont u just tell them no", "What might telling them no make possible?"),
    ("Why not pilot it in one ward first?", "What might piloting it in one ward first make possible?"),
    (
        "Have you thought about delegating the rota to Sam?",
        "What might delegating the rota to Sam make possible?",
    ),
    ("Speak to Unison", "What might speaking to Unison make possible?"),
    ("Go to ur GP", "What might going to your GP make possible?"),
    ("Get the HR business partner in early!!", "What might getting the HR business partner in early make possible?"),
    (
        "Could you try doing the budget in smaller chunks? 🙂",
        "What might doing the budget in smaller chunks make possible?",
    ),
    ("u should report it to safeguarding tbh", "What might reporting it to safeguarding make possible?"),
    (
        "Consider a secondment into the commissioning team.",
        "What options have you considered, such as a secondment into the commissioning team?",
    ),
]  # fmt: skip

NO_REWRITE = [
    # Two clauses: rewriting one would drop the other.
    "We did exactly this in Bexley, you have to get the councillors on board first.",
    # Their own "I"/"me" reads oddly once moved into a question to someone else.
    "Could you ask me to cover it?",
    # Reads badly as an activity.
    "Make sure the board minutes record your objection.",
    "Let them stew for a week.",
    # Too long to hand back whole.
    "You should ask the director of adult social care and the head of commissioning "
    "together for a meeting about the contract extension before Christmas.",
    # Not advice at all.
    "What have you tried so far?",
    "Is the chair supportive?",
    "Have you tried that before?",
    "",
]


@pytest.mark.parametrize(("advice", "question"), REWRITES, ids=[a[:40] for a, _ in REWRITES])
def test_their_words_come_back_as_an_open_question(advice: str, question: str) -> None:
    assert open_question(advice) == question
    assert classify(question) is Kind.OPEN_QUESTION


@pytest.mark.parametrize("message", NO_REWRITE, ids=[m[:40] or "blank" for m in NO_REWRITE])
def test_no_rewrite_unless_it_reads_well(message: str) -> None:
    assert open_question(message) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_only_ever_offers_an_open_question(message: str) -> None:
    rewrite = open_question(message)
    assert rewrite is None or classify(rewrite) is Kind.OPEN_QUESTION


def test_is_fast_on_a_long_paste() -> None:
    began = time.perf_counter()
    assert open_question("you should " + "x" * 40_000) is None
    assert open_question("try " + "!" * 40_000 + "a") is None
    assert time.perf_counter() - began < 0.5

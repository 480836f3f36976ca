"""Which presenter messages in the Actions phase read as commitments, and which do not."""

from __future__ import annotations

import pytest

from bot.rounds.commitment_words import reads_as_commitment, starts_like_commitment

COMMITMENTS = [
    "Ask three long-standing volunteers what keeps them coming",
    "Ask three volunteers what keeps them coming by Friday",
    "I will draft a rota with the team leader",
    "I'll draft a rota with the team leader",
    "I’ll talk to Sam before the next session",
    "Draft a rota by Friday",
    "Talk to my manager",
    "talk to my manager about the budget",
    "I'm going to block two hours every Friday for planning",
    "Going to phone the volunteer centre",
    "I need to speak to HR about the contract",
    "I plan to shadow the night shift",
    "My action is to write up the notes",
    "Next step: email the trustees",
    "- Write up notes by Friday",
    "• Share the notes with the team",
    "2. Book a meeting with the board",
    "OK, I'll call the volunteer centre tomorrow",
    "Then ring Alex about the budget",
    "Oh and one more, check the budget",
    "One last thing: ring the council",
    "and another one - email the trustees",
    "Block two hours every Friday for planning",
    "Do a survey of the volunteers",
    "Have a proper conversation with my manager",
    "Write up notes by Friday, and share with the team by Monday",
    "Drafting the rota this week",
    "Read the report before the next session 📚",
    "Reflect on what belonging means for the team",
    "Try saying no to one extra shift",
    "Find out who else could share the rota",
    "Email Jo and Sam about the handover",
    "Follow up with the council",
    "I will ask the board for a decision",
    "Think about what I really want from the role",
    "Set up a weekly check-in with the team",
    "Stop covering shifts myself",
    "Map out who does what on the rota",
]

NOT_COMMITMENTS = [
    "Thanks everyone, that was really helpful!",
    "Thanks!",
    "thank you all",
    "Cheers everyone",
    "Hmm, not sure about the budget one yet",
    "Oh and one more",
    "Oh, one more thing, I am not sure",
    "oh no",
    "hmm",
    "Not sure yet",
    "Maybe I'll talk to HR",
    "maybe talk to HR",
    "Perhaps ask Sam",
    "I might ask Sam",
    "I think I'll wait and see",
    "That was helpful",
    "that was really useful, thank you",
    "Really useful session",
    "Great questions, everyone",
    "4",
    "5/5",
    "4 energising",
    "👍",
    "🙏🙏",
    ":thumbsup:",
    "ok",
    "OK!",
    "Will do",
    "I will",
    "What should I do about the budget?",
    "Should I talk to HR first?",
    "How do I approach my manager",
    "Is that an action?",
    "I won't be able to make the next session",
    "I don't know yet",
    "No idea",
    "lol",
    "Sounds good",
    "Makes sense",
    "The volunteers who stay talk about belonging",
    "My manager is away until March",
    "",
    "   ",
    "I'll be away next week",
]


@pytest.mark.parametrize("said", COMMITMENTS)
def test_reads_as_a_commitment(said: str) -> None:
    assert reads_as_commitment(said), said


@pytest.mark.parametrize("said", NOT_COMMITMENTS)
def test_does_not_read_as_a_commitment(said: str) -> None:
    assert not reads_as_commitment(said), said


@pytest.mark.parametrize(
    ("said", "expected"),
    [("share with the team by Monday", True), ("I'll call Sam", True), ("the team", False),
     ("Sam and Alex", False), ("maybe Sam", False), ("then email the board", True)],
)  # fmt: skip
def test_starts_like_a_commitment(said: str, expected: bool) -> None:
    assert starts_like_commitment(said) is expected

"""The prompts the bot starts with: the seeds' own reflective questions.

Shared by the prompt of the week (`prompts.py`) and the pairs' conversation starters
(`pairs.py`), which draw only from here and the set's do's — never from anything said in a
round, so a starter can carry nothing confidential.
"""

from __future__ import annotations

BANK: tuple[str, ...] = (
    "Where does your power lie, and how do you use it?",
    "What is one small 'do' you saw this week?",
    "What would you like to do, and what do you like doing?",
    "Describe this month's work in one word or image.",
)

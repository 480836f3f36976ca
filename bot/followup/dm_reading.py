"""What a message to the bot reads as: a greeting, a question about the set, or else.

Used for DMs (`bot.followup.updates_by_dm`) and to leave a bare "hi all" in the Updates
phase unrecorded (`bot.followup.live_updates`).

Pure (text in, a reading out), so the guesses can be tested on their own. The guesses only
ever decide how the bot answers its author privately; none of them makes anything public.
A question wins over everything else it is mixed with ("is it still in Room 8? I might be
late, my dad is in hospital again" is answered, and nothing of it is offered as an update),
because the cost of a wrong guess must fall on the bot's helpfulness, never on someone's
privacy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Asked(StrEnum):
    WHEN = "when"  # what time / which day is the next session
    WHERE = "where"  # which room, where do we meet
    STILL_ON = "still_on"  # is it still on, cancelled?


@dataclass(frozen=True, slots=True)
class Reading:
    greeting_only: bool = False
    thanks: bool = False
    asked: frozenset[Asked] = frozenset()
    command_like: bool = False
    rest: bool = False  # words beyond the questions and greetings (never shared either way)

    @property
    def question(self) -> bool:
        return bool(self.asked)


_WORD = re.compile(r"[a-z0-9']+")
_GREETING_WORDS = frozenset(
    """hi hello hey hiya heya yo morning afternoon evening good thanks thank you thx ty cheers
    ta many much so lots a lot great ok okay okey cool lovely nice brilliant perfect bye
    goodbye night all everyone there alsbot bot again for that this the your session today
    yesterday earlier help helpful support chat everything really""".split()
)
_THANKS = re.compile(r"\b(thanks|thank you|thx|ty|cheers|ta)\b")
_QUESTION_START = re.compile(
    r"^\s*(what|when|where|which|is|are|do|does|did|will|would|can|could|has|have|shall|"
    r"any idea|anyone know)\b"
)
_WHEN = re.compile(
    r"\b(what time|when|what day|which day|what date|which date|how long until|time|date|"
    r"day|o'?clock)\b"
)
_WHERE = re.compile(
    r"\b(where|which room|room|venue|location|address|place|building|floor|zoom|teams link|"
    r"link|online|in person)\b"
)
_STILL_ON = re.compile(
    r"\b(still on|still happening|still going ahead|going ahead|still meeting|still meet|"
    r"cancel+ed|is it on|are we on|postponed|moved)\b"
)
_ABOUT_THE_SET = re.compile(
    r"\b(meet|meets|meeting|meetings|session|sessions|set|group|next one|it|we|us|"
    r"room|venue|still on)\b"
)


def words(body: str) -> list[str]:
    return _WORD.findall(body.lower())


def _sentences(body: str) -> list[str]:
    return [s for s in re.split(r"(?<=[?.!;\n])\s*", body.lower()) if s.strip()]


def _is_question(sentence: str) -> bool:
    """Ending in '?', or opening like a question."""
    return "?" in sentence or bool(_QUESTION_START.match(sentence))


def read(body: str) -> Reading:
    lowered = body.strip().lower()
    if lowered.startswith("/"):
        return Reading(command_like=True)
    asked: set[Asked] = set()
    rest = False
    for sentence in _sentences(lowered):
        about: set[Asked] = set()
        if _is_question(sentence) and _ABOUT_THE_SET.search(sentence):
            if _STILL_ON.search(sentence):
                about.add(Asked.STILL_ON)
            if _WHERE.search(sentence):
                about.add(Asked.WHERE)
            if _WHEN.search(sentence):
                about.add(Asked.WHEN)
        asked |= about
        if not about and any(w not in _GREETING_WORDS for w in words(sentence)):
            rest = True
    greeting_only = not asked and not rest
    return Reading(
        greeting_only=greeting_only,
        thanks=greeting_only and bool(_THANKS.search(lowered)),
        asked=frozenset(asked),
        rest=rest,
    )

"""One message, several actions: "Write up notes by Friday, and share with the team by
Monday", a bulleted list, one action a line.

Pure. A message is cut at line breaks and list bullets, at sentence ends, at `;`, and at
`, and …` / `and then …` / `, then …` where what follows opens like an action of its own; a
plain `and` is a cut only where the words before it end with their own due date ("Write up
notes by Friday and share them by Monday"), so "Talk to Sam and Alex" stays one action.
Each piece then gets its own date (`bot.dates.due`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.dates.due import Due, find_due
from bot.rounds.commitment_words import starts_like_commitment, strip_marker, without_aside

__all__ = ["Item", "pieces", "read_items"]

MAX_ITEMS = 10
_LINES = re.compile(r"\s*[\r\n]+\s*|\s+(?=[•·‣◦]\s)")
_SENTENCES = re.compile(r"(?<=[a-z0-9)\]][.!])\s+(?=[A-Z])")
_JOINS = re.compile(
    r"\s*;\s*|,\s*(?:and\s+then|and|then|also|plus)\s+|\s+and\s+then\s+|,\s+(?=i['’]ll\b|i\s+will\b)",
    re.IGNORECASE,
)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    due: date | None = None
    phrase: str | None = None  # the date phrase as typed
    problem: str | None = None  # why a date phrase meant as one couldn't be read


def pieces(message: str) -> list[str]:
    """The message cut into the pieces that may each be an action, in order."""
    out: list[str] = []
    for line in _LINES.split(message.strip()):
        line = strip_marker(line)
        for sentence in _SENTENCES.split(line):
            out.extend(_cut(sentence))
    found = [without_aside(p) for p in (s.strip(" ,;") for s in out) if p]
    found = found[:1] + [_capitalised(p) for p in found[1:]]
    if len(found) > MAX_ITEMS:  # a pasted wall: the rest stays one piece, never dropped
        found = [*found[: MAX_ITEMS - 1], "; ".join(found[MAX_ITEMS - 1 :])]
    return found


def _capitalised(piece: str) -> str:
    """ "…, and draft a rota" stands alone as "Draft a rota" (an "iPad" stays as typed)."""
    first = piece.split(maxsplit=1)[0]
    if first.islower():
        return piece[0].upper() + piece[1:]
    return piece


def _cut(sentence: str) -> list[str]:
    parts: list[str] = []
    rest = sentence
    while True:
        found = next(
            (
                m
                for m in _JOINS.finditer(rest)
                if starts_like_commitment(rest[m.end() :]) and rest[: m.start()].strip()
            ),
            None,
        )
        if found is None:
            break
        parts.append(rest[: found.start()])
        rest = rest[found.end() :]
    parts.append(rest)
    return [piece for part in parts for piece in _cut_dated_and(part)]


def _cut_dated_and(part: str) -> list[str]:
    """`X by Friday and Y by Monday`: a plain `and` cuts where the words before it are dated."""
    for match in _AND.finditer(part):
        before, after = part[: match.start()], part[match.end() :]
        if starts_like_commitment(after) and _dated(before):
            return [before, *_cut_dated_and(after)]
    return [part]


def _dated(words: str) -> bool:
    due = find_due(words, today=date(2000, 1, 3), next_session=date(2000, 1, 4))
    return due.day is not None or due.problem is not None


def read_items(
    message: str, *, today: date, next_session: date | None, split: bool = True
) -> list[Item]:
    """Each piece with its own due date (today's date in the set's zone)."""
    found = pieces(message) if split else [message.strip()]
    items = []
    for piece in found:
        due: Due = find_due(piece, today=today, next_session=next_session)
        items.append(Item(due.what, due.day, due.phrase, due.problem))
    return items

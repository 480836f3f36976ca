"""Status in words: "the rota one is done", "dropped the budget one", "not yet started X".

Pure: a message is split into clauses; a clause that says a status yields that status and
its other words, which are matched to the person's open actions by overlap (stop words
and status words ignored, "volunteer" meeting "volunteers"). Nothing here changes an
action: the caller asks the person to confirm with one press (`bot.followup.status_offers`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DONE, PARTLY, NOT_YET, DROPPED = "done", "partly", "not_yet", "dropped"

# Checked in this order: "not done" is not done, "partly done" is not done.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        NOT_YET,
        re.compile(
            r"\b(not yet|not started|haven'?t (yet )?(started|done|begun|got round|managed)|"
            r"have not (yet )?(started|done|begun)|didn'?t (get|manage|start|do)|"
            r"did not (get|manage|start|do)|not done|yet to (start|do|begin)|no progress|"
            r"still to do|not got (round|around|to))\b"
        ),
    ),
    (
        DROPPED,
        re.compile(
            r"\b(dropped|drop|dropping|gave up|given up|giving up|abandoned|scrapped|"
            r"won'?t (do|be doing)|not going to do|no longer (doing|needed)|cancel+ed)\b"
        ),
    ),
    (
        PARTLY,
        re.compile(
            r"\b(partly|partially|part done|half done|halfway|half way|in progress|"
            r"started on|made a start|some progress|nearly done|almost done|under way|underway)\b"
        ),
    ),
    (
        DONE,
        re.compile(
            r"\b(done|did|finished|completed|complete|sorted|achieved|ticked off|"
            r"managed to|got it done)\b"
        ),
    ),
)

_STATUS_WORDS = frozenset(
    """not yet started haven't havent have didn't didnt did get got manage managed start begun
    begin done dropped drop dropping gave give given giving up abandoned scrapped won't wont
    going no longer doing needed cancelled canceled partly partially part half halfway way in
    progress made some nearly almost under underway finished completed complete sorted
    achieved ticked off round around still to be""".split()
)
STOP_WORDS = frozenset(
    """a an the and or but so of to in on at by for with from into onto about over than then
    i i'm im i've ive i'd id me my mine we we've our us you your it it's its this that these
    those there here is are was were be been being am do does has had have having will would
    can could should shall may might must just also too very really quite bit lot lots all
    any one ones thing things action actions item items bit yet now today week weeks last
    next time as up out what which who how why when where if because well yes yeah ok okay
    thanks thank hi hello hey re said say says told""".split()
)
_WORD = re.compile(r"[a-z0-9']+")
_CLAUSE = re.compile(r"[.;!?\n]+|,|\band\b|\bbut\b|\balso\b")
_MAX_WORDS = 240  # beyond this a message is an essay: no status is read from it


@dataclass(frozen=True, slots=True)
class SaidStatus:
    status: str
    words: frozenset[str]  # the clause's content words, to match against actions


@dataclass(frozen=True, slots=True)
class Reading:
    statuses: tuple[SaidStatus, ...] = ()
    more: bool = False  # words beyond the status clauses: worth offering as an update too


def content_words(body: str) -> frozenset[str]:
    return frozenset(
        w.strip("'") for w in _WORD.findall(body.lower()) if w not in STOP_WORDS and len(w) > 1
    )


def _status_of(clause: str) -> str | None:
    for status, pattern in _PATTERNS:
        if pattern.search(clause):
            return status
    return None


def read(body: str) -> Reading:
    """The statuses said in `body`, and whether it says more than that."""
    lowered = body.lower()
    if len(_WORD.findall(lowered)) > _MAX_WORDS:
        return Reading(more=True)
    statuses: list[SaidStatus] = []
    more = False
    for clause in _CLAUSE.split(lowered):
        if not clause.strip():
            continue
        status = _status_of(clause)
        if status is None:
            if content_words(clause):
                more = True
            continue
        statuses.append(SaidStatus(status, content_words(clause) - _STATUS_WORDS))
    return Reading(tuple(statuses), more)


def _stem(word: str) -> str:
    """A light stem, enough for "asking"/"ask" and "volunteers"/"volunteer"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _same(a: str, b: str) -> bool:
    a, b = _stem(a), _stem(b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= 4 and long.startswith(short)


def overlap(said: frozenset[str], action_text: str) -> int:
    theirs = content_words(action_text) - _STATUS_WORDS
    return sum(1 for w in said if any(_same(w, t) for t in theirs))


def unmatched(said: SaidStatus, action_texts: Sequence[str]) -> int:
    """How many of the clause's words name none of these actions ("done the rota, with help
    from Sam": two) — enough of them and the clause says more than a status."""
    theirs = frozenset().union(*(content_words(t) for t in action_texts)) - _STATUS_WORDS
    return sum(1 for w in said.words if not any(_same(w, t) for t in theirs))


def match(said: SaidStatus, actions: Sequence[tuple[int, str]]) -> list[int]:
    """The ids of the actions `said` best names (several: ask which; none: not about one).

    A bare status ("all done", "did it") names every action when it names none."""
    scores = [(overlap(said.words, body), action_id) for action_id, body in actions]
    best = max((score for score, _ in scores), default=0)
    if best > 0:
        return [action_id for score, action_id in scores if score == best]
    if not said.words:
        return [action_id for action_id, _ in actions]
    return []

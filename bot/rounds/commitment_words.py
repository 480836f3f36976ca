"""Does a presenter's message in the Actions phase read as a commitment?

An action is a promise the set will follow up, so the bot records only what reads as one: an
imperative ("Ask three volunteers…", "Draft a rota by Friday") or a stated intention ("I will
draft…", "I'm going to talk to my manager"). Thanks, questions, reactions, numbers and hedges
("not sure…", "maybe…", "hmm") are not recorded; the presenter is offered a button instead,
so a miss costs one press and a guess never puts words in their mouth.

Pure and table-tested (`tests/bot/rounds/test_commitment_words.py`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["is_chatter", "reads_as_commitment", "starts_like_commitment", "strip_marker"]

# Verbs people start an action with (base forms; "-ing" forms are read too).
_VERBS = frozenset(
    """
    ask agree analyse analyze apply approach arrange attend audit block book brainstorm build
    buy call cancel capture chase check choose clarify clear collect compare complete confirm
    connect contact continue create cut decide define delegate design discuss document do draft
    drop email e-mail encourage engage establish estimate explore find finish fix focus follow
    gather get give go hand have hold identify implement interview introduce invite journal
    keep learn list listen look make map measure meet mention message note observe offer order
    organise organize outline pilot plan post practise practice prepare present prioritise
    prioritize propose publish put raise reach read rebook reconnect record reflect register
    reply request research reschedule review revise rewrite ring run say schedule see seek sell
    send set share shadow shortlist show sign sketch sort speak spend start stop submit suggest
    summarise summarize survey take talk teach tell test text think track trial try update
    use visit wait walk watch work write phone text ring invite nominate pay print recruit
    reduce remind rethink rework redo reread revisit restart resume return sit sleep sort
    approach allocate assign announce ban borrow bring change clean commission compile
    consult convene cover cancel count create delete design develop discover donate double
    draw eat edit enrol enroll exercise experiment feed file fill finalise finalize frame fund
    get hire host increase interview join limit lead lend log mentor move name negotiate
    nudge open pair pause phone pick pitch pray prepare price prototype pull push quit rate
    recommend reduce refuse rehearse release rename repair replace report represent rest
    revise rota save scope search secure sense separate settle simplify skip slow smile solve
    source speak split sponsor sketch streamline structure study sum supervise support swap
    switch tackle tidy trace train translate trust turn unblock upload value verify volunteer
    weigh welcome widen win wrap
    """.split()
)
# What turns a sentence into an intention: "I will…", "I'm going to…", "Next step: …".
_MARKER = re.compile(
    r"^(?:i\s+(?:will|shall|must|need\s+to|have\s+to|plan\s+to|intend\s+to|aim\s+to|want\s+to|"
    r"am\s+going\s+to|am\s+gonna|commit\s+to|promise\s+to|should|'ll|’ll)"
    r"|i'll|i’ll|i'm\s+going\s+to|i’m\s+going\s+to|im\s+going\s+to|ill|i'm\s+gonna|i’m\s+gonna"
    r"|going\s+to|gonna|will|plan\s+to|need\s+to|to"
    r"|(?:my\s+)?(?:next\s+)?(?:action|step|commitment)s?\s*(?:is\s+to|is|:|-)"
    r"|next\s*:|todo\s*:|to\s*do\s*:)\s*",
    re.IGNORECASE,
)
# "Oh and one more": an aside saying another action follows (see `without_aside`).
_ONE_MORE = r"(?:oh+\W+)?(?:and\s+)?(?:one\s+(?:more|last)|another)(?:\s+(?:thing|one))?"
# Leading words that neither make nor break a commitment ("OK, I'll…", "Then call Sam",
# "Oh and one more, check the budget").
_OPENERS = re.compile(
    r"^(?:"
    + _ONE_MORE
    + r"|ok(?:ay)?|right|so|and|also|then|first(?:ly)?|second(?:ly)?|next|finally|"
    r"yes|yep|sure|great|cool|fine|alright|all\s+right|plus|lastly)\b[\s,.:!-]*",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"^(?:hmm+|hm+|um+|erm+|uh+|ah+|oh+|not\s+sure|unsure|maybe|perhaps|possibly|probably|"
    r"might|i\s+might|i\s+may|i\s+could|i\s+guess|i\s+suppose|i\s+think|i\s+don'?t|i\s+won'?t|"
    r"i\s+can'?t|i\s+wonder|no\s+idea|dunno|idk|not\s+yet|no\b|nope|wait\b|lol|haha|wow|"
    r"thanks|thank|thx|ty\b|cheers|ta\b|appreciated|much\s+appreciated|that\s+was|that's|"
    r"thats|it\s+was|this\s+was|really|very|so\s+helpful|great|good|nice|brilliant|lovely|"
    r"amazing|awesome|agreed|exactly|true|indeed|sounds|makes\s+sense|will\s+do\b\W*$|"
    r"i\s+will\W*$|ok\W*$)",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|why|how|when|where|who|which|should|could|would|can|does|did|is|are|"
    r"was|were|shall|may)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·‣◦–—]+|\d{1,2}[.)]|\(?[a-z][.)]|\[\s?\])\s*", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z'’-]*", re.IGNORECASE)


# "Oh and one more, check the budget": the aside says another action follows; the action
# itself is what comes after it, and that is what goes in the record.
_ASIDE = re.compile(
    r"^" + _ONE_MORE + r"\s*[,:;.!–—-]+\s*(?=\w)",
    re.IGNORECASE,
)


def without_aside(text: str) -> str:
    """The action after an "Oh and one more, …" aside, starting with a capital."""
    rest = _ASIDE.sub("", text, count=1)
    if rest == text:
        return text
    return rest[:1].upper() + rest[1:] if rest.split(maxsplit=1)[0].islower() else rest


def strip_marker(text: str) -> str:
    """The words after a list bullet or number (`- `, `2.`, `•`)."""
    return _BULLET.sub("", text, count=1).strip()


def _letters(text: str) -> str:
    """The text without emoji, symbols and punctuation at its edges."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNZP" or ch in "'’")
    return " ".join(kept.split()).strip(" .,!;:-–—")


def starts_like_commitment(text: str) -> bool:
    """Whether the words open with an action verb or an intention, ignoring openers.
    Used to split one message into several actions (`, and share with the team by Monday`)."""
    words = _OPENERS.sub("", _letters(strip_marker(text)), count=1)
    if _HEDGES.match(words):
        return False
    marked = _MARKER.match(words)
    if marked:
        rest = words[marked.end() :]
        first = _WORD.match(rest)
        return first is not None and first[0].lower() not in ("be", "not", "never")
    first = _WORD.match(words)
    return first is not None and _verb(first[0])


def reads_as_commitment(text: str) -> bool:
    """A commitment: opens with an action verb or an intention, has something after the verb,
    and is not a question, thanks, a hedge, a reaction or a number."""
    body = _letters(strip_marker(text))
    if not body or not any(ch.isalpha() for ch in body):
        return False  # emoji, reactions, bare numbers, ratings like 4/5
    if text.rstrip().rstrip(" )!.").endswith("?") or _QUESTION_START.match(body):
        return False
    words = _OPENERS.sub("", body, count=1).strip()
    if not words or _HEDGES.match(words):
        return False
    marked = _MARKER.match(words)
    if marked:
        rest = words[marked.end() :].strip()
        first = _WORD.match(rest)
        return first is not None and first[0].lower() not in ("not", "never", "be")
    first = _WORD.match(words)
    return first is not None and _verb(first[0]) and len(words.split()) >= 2


_CHATTER = re.compile(
    r"^(?:thanks|thank|thx|ty|cheers|ta|appreciated|much\s+appreciated|that\s+was|this\s+was|"
    r"it\s+was|great|good|nice|brilliant|lovely|amazing|awesome|ok(?:ay)?|sure|yes|yep|lol|haha|"
    r"wow|agreed|exactly|sounds|makes\s+sense|will\s+do|all\s+good|done|right)\b",
    re.IGNORECASE,
)


def is_chatter(text: str) -> bool:
    """Thanks, reactions and numbers beside actions in a list: not worth offering to record
    ("Thanks all!" above three actions), unlike a hedge or a stray sentence."""
    body = _letters(strip_marker(text))
    return not any(ch.isalpha() for ch in body) or bool(_CHATTER.match(body))


def _verb(word: str) -> bool:
    word = word.lower().replace("’", "'")
    if word in _VERBS:
        return True
    if word.endswith("ing") and len(word) > 5:  # "Asking", "Drafting", "Writing"
        stem = word[:-3]
        return stem in _VERBS or stem + "e" in _VERBS or stem[:-1] in _VERBS
    return False

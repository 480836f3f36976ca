"""A supporter's advice, offered back to them as an open question (pure).

"Could you try asking the council?" → "What might asking the council make possible?";
"Have you tried mentoring?" → "What options have you considered, such as mentoring?".
Only a few plain shapes are rewritten, and only when the result is short, keeps nothing
that reads oddly in a question (the supporter's own "I", "me", a second clause) and is
itself read as an open question by `advice.classify` — otherwise the reminder gives a
general example instead.  A clumsy rewrite would teach the wrong thing.
"""

from __future__ import annotations

import re

from bot.rounds.advice import Kind, classify

MAX_WORDS = 10
MAX_CHARS = 160

# Verbs a suggestion starts with, and how each reads as an activity ("ask" → "asking",
# "raise" → "raising"); the ones that double their last letter are listed as they are.
_PLAIN_VERBS = (
    "ask speak talk ring call email book contact approach request offer pilot check reach "
    "look find protect report visit meet flag record document lobby complain push escalate "
    "draft build train switch block pull send hand pass insist delay wait apply delegate "
    "accept ignore postpone loop phone text message invite involve start fund survey "
    "help write take bring use raise arrange organise organize tell say pause move hire "
    "recruit change do make share leave resign give keep create challenge focus merge refuse "
    "prioritise prioritize outsource go"
).split()
_GERUNDS = {
    verb: (verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb) + "ing"
    for verb in _PLAIN_VERBS
}
_GERUNDS.update(
    {
        verb: verb + verb[-1] + "ing"
        for verb in "get put set stop drop plan run cut split chat map swap quit bid sit".split()
    }
)
_GERUNDS["cancel"] = "cancelling"

_CHAT = {"u": "you", "ur": "your", "pls": "please", "asap": "soon"}
_FILLERS = (
    r"(?:(?:so|ok|okay|maybe|perhaps|possibly|just|honestly|personally|definitely|defo|"
    r"really|also|and|but|i think|i reckon|tbh),?\s+)*"
)
_YOU = r"(?:you|u)"

# Each shape gives either a verb phrase (rewritten as an activity) or a noun phrase (an
# option).  Checked in order; the first that matches decides.
_VERB_SHAPES = (
    re.compile(r"^(?:could|can|would) " + _YOU + r" (?:not )?(?:just )?try (?P<ing>\w+ing\b.*)$"),
    re.compile(r"^(?:could|can|would) " + _YOU + r" (?:not )?(?:just |maybe |perhaps )?(?P<vp>.+)$"),
    re.compile(r"^why (?:don't|dont|not) " + _YOU + r" (?:just )?(?P<vp>.+)$"),
    re.compile(r"^why not (?:just )?(?P<vp>.+)$"),
    re.compile(
        r"^" + _YOU + r" (?:should|shud|could|need to|must|have to|'ve got to|ought to|"
        r"might want to|could always|can always) (?:just |really |definitely )?(?P<vp>.+)$"
    ),
    re.compile(r"^(?:if i (?:were|was) " + _YOU + r",? )?(?:i'd|i would|id) "
               r"(?:(?:just|probably|personally|definitely|also|first) )*(?P<vp>.+)$"),
    re.compile(r"^(?:wouldn't|would|isn't|is) it (?:be )?(?:easier|better|worth|quicker|simpler) "
               r"(?:to )?(?P<vp>.+)$"),
    re.compile(r"^it (?:might|may|could|would) (?:help|be worth) (?:to )?(?P<vp>.+)$"),
    re.compile(r"^(?:have|had) " + _YOU + r" (?:tried|considered|thought (?:about|of)) "
               r"(?P<ing>\w+ing \w.*)$"),
    re.compile(r"^(?:what|how) about (?P<ing>\w+ing \w.*)$"),
    re.compile(r"^try (?P<ing>\w+ing \w.*)$"),
    re.compile(r"^(?P<vp>.+)$"),  # an imperative: only if its first word is a known verb
)  # fmt: skip
_NOUN_SHAPES = (
    re.compile(r"^(?:have|had) " + _YOU + r" (?:tried|considered|thought (?:about|of)|looked "
               r"(?:at|into)) (?P<np>.+)$"),
    re.compile(r"^(?:what|how) about (?P<np>.+)$"),
    re.compile(r"^(?:wouldn't|wouldnt|would|could|might) (?P<np>(?:an?|some) .+?) (?:really )?"
               r"(?:help|work|fix|sort|solve)\b.*$"),
    re.compile(r"^(?P<np>(?:an?|some) .+?) (?:would|might|could|may|will) (?:really )?"
               r"(?:help|work|fix|sort|solve)\b.*$"),
    re.compile(r"^(?:could|can|would) " + _YOU + r" (?:not )?(?:just )?try (?P<np>.+)$"),
    re.compile(r"^in (?:my|our) experience,? (?P<np>(?:an?|some) .+?) (?:really )?"
               r"(?:works|worked|helps|helped)\b.*$"),
    re.compile(r"^(?:try|consider) (?P<np>.+)$"),
)  # fmt: skip

_ODD_IN_A_QUESTION = re.compile(r"\b(?:i|i'm|i'd|i'll|i've|me|my|we|us|our|lol)\b")
_TAIL_WORDS = re.compile(r"(?:[\s\W_]|\b(?:tbh|lol|x|seriously|please|pls|honestly)\b)+$", re.I)
_BACK_POINTER = re.compile(r"^(?:it|that|this|them|those|these|anything|something)\b")


def _clean(phrase: str) -> str | None:
    """The phrase without chat spellings or trailing punctuation and emoji; None when it
    is too long or carries words that read oddly once moved into a question."""
    phrase = _TAIL_WORDS.sub("", phrase.strip())
    words = [_CHAT.get(word.lower(), word) for word in phrase.split()]
    if not words or len(words) > MAX_WORDS:
        return None
    phrase = " ".join(words)
    if _ODD_IN_A_QUESTION.search(phrase.lower()) or _BACK_POINTER.match(phrase.lower()):
        return None
    return phrase


def _activity(verb_phrase: str) -> str | None:
    if re.match(r"(?:make sure|let|make it)\b", verb_phrase, re.IGNORECASE):
        return None  # "making sure the minutes record…" is grammatical but reads badly
    first, _, rest = verb_phrase.partition(" ")
    gerund = _GERUNDS.get(first.lower())
    if gerund is None:
        return None
    return f"{gerund} {rest}".strip()


def _first_advice(text: str) -> str | None:
    """The first sentence of the message that reads as advice, without leading fillers;
    None unless the message is that one sentence (a rewrite of one part would drop the
    rest of what they said)."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    sentences = [s.strip() for s in parts if re.search(r"[^\W\d_]", s)]
    if len(sentences) != 1 or len(sentences[0]) > MAX_CHARS:
        return None
    if classify(sentences[0]) is not Kind.ADVICE:
        return None
    sentence = sentences[0].replace("\u2019", "'")
    if re.search(r"[,;:]|\s[-–—]\s", sentence):
        return None
    return re.sub(r"^" + _FILLERS, "", sentence, flags=re.IGNORECASE)


def open_question(text: str) -> str | None:
    """Their advice as an open question, or None when no rewrite reads well."""
    sentence = _first_advice(text) if isinstance(text, str) else None
    if not sentence:
        return None
    lowered = sentence.lower()
    if len(lowered) != len(sentence):
        return None  # a letter whose lower case is longer ("İ") would shift the spans
    candidate: str | None = None
    for shape in _VERB_SHAPES:
        match = shape.match(lowered)
        if not match:
            continue
        start, end = match.span(match.lastgroup or 0)
        original = sentence[start:end]
        activity = original if match.lastgroup == "ing" else _activity(original)
        phrase = _clean(activity) if activity else None
        if phrase:
            candidate = f"What might {phrase} make possible?"
            break
    if candidate is None:
        for shape in _NOUN_SHAPES:
            match = shape.match(lowered)
            if not match:
                continue
            start, end = match.span("np")
            phrase = _clean(sentence[start:end])
            if phrase:
                if phrase.split()[0].lower() in ("a", "an", "some", "the"):
                    phrase = phrase[0].lower() + phrase[1:]
                candidate = f"What options have you considered, such as {phrase}?"
                break
    if candidate is None or classify(candidate) is not Kind.OPEN_QUESTION:
        return None
    return candidate

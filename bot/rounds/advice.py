"""Is a supporter's message an open question, a closed question, or advice?

In the questions phase supporters should ask open questions and hold back advice; the bot
nudges privately when a message reads as advice.  A false nudge annoys a well-meaning
supporter, so a rule only calls something advice when it proposes a course of action; the
result is only ever used for a gentle private reminder, never to block or delete a message.
`bench/advice_quality.py` scores these rules against labelled messages in `tests/`.

How a message is read (English, case- and punctuation-tolerant):

1. Text is NFKC-normalised, case-folded, curly quotes straightened, apostrophe-less
   contractions ("dont", "whats") and chat spellings ("u", "ur", "shud", "defo") repaired
   (`advice_words.normalise`); then split into sentences (on . ! ? and line breaks) and
   sentences into clauses (on , ; : and dashes).
2. Each clause loses leading fillers ("so", "and", "maybe", "just") and question preambles
   ("can I ask", "I wonder", "I'm curious about").
3. **Advice** (`advice_words.is_advice`): an imperative ("try…", "speak to…"); a suggestion
   dressed as a question ("why don't you", "have you tried", "could you try", "wouldn't a
   shared calendar fix it?", "would a buddy system work?", "is a job share an option?");
   experience offered as a recipe ("in my experience", "what worked for us was", "…and it
   really helped"); a recommendation ("the answer is", "your best bet", "it might be worth",
   "maybe a WhatsApp group would help"); "you should / need to / have to / could always".
   Not advice: the same words inside an open question ("What do you think you should do?",
   "What would you try first?"), a conditional ("If you could change one thing…"), the past
   ("Do you think you should have been consulted?"), or a "tried" that points back at the
   presenter's own idea ("Have you tried that before?").
4. **Open question**: a clause that starts with what/how/why/who/where/when/which,
   "in what way", "to what extent", "tell me", "describe", "say more", "talk me through",
   "help me understand".  A wh-word straight before a pronoun ("What you need is…") is a
   statement unless a preamble or a "?" makes it a question; short exclamations ("What a
   week!", "How awful.") are not questions.
5. **Closed question**: a clause that starts with an auxiliary (is, do, can, would, have…),
   with or without "?", or a preamble followed by "if"/"whether".
6. Otherwise OTHER.  Across a message, ADVICE beats OPEN beats CLOSED beats OTHER: one
   piece of advice after a good question is still advice.

Every pattern is anchored or linear, so a 40,000-character paste classifies in milliseconds.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.rounds import advice_words
from bot.rounds.advice_words import normalise


class Kind(StrEnum):
    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    ADVICE = "advice"
    OTHER = "other"


_PRONOUNS = r"(?:you|you're|you've|you'd|i|i'm|i've|i'd|we|we're|they|they're|he|she|it|it's)"

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
_CLAUSE_SPLIT_RE = re.compile(r"[,;:()]|\s[-–—]+\s|[–—]|\.\.\.|…")
_LEADING_JUNK_RE = re.compile(r"^[\W_]+")

# Words that carry no meaning at the start of a clause.  The second group leans a clause
# towards a suggestion ("just ask!", "definitely speak to Unison"): see `_strip_clause`.
_FILLER_RE = re.compile(
    r"^(?:so|and|but|or|ok|okay|right|well|also|then|hmm+|um+|erm+|ah|oh|yes|yeah|no|"
    r"thanks|thank you|sorry|genuinely|(?:can|could|may) i (?:just )?say|"
    r"maybe|perhaps|possibly|personally|i think|i feel|i reckon|i guess|"
    r"my (?:gut|instinct) (?:says|tells me|would say)|my (?:first )?thought is|"
    r"(just|simply|definitely|honestly|seriously|really|surely|tbh|ideally|obviously)"
    r")\b[\s,]*"
)
# Preambles that turn what follows into a question ("I wonder how you felt").
_PREAMBLE_RE = re.compile(
    r"^(?:(?:can|could|may|might) i (?:just )?ask|if i (?:can|may) ask|"
    r"i'd like to ask|i would like to ask|i want to ask|"
    r"i'm (?:just )?(?:curious|interested|wondering)(?: about| to (?:know|hear|understand)| in)?|"
    r"i am (?:curious|interested|wondering)(?: about| to know| in)?|"
    r"(?:i'd|i would) be (?:curious|interested)(?: to (?:know|hear|understand)| in| about)?|"
    r"i (?:was|were|am) (?:just )?wondering|i wonder|(?:just )?wondering|"
    r"out of (?:interest|curiosity)|quick question|a question|any thoughts (?:on|about))\b"
    r"[\s,]*"
)

_OPEN_START_RE = re.compile(
    r"^(?:what|what's|how|how's|why|why's|who|who's|whom|whose|where|where's|when|which|"
    r"in what ways?|to what (?:extent|degree)|"
    r"tell (?:me|us)|describe|say (?:a bit |a little )?more|explain|"
    r"(?:can|could|would|will) you (?:say (?:a bit |a little )?more|tell (?:me|us)|"
    r"describe|explain|talk (?:me|us) through|walk (?:me|us) through|help (?:me|us) understand|"
    r"expand|elaborate|unpack)|"
    r"talk (?:me|us) through|walk (?:me|us) through|help (?:me|us) understand|"
    r"(?:i'd|i would) (?:like|love) to (?:hear|know|understand|explore))\b"
)
_WH_STATEMENT_RE = re.compile(r"^(?:what|how|why|who|where|when|which) " + _PRONOUNS + r"\b")
_EXCLAMATION_RE = re.compile(
    r"^(?:what an? |how (?:\w+(?:ing|ful|ible|able|ous)|awful|hard|sad|brilliant|great|"
    r"good|lovely|tough|difficult|horrible|annoying|rubbish)"
    r"(?: for (?:you|them|her|him|everyone|the team))?$)"
)
_CLOSED_START_RE = re.compile(
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|have|has|had|should|shall|may|"
    r"might|am|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|can't|couldn't|won't|"
    r"wouldn't|haven't|hasn't|hadn't|shouldn't)\b"
)
_IF_WHETHER_RE = re.compile(r"^(?:if|whether)\b")
_SUBORDINATE_RE = re.compile(r"^(?:if|when|whether|because|unless|though|although|once)\b")


def _strip_clause(clause: str) -> tuple[str, bool, bool]:
    """Strip leading punctuation, fillers and preambles; report whether a preamble was seen
    and whether a pushing word ("just", "definitely", "honestly") was."""
    clause = _LEADING_JUNK_RE.sub("", clause.strip())
    preamble = pushed = False
    for _ in range(8):  # fillers can stack ("so, maybe just …") but never loop forever
        before = clause
        filler = _FILLER_RE.match(clause)
        if filler:
            pushed = pushed or bool(filler.group(1))
            clause = clause[filler.end() :]
        stripped = _PREAMBLE_RE.sub("", clause)
        if stripped != clause:
            preamble = True
            clause = stripped
        clause = _LEADING_JUNK_RE.sub("", clause).strip()
        if clause == before:
            break
    return clause.rstrip(" .!?\"'"), preamble, pushed


def _clause_kind(clause: str, asked: bool) -> Kind:
    """Classify one clause; `asked` is True when its sentence ended with a question mark."""
    body, preamble, pushed = _strip_clause(clause)
    if not body:
        return Kind.OTHER
    if body == "why not" or body == "why not then":
        return Kind.OPEN_QUESTION  # a bare "Why not?" asks for the presenter's reasons
    # "When we had this…" is a statement: a wh-word straight before a pronoun asks nothing
    # unless a preamble or a question mark says so.
    statement = bool(_WH_STATEMENT_RE.match(body)) and not (preamble or asked)
    opens = bool(_OPEN_START_RE.match(body)) and not statement
    closes = bool(_CLOSED_START_RE.match(body))
    subordinate = bool(_SUBORDINATE_RE.match(body))
    shape = advice_words.Shape(opens=opens, closes=closes, subordinate=subordinate)
    if advice_words.is_advice(body, shape, preamble=preamble, pushed=pushed):
        return Kind.ADVICE
    if opens:
        exclamation = _EXCLAMATION_RE.match(body) and not asked
        if not exclamation and (asked or preamble or " " in body):
            return Kind.OPEN_QUESTION
    if closes or (preamble and _IF_WHETHER_RE.match(body)):
        return Kind.CLOSED_QUESTION
    return Kind.OTHER


_RANK = {Kind.OTHER: 0, Kind.CLOSED_QUESTION: 1, Kind.OPEN_QUESTION: 2, Kind.ADVICE: 3}


def classify(text: str) -> Kind:
    """Classify a supporter's message.  Never raises: a non-string or empty text is OTHER."""
    if not isinstance(text, str) or not text.strip():
        return Kind.OTHER
    best = Kind.OTHER
    for sentence in _SENTENCE_RE.findall(normalise(text)):
        asked = "?" in sentence
        for clause in _CLAUSE_SPLIT_RE.split(sentence):
            kind = _clause_kind(clause, asked)
            if _RANK[kind] > _RANK[best]:
                best = kind
                if best is Kind.ADVICE:
                    return best
    return best

"""Is a supporter's message an open question, a closed question, or advice?

In the questions phase supporters should ask open questions and hold back advice; the bot
nudges privately when a message reads as advice.  A false nudge annoys a well-meaning
supporter, so the rules lean towards *not* calling something advice, and the result is only
ever used for a gentle private reminder, never to block or delete a message.

How a message is read (English, case- and punctuation-tolerant):

1. Text is NFKC-normalised, case-folded, curly quotes straightened and common apostrophe-less
   contractions ("dont", "whats") repaired; then split into sentences (on . ! ? and line
   breaks) and sentences into clauses (on , ; : and dashes).
2. Each clause loses leading fillers ("so", "and", "maybe", "just") and question preambles
   ("can I ask", "I wonder", "I'm curious about").
3. **Advice**: a clause that starts with an imperative ("try…", "speak to…", "consider…"),
   a suggestion dressed as a question ("why don't you", "why not do…", "how about",
   "have you tried", "have you thought about doing", "what about doing", "could you just",
   "wouldn't it be"), or that contains a suggestion anywhere ("if I were you", "my advice",
   "I suggest", "I'd go to…", "it might help to", "it's worth").  "You should/could/need
   to/must" count as advice too, *except* inside an open question ("What do you think you
   could do?" is the classic coaching question).
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
import unicodedata
from enum import StrEnum


class Kind(StrEnum):
    OPEN_QUESTION = "open_question"
    CLOSED_QUESTION = "closed_question"
    ADVICE = "advice"
    OTHER = "other"


_PRONOUNS = r"(?:you|you're|you've|you'd|i|i'm|i've|i'd|we|we're|they|they're|he|she|it|it's)"
_ADVERBS = r"(?:maybe|perhaps|possibly|just|simply|actually|really|probably|definitely)"

_CONTRACTIONS = {
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "whats": "what's",
    "hows": "how's",
    "youre": "you're",
    "youve": "you've",
    "youd": "you'd",
    "im": "i'm",
    "ive": "i've",
}
_CONTRACTION_RE = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b")

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
_CLAUSE_SPLIT_RE = re.compile(r"[,;:()]|\s[-–—]+\s|[–—]|\.\.\.|…")
_LEADING_JUNK_RE = re.compile(r"^[\W_]+")

# Words that carry no meaning at the start of a clause.
_FILLER_RE = re.compile(
    r"^(?:so|and|but|or|ok|okay|right|well|also|then|hmm+|um+|erm+|ah|oh|yes|yeah|no|"
    r"thanks|thank you|sorry|genuinely|honestly|(?:can|could|may) i (?:just )?say|"
    r"maybe|perhaps|possibly|just|simply|personally)\b[\s,]*"
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

# Suggestions that give themselves away at the start of a clause.
_ADVICE_START_RE = re.compile(
    r"^(?:why (?:don't|do not|wouldn't|won't|not) you|why not \w|how about(?! you$)|"
    r"have you (?:tried|thought of trying|considered (?!how|what|why|who|where|when|which|"
    r"whether|if)\w|looked into (?!how|what|why|who|where|when|which|whether|if)\w)|"
    r"have you (?:thought|looked) (?:about |of |into )(?:" + _ADVERBS + r" )?"
    r"(?:\w+ing|a|an|some)\b|"
    r"what about (?:" + _ADVERBS + r" )?(?:\w+ing\b|an? |some )|"
    r"what if you (?:just|simply|tried)|"
    r"(?:could|can|would) you (?:not |just |simply )?(?:just|simply)\b|"
    r"(?:can't|couldn't|shouldn't|won't) you|don't you think|"
    r"(?:wouldn't|isn't) it (?:be )?(?:better|easier|worth|good|best|wise)|"
    r"(?:would|could|might) it (?:help|be (?:worth|better|easier|useful|helpful|an idea|"
    r"a good idea))|"
    r"is it (?:not )?worth (?:" + _ADVERBS + r" )?\w+ing\b|"
    r"(?:don't|do not) (?!know\b|think\b|worry\b|you\b)\w|make sure|remember to|"
    r"don't forget)"
)
# Imperatives: a verb at the start of a clause, followed by more words, not used as a noun
# ("Change is hard" is not an order).
_IMPERATIVE_RE = re.compile(
    r"^(?:try|consider|speak|talk|ask|tell|go|get|email|e-mail|ring|call|phone|write|set|"
    r"book|raise|escalate|look|put|take|give|stop|start|delegate|push|say|remember|focus|"
    r"prioritise|prioritize|use|keep|avoid|check|find|reach|contact|arrange|schedule|involve|"
    r"document|record|flag|challenge|apply|send|share|let|think|ignore|accept|trust|leave|"
    r"quit|resign|switch|change|drop|cancel|move|offer|plan|build|create|organise|organize|"
    r"draft|bring|sit|be|make|cut|block|chase|invite|insist|refuse|delay|postpone)"
    r" (?!is\b|are\b|was\b|were\b|has\b|had\b|me\b|us\b|more\b)\w"
)
_NOT_IMPERATIVE_RE = re.compile(r"^(?:let(?:'s| me| us)|go on\b)")

# Suggestions anywhere in a clause.
_ADVICE_ANYWHERE_RE = re.compile(
    r"\b(?:if i (?:were|was) you|if it (?:were|was) me|in your (?:shoes|position|place)|"
    r"my (?:advice|suggestion|recommendation|tip)|"
    r"i(?: would|'d)? (?:suggest|recommend|advise)|"
    r"it (?:might|may|could|would|will|should) (?:help|be (?:helpful|useful|worth|good|"
    r"wise|an idea|a good idea|better)) to|it (?:might|may|could|would) be worth|"
    r"it'd (?:help|be (?:worth|good|a good idea|better)) to|it's worth|it is worth|"
    r"you (?:might|may) (?:want|wish|like) to|you (?:might|may) (?:try|consider)|"
    r"you'd (?:be better off|better)|you had better|"
    r"(?<!what )(?<!which )(?<!how )(?<!who )(?<!where )(?<!when )(?<!else )have you tried|"
    r"why don't you|how about(?! you$)|\bid (?:suggest|recommend)|"
    r"what you (?:need|should|could|must|ought to|have to)(?: \w+){0,3} is\b|"
    r"i(?: would|'d) be (?:tempted|inclined) to|"
    r"(?:i would|i'd) (?>(?:" + _ADVERBS + r" |personally |also |first |then |still )?)"
    r"(?!like\b|love\b|be\b|want\b|wonder|imagine|guess|think\b|hope|appreciate|welcome|"
    r"have\b|say\b|agree|rather\b|feel|find\b|expect|hate|argue|add\b|ask\b|say\b|"
    r"probably\b|definitely\b)[a-z]+)"
)
# "You should" and friends: advice, unless inside an open question.
_MODAL_ADVICE_RE = re.compile(
    r"\byou (?:should|shouldn't|could|need to|must|ought to|have got to|have to just)\b"
)


def reminder_text() -> str:
    """The private nudge: kind, short, and with an example so the supporter can rephrase."""
    return (
        "A gentle reminder: in this phase we ask open questions rather than offer advice. "
        "Could you turn that into a question, such as 'What options have you considered?'"
    )


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    text = text.replace("`", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" ' ?([a-z])", r"'\1", text)  # "don ' t" typed on some phones
    text = re.sub(r"\bi ?'d\b", "i'd", text)
    return _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1)], text)


def _strip_clause(clause: str) -> tuple[str, bool]:
    """Strip leading punctuation, fillers and preambles; report whether a preamble was seen."""
    clause = _LEADING_JUNK_RE.sub("", clause.strip())
    preamble = False
    for _ in range(8):  # fillers can stack ("so, maybe just …") but never loop forever
        before = clause
        clause = _FILLER_RE.sub("", clause)
        stripped = _PREAMBLE_RE.sub("", clause)
        if stripped != clause:
            preamble = True
            clause = stripped
        clause = _LEADING_JUNK_RE.sub("", clause).strip()
        if clause == before:
            break
    return clause.rstrip(" .!?\"'"), preamble


def _clause_kind(clause: str, asked: bool) -> Kind:
    """Classify one clause; `asked` is True when its sentence ended with a question mark."""
    body, preamble = _strip_clause(clause)
    if not body:
        return Kind.OTHER
    if body == "why not" or body == "why not then":
        return Kind.OPEN_QUESTION  # a bare "Why not?" asks for the presenter's reasons
    if _ADVICE_START_RE.match(body) or _ADVICE_ANYWHERE_RE.search(body):
        return Kind.ADVICE
    if _IMPERATIVE_RE.match(body) and not _NOT_IMPERATIVE_RE.match(body) and not preamble:
        return Kind.ADVICE
    if _OPEN_START_RE.match(body):
        statement = _WH_STATEMENT_RE.match(body) and not (preamble or asked)
        exclamation = _EXCLAMATION_RE.match(body) and not asked
        if not statement and not exclamation and (asked or preamble or " " in body):
            return Kind.OPEN_QUESTION
    if _MODAL_ADVICE_RE.search(body):
        return Kind.ADVICE
    if _CLOSED_START_RE.match(body) or (preamble and _IF_WHETHER_RE.match(body)):
        return Kind.CLOSED_QUESTION
    return Kind.OTHER


_RANK = {Kind.OTHER: 0, Kind.CLOSED_QUESTION: 1, Kind.OPEN_QUESTION: 2, Kind.ADVICE: 3}


def classify(text: str) -> Kind:
    """Classify a supporter's message.  Never raises: a non-string or empty text is OTHER."""
    if not isinstance(text, str) or not text.strip():
        return Kind.OTHER
    best = Kind.OTHER
    for sentence in _SENTENCE_RE.findall(_normalise(text)):
        asked = "?" in sentence
        for clause in _CLAUSE_SPLIT_RE.split(sentence):
            kind = _clause_kind(clause, asked)
            if _RANK[kind] > _RANK[best]:
                best = kind
                if best is Kind.ADVICE:
                    return best
    return best

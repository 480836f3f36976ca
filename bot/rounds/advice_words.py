"""The words that make a supporter's clause advice (pure; used by `bot.rounds.advice`).

Kept apart from the open/closed reading because this is the part that grows: each pattern
names one way people in a set offer a course of action, and `bench/advice_quality.py` shows
what a change gains or loses on the labelled messages in `tests/bot/rounds/`.

Three strengths of signal:
- *anywhere*: first-person recommendation or experience offered as a recipe ("if I were
  you", "in my experience", "what worked for us was") — advice whatever the clause's shape;
- *start*: a suggestion with its own shape ("could you try…", "wouldn't a rota fix it?",
  "have you looked at the guidance?", an imperative);
- *statement only*: words that recommend in a statement but are innocent in a question
  ("a WhatsApp group would help" vs "what would help?"; "you should" vs "what do you
  think you should do?").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
    "thats": "that's",
    "theres": "there's",
    # Chat spellings and common slips.
    "u": "you",
    "ur": "your",
    "r": "are",
    "shud": "should",
    "shld": "should",
    "cud": "could",
    "wud": "would",
    "defo": "definitely",
    "def": "definitely",
    "wanna": "want to",
    "gotta": "got to",
    "tride": "tried",
    "tryed": "tried",
    "thougt": "thought",
    "thot": "thought",
    "concidered": "considered",
    "sugest": "suggest",
}
_CONTRACTION_RE = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b")
# "id" and "ave" are words of their own; only where they cannot be.
_ID_RE = re.compile(r"(^|[.,;!?]\s*|\byou |\bme |\bhonestly |\bpersonally |\btbh )id\b")
_AVE_RE = re.compile(r"(^|[.,;!?]\s*)ave (you|u)\b")
_ITS_WORTH_RE = re.compile(r"\bits (worth|a good idea|best)\b")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")
    text = text.replace("`", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" ' ?([a-z])", r"'\1", text)  # "don ' t" typed on some phones
    text = re.sub(r"\bi ?'d\b", "i'd", text)
    text = _AVE_RE.sub(r"\1have \2", text)
    text = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1)], text)
    text = _ITS_WORTH_RE.sub(r"it's \1", text)
    return _ID_RE.sub(r"\1i'd", text)


@dataclass(frozen=True, slots=True)
class Shape:
    """How a clause reads before its words are weighed: an open question's start, a closed
    question's start (an auxiliary), or a subordinate clause ("if you could…")."""

    opens: bool
    closes: bool
    subordinate: bool


_ADVERBS = r"(?:maybe|perhaps|possibly|just|simply|actually|really|probably|definitely)"
_WH = r"(?:how|what|why|who|where|when|which|whether|if)"
# What "tried"/"considered" can point back at: the presenter's own idea, not a new one.
_BACK = (
    r"(?:(?:it|that|this|them|those|these)(?: [a-z]+)?(?: (?:again|before|yet|already|at all|"
    r"too|as well|out|properly))?$|anything|something|everything|any of|all of|either|both|"
    r"before|yet|already|much|" + _WH + r")\b"
)
# Things a supporter proposes the presenter *do* ("could you ask…", "can you get…").
_ACTION = (
    r"(?:try|ask|speak|talk to|talk with|get|go|ring|call|phone|email|e-mail|message|text|"
    r"write|put|take|bring|use|delegate|push|escalate|raise|book|set up|arrange|organise|"
    r"organize|contact|approach|involve|invite|apply|send|tell(?! (?:me|us)\b)|say no|offer|"
    r"pilot|pause|stop|start|drop|move|hire|recruit|split|cut|change|look|find|check|reach|"
    r"run|do(?! (?:anything|something|much|more|without)\b)|make(?! sense\b)|request|insist|"
    r"refuse|challenge|flag|record|document|draft|build|create|plan|schedule|block|protect|"
    r"prioritise|prioritize|focus|let|leave|quit|resign|switch|swap|job share|job-share|"
    r"work(?! out\b)|train|meet|sit down|pull|step back|push back|go back|hand|pass|"
    r"outsource|lobby|report|complain|appeal|visit|share(?! (?:more|a bit|what|how|why|"
    r"your thinking)\b)|bring in|loop in|cc|copy in|give(?! (?:me |us )?(?:an? )?example\b))\b"
)

_STRONG_ANYWHERE_RE = re.compile(
    r"\b(?:if i (?:were|was) you|if it (?:were|was) me|in your (?:shoes|position|place)|"
    r"my (?:advice|suggestion|recommendation|tip)|"
    r"i(?: would|'d)? (?:suggest|recommend|advise)|i'd (?:say|go with) (?:try|go|get|ask)|"
    r"(?:in|from) (?:my|our) (?:experience|past experience)|^from experience|"
    r"what (?:worked|helped|works|helps) (?:for )?(?:us|me)\b|what (?:we|i) did was|"
    r"one thing that (?:helped|worked|helps|works|might help|could help)|"
    r"something that (?:might|could|would|may) help|"
    r"the (?:thing|one thing) that (?:made|makes) (?:the|a|all the) difference|"
    r"it (?:might|may|could|would|will|should) (?:help|be (?:helpful|useful|worth|good|"
    r"wise|an idea|a good idea|better)) to|it (?:might|may|could|would) be worth|"
    r"it'd (?:help|be (?:worth|good|a good idea|better)) to|it's worth|it is worth|"
    r"you (?:might|may) (?:want|wish|like) to|you (?:might|may) (?:try|consider)|"
    r"you'd (?:be better off|better)|you had better|"
    r"(?<!what )(?<!which )(?<!how )(?<!who )(?<!where )(?<!when )(?<!else )"
    r"(?:have you|you've|you have) tried (?!" + _BACK + r")|"
    r"why don't you(?! (?:think|want|feel|like|believe|know|agree|trust|see|remember)\b)|"
    r"how about(?! you$)|any reason (?:why )?you (?:can't|couldn't|don't|wouldn't|haven't)|"
    r"what you (?:need|should|could|must|ought to|have to)(?: \w+){0,3} is\b|"
    r"i(?: would|'d) be (?:tempted|inclined) to|"
    r"(?:i'll|i will|i can|happy to|i could) (?:send|forward|dig out|pass on|share) "
    r"(?:you|the|a|some|my)\b|"
    r"(?:i would|i'd) (?>(?:" + _ADVERBS + r" |personally |also |first |then |still )?)"
    r"(?!like\b|love\b|be\b|want\b|wonder|imagine|guess|think\b|hope|appreciate|welcome|"
    r"have\b|say\b|agree|rather\b|feel|find\b|expect|hate|argue|add\b|ask\b|"
    r"probably\b|definitely\b)[a-z]+)"
)

_START_RE = re.compile(
    r"^(?:why (?:don't|do not|wouldn't|won't|not) you"
    r"(?! (?:think|want|feel|like|believe|know|agree|trust|see|remember)\b)|why not \w|"
    r"how about(?! you$)|"
    r"(?:have|had) you (?:tried|considered|thought of trying|looked (?:at|into)|checked out|"
    r"heard of|come across|explored|approached|contacted|reached out to) (?!" + _BACK + r")|"
    r"(?:have|had) you (?:thought|looked) (?:about |of |into )(?:" + _ADVERBS + r" )?"
    r"(?:\w+ing|a|an|some)\b|"
    r"what about (?:" + _ADVERBS + r" )?(?:\w+ing\b|an? |some )|"
    r"what if you (?:just|simply|asked|tried|went|took|got|spoke|talked|told|gave|put|set|"
    r"let|made|brought|sent|rang|called|emailed|wrote|stopped|started|delegated|moved|"
    r"offered|invited|involved|said|pushed|escalated|raised|booked|used|shared|split|cut|"
    r"changed|dropped|paused|piloted|approached|contacted)\b|"
    r"what's (?:stopping|preventing) you (?:from )?(?:just|simply)\b|"
    r"(?:could|can|would|will) you (?:not )?(?:just |simply |always |maybe |perhaps |possibly |"
    r"also |then )?(?:try|" + _ACTION + r")"
    r"(?! (?:it|that|this)(?: (?:again|before|yet|at all|too|as well|now|then))?$)|"
    r"(?:could|can|would) you (?:not |just |simply )?(?:just|simply)\b|"
    r"would you (?:not )?(?:consider|think (?:about|of)|be (?:able|willing) to " + _ACTION + r")"
    r"(?! (?:" + _WH + r"|yourself)\b)|"
    r"do you (?:want|fancy) (?:to )?(?:try|give) (?!(?:it|that|this|them)\b)|"
    r"(?:can't|couldn't|shouldn't|won't) you|don't you think|"
    r"(?:wouldn't|couldn't|shouldn't)(?! .*\bhave (?:been|known|\w+ed)\b)|"
    r"(?:wouldn't|isn't) it (?:be )?(?:better|easier|worth|good|best|wise|time to)|"
    r"(?:would|could|might|wouldn't) it (?:help|make sense|be (?:worth|better|easier|useful|"
    r"helpful|an idea|a good idea|sensible|wise))|"
    r"is it (?:not )?worth (?:" + _ADVERBS + r" )?\w+ing\b|"
    r"(?:would|could|might|will|won't) (?:a|an|some|more|having|getting|another|\w+ing|"
    r"(?!it\b|that\b|this\b|they\b|he\b|she\b|you\b|we\b|i\b|there\b)[a-z]+(?= help\b)) "
    r"(?:[\w'-]+ ){0,6}?(?:help|work|fix|sort|solve|make (?:a|any|the|much) difference|"
    r"make sense|be (?:better|easier|worth it|an option|useful|helpful))\b|"
    r"(?:could|couldn't|can't|can) (?:the|your|a|an|some(?:one|body)?|one of (?:the|your)) "
    r"(?:[\w'-]+ ){0,3}?(?:take|fund|cover|help|run|lead|chair|pick up|step in|support|"
    r"share|handle|own|deal with|absorb|do)\b|"
    r"(?:is|would|could) (?:a|an|some|\w+ing) [\w' -]{1,40}?(?:an option|worth (?:a |"
    r"trying|considering|exploring|looking)|on the table)\b|"
    r"(?:it )?(?:might|may|could|would) be (?:worth|an idea|a good idea|good to|best|better|"
    r"helpful|useful|wise|the way to go)\b|"
    r"(?:best|better|worth|always worth|probably best|good idea) (?:to|\w+ing|a (?:go|try|"
    r"look|chat|call))\b|"
    r"(?:need|got) to (?!say|admit|agree|dash|go\b|drop|leave|run\b|head)\w|"
    r"have a (?:look|chat|word|think|read|go|try)\b|"
    r"(?:one|another|an|a quick|my) (?:idea|suggestion)\b|"
    r"(?:is|would) it (?:be )?(?:an option|possible) to " + _ACTION + r"|"
    r"(?:don't|do not) (?!know\b|think\b|worry\b|you\b)\w|make sure|remember to|"
    r"don't forget)"
)

# Imperatives: a verb at the start of a clause, followed by more words, not used as a noun
# ("Change is hard" is not an order).
_IMPERATIVE_VERBS = (
    r"(?:try|consider|speak|talk|ask|tell|go|get|email|e-mail|ring|call|phone|write|set|"
    r"book|raise|escalate|look|put|take|give|stop|start|delegate|push|say|remember|focus|"
    r"prioritise|prioritize|use|keep|avoid|check|find|reach|contact|arrange|schedule|involve|"
    r"document|record|flag|challenge|apply|send|share|let|think|ignore|accept|trust|leave|"
    r"quit|resign|switch|change|drop|cancel|move|offer|plan|build|create|organise|organize|"
    r"draft|bring|sit|be|make|cut|block|chase|invite|insist|refuse|delay|postpone|loop|"
    r"pilot|recruit|hire|lobby|report|complain|protect|pick|hand|outsource)"
)
_IMPERATIVE_RE = re.compile(
    r"^" + _IMPERATIVE_VERBS + r" (?!is\b|are\b|was\b|were\b|has\b|had\b|me\b|us\b|more\b)\w"
)
_PUSHED_IMPERATIVE_RE = re.compile(r"^" + _IMPERATIVE_VERBS + r"$")
_NOT_IMPERATIVE_RE = re.compile(r"^(?:let(?:'s| me| us)|go on\b)")

# "You should" and friends: advice in a statement or a closed question, not in an open one.
_MODAL_RE = re.compile(
    r"\b(?:you (?:really |just |definitely |honestly |seriously |probably |absolutely |"
    r"totally |still |also |clearly )?(?:should|shouldn't|could always|could just|could|need to|need an?|need some|"
    r"need more|must|ought to|have got to|have to|can always|can just|can simply)|"
    r"you've got to|you've gotta)\b"
)
_MODAL_PAST_RE = re.compile(
    r"^(?:should|shouldn't|could|must) have (?:been|known|had|done|gone|seen|got|\w+ed)\b"
)
# A modal inside a relative clause ("someone you could talk to") or an existence question.
_RELATIVE_WORDS = frozenset(
    "anyone someone anybody somebody anything something thing things what which who where "
    "how everything one people ones way ways step steps".split()
)
_EXISTENCE_RE = re.compile(r"^(?:is|are|was|were) there\b|^(?:do you have|have you got)\b")

_HELPS_RE = re.compile(
    r"\b(?:would|could|might|may|will|can|should|'d|'ll) (?:really |definitely |also |"
    r"probably |possibly |potentially |actually |massively |hugely |totally )?"
    r"(?:help|work(?! out\b)|fix|sort|solve|suit|benefit|transform|ease|free (?:you|up)|"
    r"make (?:a|the|all the|such a) (?:\w+ )?difference|"
    r"be (?:really |so |very )?(?:helpful|useful|valuable|worth it|worth a (?:go|try|shot|"
    r"look)|the way to go|the answer|a game changer|a good (?:idea|start|first step)))\b"
)
_HELPS_SUBJECTS = frozenset(
    "who what which anyone anything someone something anybody somebody nothing".split()
)
_SUCCESS_RE = re.compile(
    r"\b(?:it|that|this|which) (?:really |actually |definitely )?(?:worked|helped|works|helps)"
    r"\b(?! (?:me|us|you)\b)|\breally (?:helped|helps|works|worked)\b|"
    r"\bworks? (?:really )?(?:well|wonders|a treat)\b|"
    r"\bworked (?:really )?(?:well|wonders|a treat)\b|"
    r"\b(?:sorted|fixed|solved|cracked) (?:it|this|that|things)\b|"
    r"\bmade (?:a|all the|the|such a) (?:\w+ )?difference\b|"
    r"\bmakes? (?:a|all the|such a) (?:massive|big|huge|real|great|world of) difference\b|"
    r"\bdid the trick\b|\b(?:was|is) (?:the|a) (?:answer|game changer|lifesaver|life saver)\b|"
    r"\bthe (?:only )?thing that (?:works|worked|helped|helps)\b|"
    r"\b(?:it|that|this|which) (?:really |completely |totally )?(?:transformed|"
    r"turned (?:it|things) around|changed (?:everything|the culture|things))\b|"
    r"\b(?:we|i) (?:tried|used|did|ran|set up|brought in|introduced) .{1,60}?\b(?:and|so) "
    r"(?:people|everyone|they|staff|the team|volunteers) (?:loved|liked|enjoyed|"
    r"responded well to) it\b|"
    r"\bi (?:have |'ve )?(?:always )?found (?:a|an|some|having|getting|using|doing) "
    r"(?:[\w'-]+ ){0,4}?(?:really |so |very |incredibly )?(?:useful|helpful|invaluable|"
    r"brilliant|effective|worth it)\b"
)
_RECIPE_RE = re.compile(
    r"\bthe (?:answer|trick|key|solution|secret) (?:is|has to be|would be|might be|could be|"
    r"was)\b|\b(?:best|only|safest|simplest|easiest|quickest) (?:bet|option|thing to do|"
    r"approach|way forward)\b|\bthe (?:[a-z]+ )?thing (?:to do )?(?:is|would be) (?:to|\w+ing)\b|"
    r"\bthe best thing (?:is|would be|to do)\b|"
    r"\b(?:another|one|an|the other|other) options? (?:is|are|might be|would be|could be)\b|"
    r"\b(?:first|next|good) step (?:is|would be|might be|could be)\b|\bthe way to go\b|"
    r"\bquick win\b|\bit helps to\b|\bthere's no substitute for\b|"
    r"\b(?:a )?(?:classic|textbook|perfect|good) (?:case|candidate|use) for\b|"
    r"\bwould (?:\w+ )?break the ice\b"
)


def _modal_advice(body: str, shape: Shape) -> bool:
    if shape.opens or shape.subordinate or (shape.closes and _EXISTENCE_RE.match(body)):
        return False
    for match in _MODAL_RE.finditer(body):
        before = body[: match.start()].split()
        if before and before[-1] in _RELATIVE_WORDS:
            continue
        modal = match.group(0).split(" ", 1)[-1]
        if _MODAL_PAST_RE.match(body[match.start() + 4 :]) and not modal.startswith("need"):
            continue
        return True
    return False


def _helps(body: str) -> bool:
    for match in _HELPS_RE.finditer(body):
        before = body[: match.start()].split()
        if not before or before[-1] not in _HELPS_SUBJECTS:
            return True
    return False


def is_advice(body: str, shape: Shape, *, preamble: bool, pushed: bool) -> bool:
    """Does this clause (fillers and preambles already stripped) propose a course of action?"""
    if _STRONG_ANYWHERE_RE.search(body) or _START_RE.match(body):
        return True
    if not preamble and not _NOT_IMPERATIVE_RE.match(body):
        if _IMPERATIVE_RE.match(body) or (pushed and _PUSHED_IMPERATIVE_RE.match(body)):
            return True
    if _modal_advice(body, shape):
        return True
    if shape.opens or shape.closes:
        return False
    return bool(_SUCCESS_RE.search(body) or _RECIPE_RE.search(body) or _helps(body))

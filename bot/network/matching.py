"""Which offers meet a want (and which wants an offer meets): text similarity, offline. Pure.

BM25 over the set's own offers and wants — the statistics come from the set, so a word
everyone in it uses ("support", "team") counts for little and a rare one ("procurement",
"transcripts") for a lot — with light normalisation: lower case, punctuation and a small
stop-word list gone (including the words every offer and want is framed in: "I'd like to
learn", "happy to help"), crude suffix stripping so "facilitated", "facilitation" and
"facilitator" meet, and a few synonyms and acronyms of the sector people write in (an ICB is
an integrated care board; a bid is a grant application). Tags both items carry add a bonus.

Hand-written rather than `rank_bm25`: it is forty lines, needs nothing installed, and the
score must be comparable across queries (a threshold), which rank_bm25's raw scores are
not: here a score is the matched share of the query's weight, about 0 to 1, plus the tags.

Never the same person's item; nothing under `MIN_SCORE`, and nothing on tags alone.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75
# A proposal needs a tenth of the query's weight matched (with the tags' bonus): one
# distinctive shared word in a want of a sentence. On the seeded set (tests/bot/network)
# the right offers score 0.09 to 0.66; a want no offer meets scores 0 (nothing shared)
# unless one word happens to be shared ("sign language" and "Welsh language": 0.3).
MIN_SCORE = 0.1
# A set holds a few dozen items at most, often a handful: with three items, a word in all
# three would weigh almost nothing, though three texts are no evidence that it is common.
# The document count is taken as at least this, as if the rest of the set said none of
# the words: rare words still count most, and shared ones are not wiped out.
MIN_DOCUMENTS = 40
TAG_BONUS = 0.1  # per tag both items carry
TAG_BONUS_MAX = 0.2

STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can
    could d did do does doing don for from get getting go going got had has have having he
    her here him his how i if in into is it its just ll m me more most my no not now of
    on one or our ours out over re s she so some someone something t than that the their
    them then there these they this those through to too up us ve very was we were what
    when where which while who why will with would you your yours
    like want wanted learn learning help helping happy love looking need needs share able
    anyone other others idea ideas tip tips know really actually
    """.split()
)

# Words of the sector that name one thing; each is read as its first form. Acronyms are
# written out, so "ICB" meets "Integrated Care Boards".
SYNONYMS: dict[str, str] = {
    "questionnaire": "survey",
    "questionnaires": "survey",
    "excel": "spreadsheet",
    "spreadsheets": "spreadsheet",
    "bid": "grant",
    "bids": "grant",
    "funding": "grant",
    "graph": "chart",
    "graphs": "chart",
    "roster": "rota",
    "rosters": "rota",
}
ACRONYMS: dict[str, str] = {
    "icb": "integrated care board",
    "icbs": "integrated care board",
    "cvs": "council voluntary service",
    "vcse": "voluntary community social enterprise",
    "dpia": "data protection impact assessment",
    "dpias": "data protection impact assessment",
    "gdpr": "gdpr data protection",
    "sla": "service level agreement",
    "slas": "service level agreement",
    "mhfa": "mental health first aid",
    # A supporter CRM is the charity's database of people; the platforms are social media.
    "crm": "crm database",
    "twitter": "social media",
    "facebook": "social media",
    "instagram": "social media",
    "linkedin": "social media",
    "tiktok": "social media",
}

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SUFFIXES = (
    ("ations", ""),
    ("ation", ""),
    ("ators", ""),
    ("ator", ""),
    ("ating", ""),
    ("ated", ""),
    ("ates", ""),
    ("ings", ""),
    ("ing", ""),
    ("ions", ""),
    ("ion", ""),
    ("ies", "y"),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """Crude suffix stripping, once, then a final e: "facilitated", "facilitation" and
    "facilitator" meet, and "organise" meets "organising"."""
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is", "as")):
                continue
            word = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsf":
                word = word[:-1]  # "planning" → "plan"
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The words that count, normalised: "I've facilitated co-production groups" →
    ["facilit", "coproduct", "group"]."""
    out: list[str] = []
    for raw in _WORD.findall(text.lower().replace("’", "'").replace("'", " ")):
        word = raw.replace("-", "")
        for part in ACRONYMS.get(word, SYNONYMS.get(word, word)).split():
            if part in STOP_WORDS or part.isdigit():
                continue
            out.append(stem(part))
    return out


def tag_set(tags: Iterable[str]) -> frozenset[str]:
    return frozenset(t.strip().lstrip("#").lower() for t in tags if t.strip().lstrip("#"))


@dataclass(frozen=True, slots=True)
class Item:
    """An offer or a want as the matcher sees it: whose, its words and its tags."""

    id: int
    author: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scored:
    item: Item
    score: float


class Index:
    """The set's texts: document frequencies and the average length, for BM25."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._terms: dict[int, Counter[str]] = {}
        frequency: Counter[str] = Counter()
        for item in items:
            terms = Counter(tokens(item.text))
            self._terms[item.id] = terms
            frequency.update(terms.keys())
        self.size = len(self._terms)
        self.average = sum(sum(t.values()) for t in self._terms.values()) / max(self.size, 1)
        self._frequency = frequency

    def idf(self, term: str) -> float:
        n = self._frequency.get(term, 0)
        size = max(self.size, MIN_DOCUMENTS)
        return math.log((size - n + 0.5) / (n + 0.5) + 1.0)

    def terms(self, item: Item) -> Counter[str]:
        found = self._terms.get(item.id)
        return found if found is not None else Counter(tokens(item.text))

    def text_score(self, query: Item, candidate: Item) -> float:
        """BM25 of `candidate` for `query`'s distinct words, as a share of the most those
        words could weigh (their idf summed): comparable between queries."""
        words = set(self.terms(query))
        if not words:
            return 0.0
        doc = self.terms(candidate)
        length = sum(doc.values())
        norm = K1 * (1 - B + B * length / (self.average or 1.0))
        total = 0.0
        for word in words & doc.keys():
            tf = doc[word]
            total += self.idf(word) * tf * (K1 + 1) / (tf + norm)
        return total / sum(self.idf(word) for word in words)

    def score(self, query: Item, candidate: Item) -> float:
        text = self.text_score(query, candidate)
        if text <= 0.0:
            return 0.0  # shared tags alone are no reason to introduce two people
        shared = len(tag_set(query.tags) & tag_set(candidate.tags))
        return text + min(TAG_BONUS * shared, TAG_BONUS_MAX)

    def rank(
        self,
        query: Item,
        candidates: Sequence[Item],
        *,
        threshold: float = MIN_SCORE,
        limit: int | None = None,
    ) -> list[Scored]:
        """`candidates` that meet `query`, best first (ties by id); never its author's own."""
        scored = [
            Scored(c, s)
            for c in candidates
            if c.author != query.author and c.id != query.id
            for s in (self.score(query, c),)
            if s >= threshold
        ]
        scored.sort(key=lambda found: (-found.score, found.item.id))
        return scored if limit is None else scored[:limit]


def rank(
    query: Item,
    candidates: Sequence[Item],
    corpus: Iterable[Item] = (),
    *,
    threshold: float = MIN_SCORE,
    limit: int | None = None,
) -> list[Scored]:
    """`Index(corpus or candidates + query).rank(...)`: one query's ranking, for callers
    that rank once."""
    items = list(corpus) or [*candidates, query]
    return Index(items).rank(query, candidates, threshold=threshold, limit=limit)

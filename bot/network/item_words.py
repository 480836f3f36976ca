"""How offers and wants read and show: tags cut out of the words, the limits' sentences, a
search that works offline, and the lines `/als offers` prints. Pure: no database, no clock
(the caller passes `now` and a zone), so each rule is tested on its own.

Tags are `#word` tokens anywhere in the text. They are kept apart (lower-cased, each once)
so the text reads as a sentence and the matcher can weigh tags on their own; the form's
"Tags" box becomes `#tag` words too (`bot.commands.spec.Ask.words`), so a typed command and
a form say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.refs import UserRef
from bot.replies import Mention, Plain, Strong, Text, text

MIN_CHARS = 3
MAX_CHARS = 500
MAX_TAGS = 10
MAX_TAG_CHARS = 40
MAX_OPEN = 10  # open items of one kind per person per set
LIST_CAP = 15  # lines `/als offers` shows at once

# A tag starts a word (so Slack's `<#C123|general>` channel links and "C#" are not tags);
# what trails it ("#funding," "#writing.") is punctuation left to the sentence.
_TAG = re.compile(r"^#(\w[\w-]*)([.,;:!?)]*)$")


@dataclass(frozen=True, slots=True)
class Words:
    text: str
    tags: tuple[str, ...]


def split_tags(raw: str) -> Words:
    """`I can help with #Funding bids #writing.` → text `I can help with bids.`, tags
    (`funding`, `writing`): a tag's closing `.`, `!` or `?` stays with the sentence."""
    kept: list[str] = []
    tags: list[str] = []
    for token in raw.split():
        found = _TAG.match(token)
        if found is None:
            kept.append(token)
            continue
        tag = found[1].lower()
        if tag not in tags:
            tags.append(tag)
        trailing = found[2]
        if trailing and kept and trailing[-1] in ".!?" and kept[-1][-1:] not in ".!?,;:":
            kept[-1] += trailing[-1]
    return Words(" ".join(kept).strip(" ,;:"), tuple(tags))


def problem(words: Words) -> str | None:
    """Why these words cannot be saved, as a sentence for the person (None: they can)."""
    length = len(words.text)
    if length < MIN_CHARS:
        return (
            "Say a little more: a few words about what you mean (tags alone are not enough), "
            "e.g. `I can help with grant applications #funding`."
        )
    if length > MAX_CHARS:
        return (
            f"That's {length} characters; please keep it to {MAX_CHARS} (a sentence or two "
            "is plenty — the conversation does the rest)."
        )
    if len(words.tags) > MAX_TAGS:
        return f"That's {len(words.tags)} tags; {MAX_TAGS} at most, please."
    long_tag = next((t for t in words.tags if len(t) > MAX_TAG_CHARS), None)
    if long_tag is not None:
        return f"A tag can be up to {MAX_TAG_CHARS} characters long; #{long_tag[:20]}… is longer."
    return None


def terms_of(raw: str) -> list[str]:
    """The search's terms: words lower-cased, a leading `#` dropped (`#Funding` = `funding`)."""
    return [t for t in (word.lstrip("#").casefold() for word in raw.split()) if t]


def matches(terms: Sequence[str], body: str, tags: Iterable[str]) -> bool:
    """Every term appears in the text or in a tag (as part of a word: `grant` finds
    `grants`), whatever the case."""
    haystack = " ".join([body.casefold(), *(f"#{t.casefold()}" for t in tags)])
    return all(term in haystack for term in terms)


def day(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """`4 March`, with the year when it is not this year's (`4 March 2027`)."""
    local = moment.astimezone(tz)
    shown = f"{local.day} {local:%B}"
    return shown if local.year == now.astimezone(tz).year else f"{shown} {local.year}"


def tag_words(tags: Iterable[str]) -> str:
    return " ".join(f"#{t}" for t in tags)


def quoted(body: str, tags: Iterable[str]) -> str:
    """`“I can help with bids” #funding`: the words as saved, for confirmations."""
    tagged = tag_words(tags)
    return f"“{body}”" + (f" {tagged}" if tagged else "")


@dataclass(frozen=True, slots=True)
class Shown:
    """One item as a list shows it."""

    id: int
    author: UserRef
    body: str
    tags: tuple[str, ...]
    expires_at: datetime


def list_line(item: Shown, tz: ZoneInfo, now: datetime) -> Text:
    """`12. I can help with grant applications — @alice · #funding · expires 4 March`"""
    tail = " · ".join(
        p for p in (tag_words(item.tags), f"expires {day(item.expires_at, tz, now)}") if p
    )
    return Text(
        (
            Strong(f"{item.id}."),
            Plain(f" {item.body} — "),
            Mention(item.author),
            Plain(f" · {tail}"),
        )
    )


def listing(kind: str, items: Sequence[Shown], terms: str, tz: ZoneInfo, now: datetime) -> Text:
    """The whole answer to `/als offers [terms]`: newest first, at most `LIST_CAP` lines."""
    noun = kind
    if not items:
        if terms:
            return text(f"No {noun}s match “{terms}”. `/als {noun}s` lists them all.")
        return text(
            f"No {noun}s in this set yet. Add yours: `/als {noun} …` (see `/als help {noun}`)."
        )
    head = (
        f"{noun.capitalize()}s matching “{terms}”" if terms else f"{noun.capitalize()}s in this set"
    )
    out = text(f"{head} ({len(items)}), newest first:")
    for item in items[:LIST_CAP]:
        out += text("\n", list_line(item, tz, now))
    if len(items) > LIST_CAP:
        out += text(
            f"\nShowing the newest {LIST_CAP} of {len(items)}: add words to narrow it, "
            f"e.g. `/als {noun}s grants`."
        )
    out += text(
        f"\nThe number is what `/als {noun} edit <n> …` and `/als {noun} remove <n>` take "
        "(your own only)."
    )
    return out


def saved(kind: str, item_id: int, words: Words, expires: str, *, edited: bool = False) -> Text:
    """The private confirmation of an added or changed item."""
    noun = kind
    first = (
        f"{noun.capitalize()} {item_id} changed: "
        if edited
        else f"{noun.capitalize()} {item_id} saved: "
    )
    other = "want" if kind == "offer" else "offer"
    return text(
        first,
        quoted(words.text, words.tags),
        f". It lasts until {expires}; I'll remind you a week before.\n",
        f"When someone's {other} in this set matches it, I'll ask you both privately first: "
        "nobody is introduced without your yes.\n",
        f"`/als {noun} edit {item_id} …` changes it, `/als {noun} remove {item_id}` removes it.",
    )

"""How the between-sessions commands read (`offer`, `want`, `prompts`, `pairs`): the
grammar's custom parsers for them, kept apart so `grammar.py` stays one page.

`/als offers [terms]` and `/als wants [terms]` are the `list` forms: the plural is an alias
of the verb, and `PLURALS` tells `grammar.parse` to read it as `list`.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.network_commands import (
    Kind,
    OfferAdd,
    OfferEdit,
    OfferList,
    OfferRemove,
    PairsOff,
    PairsOn,
    PairsShow,
    PromptsAdd,
    PromptsList,
    PromptsOff,
    PromptsOn,
    PromptsRemove,
    WantAdd,
    WantEdit,
    WantList,
    WantRemove,
)
from bot.commands.registry import BY_VERB
from bot.commands.values import Command, UsageError
from bot.commands.words import Parser, shown, small_int, split1
from bot.dates.announcement import clock
from bot.dates.when import WhenError

PLURALS = {"offers": "offer", "wants": "want"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKLY = "monday 10:00"
_EXAMPLES = {
    "offer": "I can help with grant applications #funding",
    "want": "I'd like to learn to run a focus group #research",
}
_ADD: dict[str, type[OfferAdd | WantAdd]] = {"offer": OfferAdd, "want": WantAdd}
_EDIT: dict[str, type[OfferEdit | WantEdit]] = {"offer": OfferEdit, "want": WantEdit}
_REMOVE: dict[str, type[OfferRemove | WantRemove]] = {"offer": OfferRemove, "want": WantRemove}
_LIST: dict[str, type[OfferList | WantList]] = {"offer": OfferList, "want": WantList}


def _error(verb: str, message: str) -> UsageError:
    return UsageError(message=message, usage=BY_VERB[verb].usage)


def _items(kind: Kind) -> Parser:
    def parse_item(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
        first, after = split1(rest)
        lowered = first.lower()
        if not rest:
            return _error(kind, f"Say what, e.g. `/als {kind} {_EXAMPLES[kind]}`.")
        if lowered in ("list", "search"):
            return _LIST[kind](terms=" ".join(after.split()))
        if lowered in ("edit", "change") and small_int(split1(after)[0]):
            number, words = split1(after)
            if not words:
                return _error(kind, f"Say the new words, e.g. `/als {kind} edit {shown(number)} "
                              f"{_EXAMPLES[kind]}`.")  # fmt: skip
            return _EDIT[kind](item=small_int(number) or 0, text=words)
        if lowered in ("remove", "delete", "drop") and small_int(after) and " " not in after:
            return _REMOVE[kind](item=small_int(after) or 0)
        if lowered in ("edit", "change", "remove", "delete", "drop") and " " not in after.strip():
            return _error(kind, f"Give its number as `/als {kind}s` shows it, e.g. "
                          f"`/als {kind} {'edit 3 …' if lowered in ('edit', 'change') else 'remove 3'}`.")  # fmt: skip
        if lowered == "add":
            rest = after
            if not rest:
                return _error(kind, f"Say what, e.g. `/als {kind} {_EXAMPLES[kind]}`.")
        return _ADD[kind](text=rest)

    return parse_item


def read_weekly(words: str) -> str:
    """`tuesday 9:30`, `tue 9am`, `9am thursday`, `friday` → `tuesday 09:30` (a weekday and
    a 24-hour time; the default's time or weekday fills what is not said). Raises
    `ValueError` with a sentence for anything else."""
    day, at = DEFAULT_WEEKLY.split()
    said_day = False
    for word in re.split(r"[\s,]+", words.strip().lower()):
        if not word or word in ("at", "on", "every", "each"):
            continue
        name = word.rstrip("s") if word.endswith("days") else word
        found = [d for d in WEEKDAYS if len(name) >= 3 and d.startswith(name)]
        if found and not said_day:
            day, said_day = found[0], True
            continue
        try:
            at = f"{clock(word):%H:%M}"
        except WhenError:
            raise ValueError(f"I couldn't read “{shown(word)}”: say a weekday and a time, e.g. "
                             "`tuesday 9:30`") from None  # fmt: skip
    return f"{day} {at}"


def _prompts(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    sub, arg = split1(rest)
    sub = sub.lower()
    if sub in ("", "list", "show"):
        if arg:
            return _error("prompts", "`/als prompts list` takes nothing after it.")
        return PromptsList()
    if sub == "on":
        try:
            return PromptsOn(when=read_weekly(arg) if arg else "")
        except ValueError as exc:
            return _error("prompts", f"{exc}.")
    if sub == "off" and not arg:
        return PromptsOff()
    if sub == "add":
        if not arg:
            return _error("prompts", "Say the prompt, e.g. `/als prompts add What surprised you "
                          "this week?`")  # fmt: skip
        return PromptsAdd(text=arg)
    if sub in ("remove", "delete", "drop"):
        number = small_int(arg)
        if not number:
            return _error("prompts", "Say which prompt by its number in `/als prompts list`.")
        return PromptsRemove(number=number)
    return _error("prompts", "Say `on`, `off`, `add`, `list` or `remove`.")


def _pairs(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
    sub = rest.strip().lower()
    if sub in ("", "show", "list"):
        return PairsShow()
    if sub == "on":
        return PairsOn()
    if sub == "off":
        return PairsOff()
    return _error("pairs", "Say `/als pairs on`, `/als pairs off`, or `/als pairs` to see yours.")


PARSERS: dict[str, Parser] = {
    "offer": _items("offer"),
    "want": _items("want"),
    "prompts": _prompts,
    "pairs": _pairs,
}

"""The words of the `/als` grammar: cleaning, splitting and reading them, for every verb.

`grammar` reads each verb with these; `by_options` reads a command from its declared options
alone, so a new command whose words are just its options needs no parser of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.spec import CommandSpec, OptionKind
from bot.commands.values import Command, UsageError
from bot.ports import USER_ID

Parser = Callable[[str, datetime, ZoneInfo], Command | UsageError]
MAX_NUMBER_DIGITS = 9  # ints beyond this are mistakes, and huge digit runs are slow to convert

_NAME = r"(?<![\w@])@(?P<name>\w[\w.\-]*)"
_MENTION = re.compile(r"<@(?P<id>[^>\s]+)>|" + _NAME)
_NAME_MENTION = re.compile(_NAME)
_SEPARATORS = re.compile(r"[,&]|(?<!\S)and(?!\S)", re.IGNORECASE)


def clean(word: str) -> str:
    """Drop invisible format characters (zero-width spaces, joiners, BOMs) that copy-paste
    leaves around a command word, so `help` with a zero-width space stuck to it still works."""
    return "".join(ch for ch in word if unicodedata.category(ch) != "Cf")


def shown(word: str) -> str:
    """A user's word made safe to echo inside backticks, and short."""
    safe = "".join(ch for ch in clean(word) if ch.isprintable()).replace("`", "'")
    return safe if len(safe) <= 30 else safe[:29] + "…"


def split1(text: str) -> tuple[str, str]:
    """The first word and the rest, split on any whitespace (NBSP and tabs included)."""
    parts = text.split(maxsplit=1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else ((parts or [""])[0], "")


def small_int(word: str) -> int | None:
    word = word.lstrip("#")
    if word.isascii() and word.isdigit() and len(word) <= MAX_NUMBER_DIGITS:
        return int(word)
    return None


@dataclass(frozen=True, slots=True)
class Mentions:
    """What `mentions` read: linked people's ids, in order; the names typed without a link
    (`@bob` the platform did not resolve, or a `<@…>` whose id no platform has); and the rest
    of the words."""

    ids: list[str]
    unlinked: list[str]
    leftover: str

    def refusal(self) -> str | None:
        """Why the command cannot name these people, in words to show; None if it can."""
        if not self.unlinked:
            return None
        return UNLINKED.format(name=shown(self.unlinked[0]))


UNLINKED = (
    "I couldn't find {name} — pick them from the @-menu as you type, so the name is linked to them."
)


def mentions(text: str) -> Mentions:
    """People named in `text`, and whatever else was typed (separators removed).

    Only `<@ID>` names a person: the adapter writes it for a mention the platform resolved
    to a user. A bare `@bob` is a name the platform could not link to anyone (Slack sends it
    as typed), and an id shaped like no user id (`<@<!channel>`) is chat markup smuggled in:
    both are `unlinked`, for the command to refuse — never stored as a phantom person.

    `<@ID>` is only looked for up to a word's last `>`: searching past it, every `<@` would
    scan to the end of the word and fail, which is quadratic in a pasted wall of `<@<@<@`.
    """
    ids: list[str] = []
    unlinked: list[str] = []
    leftover: list[str] = []
    for word in text.split():
        cut = word.rfind(">") + 1
        for part, pattern in ((word[:cut], _MENTION), (word[cut:], _NAME_MENTION)):
            for match in pattern.finditer(part):
                if match["name"]:
                    unlinked.append("@" + match["name"].rstrip(".-"))
                elif USER_ID.fullmatch(match["id"]):
                    ids.append(match["id"])
                else:
                    unlinked.append(match[0])
            leftover.append(pattern.sub(" ", part))
    return Mentions(ids, unlinked, _SEPARATORS.sub(" ", " ".join(leftover)).strip())


def _fail(spec: CommandSpec, message: str) -> UsageError:
    return UsageError(message=message, usage=spec.usage)


def by_options(cls: Callable[..., Command], spec: CommandSpec) -> Parser:
    """Options in their declared order, one word each; a text option takes the rest, so it
    comes last. What cannot be read is a usage error naming the option."""

    def parse_options(rest: str, now: datetime, tz: ZoneInfo) -> Command | UsageError:
        values: dict[str, Any] = {}
        for option in spec.options:
            if not rest:
                if option.required:
                    return _fail(spec, f"Say the {option.name}.")
                continue
            word, after = split1(rest)
            value: object
            if option.kind is OptionKind.TEXT:
                value, after = rest, ""
            elif option.kind is OptionKind.PERSON:
                named = mentions(word)
                if named.refusal():
                    return _fail(spec, named.refusal() or "")
                if len(named.ids) != 1 or named.leftover:
                    return _fail(spec, f"Name the {option.name} with an @mention.")
                value = named.ids[0]
            elif option.kind is OptionKind.INTEGER:
                number = small_int(word)
                low, high = option.minimum, option.maximum
                if (
                    number is None
                    or (low is not None and number < low)
                    or (high is not None and number > high)
                ):
                    span = f" from {low} to {high}" if low is not None and high is not None else ""
                    return _fail(spec, f"The {option.name} is a whole number{span}.")
                value = number
            elif option.kind is OptionKind.FLAG:
                if word.lower() != option.words:
                    return _fail(spec, f"Only `{option.words}` can follow.")
                value = True
            else:
                if word.lower() not in option.choices:
                    return _fail(spec, "Say " + " or ".join(option.choices) + ".")
                value = word.lower()
            values[option.attribute] = value
            rest = after
        if rest:
            return _fail(spec, f"`{shown(rest)}` is more than `{spec.verb}` takes.")
        return cls(**values)

    return parse_options

"""What people wrote in Teams, as the core reads text: plain words, and `<@ID>` only where
the caller says a mention is a person.

Teams sends a message's text with its mentions as `<at>Name</at>` (`text`), or as HTML
(`<div><at id="0">Name</at> …</div>`: a `text/html` attachment, a saved message's body).
Teams escapes what people type (`&lt;`), so its tags are its own markup; whatever the
entities decode to is typed text, which must never read as a mention: a typed `<@U123>`
loses its `<`, and the grammar refuses `@U123` as a name nobody linked. Each `<at>` tag is
replaced by what the caller decides (`<@id>` for a resolved person, `@Name` as shown, or
nothing for the bot's own), through a marker no typed text can hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_TEXT = 40_000
# A mention tag, its attributes (`<at id="0">`) and its name (which may hold markup).
AT = re.compile(r"<at(?P<attrs>\s[^<>]*)?>(?P<name>.*?)</at>", re.IGNORECASE | re.DOTALL)
AT_ID = re.compile(r"""\bid\s*=\s*["']?(?P<id>[^"'\s>]+)""", re.IGNORECASE)
BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|blockquote|pre)\s*>", re.IGNORECASE)
TAG = re.compile(r"<[a-zA-Z/!][^<>]*>")
OPEN, CLOSE = "\ue000", "\ue001"  # private use: what stands in for a mention meanwhile
MARKER = re.compile(OPEN + r"(\d+)" + CLOSE)
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class At:
    """One `<at>` tag: its place among the tags, its `id` attribute (a saved message's
    body names its mention by it) and the name shown."""

    index: int
    tag_id: str | None
    name: str


def plain(raw: str, mention: Callable[[At], str]) -> str:
    """Teams' text or HTML as plain text, each `<at>` tag replaced by `mention(tag)`.

    Teams escapes what people type (`&lt;`), so its tags are its own markup: dropped, with
    a block's end as a line break. Whatever the entities decode to is typed text, which
    never reads as a mention (`unmarked`)."""
    raw = raw.replace(OPEN, "").replace(CLOSE, "")
    tags: list[At] = []

    def hold(match: re.Match[str]) -> str:
        attrs = AT_ID.search(match["attrs"] or "")
        name = unmarked(html.unescape(TAG.sub("", match["name"])))
        tags.append(At(len(tags), attrs["id"] if attrs else None, " ".join(name.split())))
        return f"{OPEN}{len(tags) - 1}{CLOSE}"

    held = TAG.sub("", BREAK.sub("\n", AT.sub(hold, raw)))
    said: dict[int, str] = {}  # each tag's replacement, asked for once, in text order

    def typed_now(match: re.Match[str]) -> str:
        # A mention shown as typed (`@Name`) is typed text: put in before `unmarked`, so a
        # `<` typed just before it cannot make `<@…` of it; the caller's own (a resolved
        # `<@id>`, the bot's marker) go in after.
        n = int(match[1])
        out = said[n] = mention(tags[n])
        return out if out == "" or out.startswith("@") else match[0]

    typed = unmarked(MARKER.sub(typed_now, unmarked(html.unescape(held))))
    text = MARKER.sub(lambda m: said[int(m[1])], typed)
    lines = [SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()[:MAX_TEXT]


def unmarked(typed: str) -> str:
    """Typed text that cannot read as a mention: `<@U1>` → `@U1>`, a name the grammar
    refuses as unlinked."""
    while "<@" in typed:
        typed = typed.replace("<@", "@")
    return typed


def as_typed(tag: At) -> str:
    return "@" + tag.name if tag.name else ""

"""Core replies → Teams activities carrying one Adaptive Card. Pure: no client, no network.

User text never becomes markup. Teams' card text comes in two kinds, and each line of a
reply is put in the one that keeps it literal:

- a line with no `Mention` is a `RichTextBlock` of `TextRun`s, which the Adaptive Card
  spec renders without Markdown on every client (`Strong` is a run with `weight: Bolder`),
  so `**x**`, `[x](http://evil)`, `<script>` or `@channel` show exactly as typed;
- a line with a `Mention` must be a `TextBlock` (Teams resolves `<at>…</at>` only in
  `TextBlock` and `FactSet`), whose text is Markdown: every character Teams' Markdown
  subset acts on (backslash, `*`, `_`, `[`, `]`, `<`, `~`, backtick; a list, quote or
  heading marker at the line's start) is backslash-escaped there. Teams' mobile clients
  have been seen to show such a backslash rather than hide it — a cosmetic flaw, never a
  link or a ping.

A ping needs an entity in the card's `msteams.entities` whose `text` matches the
`<at>…</at>` in the card: only a `Mention` makes one. An `<at>Bob</at>` someone typed is
escaped (`\\<at>`) in a `TextBlock` and, there as in a `TextRun`, broken by an
invisible word joiner after its `<`, so it never matches an entity, even when the card
does mention Bob.

A mention names a person by their app-scoped `29:…` id when the conversations store knows
it, else by their Entra object id, which Teams accepts for bots' cards; the outlet looks
the names up (`Person`) and hands them in, which keeps this module pure.

Teams refuses an activity over 28 KB (`MessageSizeTooBig`): `fit` measures the activity's
JSON bytes — the very bytes the outlet sends — and cuts a text too long with a clear
ending rather than split a `Post` in two: a handle names one message (an `Edit` replaces
one), and a second half posted on its own could be lost or repeated by a retry while the
first stayed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.forms import ask_of, form_id
from bot.commands.spec import CommandSpec
from bot.refs import ChannelRef, UserRef
from bot.replies import Button, File, Mention, Part, Plain, Strong, Text, text

CARD = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # the newest schema Teams renders for bots (desktop, web and mobile)
# Teams refuses an activity over 28 KB; keep room for what the outlet adds (`id`).
MAX_ACTIVITY_BYTES = 28_000
BUDGET_BYTES = MAX_ACTIVITY_BYTES - 500
LABEL_LIMIT = 80
INPUT_MAX_LENGTH = 4000
SHORTENED = "\n… (cut short: too long for one Teams message)"
STYLES = {"primary": "positive", "danger": "destructive"}
# Teams shows 6 of a card's actions and hides the rest in a ⋯ menu; more go in rows.
ACTIONS_SHOWN = 6

# In a `TextRun`: an `<at>`/`</at>` someone typed, made unable to match a mention entity.
_AT_TAG = re.compile(r"<(?=/?at\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"
# In a `TextBlock`: what Teams' Markdown subset acts on, anywhere in a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]<~])")
# ... and at a line's start: a heading, a quote, a list item (`- `, `+ `, `1. `).
_LINE_START = re.compile(r"^(\s*(?:\d+)?)([#>+.)-])")
_NAME_JUNK = re.compile(r"[<>\[\]*_~`\\\r\n]+")


@dataclass(frozen=True, slots=True)
class Person:
    """How Teams names someone in a mention: their id (`29:…` or Entra object id)."""

    id: str
    name: str


Names = Mapping[UserRef, Person]


def activity_bytes(activity: Mapping[str, Any]) -> bytes:
    """The activity as sent: the outlet posts these bytes, so `fit` measures them."""
    return json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ----------------------------------------------------------------------------- text


def literal(raw: str) -> str:
    """Text for a `TextRun`: shown as typed; only an `<at>` tag is broken (see above)."""
    return _AT_TAG.sub("<" + WORD_JOINER, raw)


def escape_markdown(raw: str) -> str:
    """Text for a `TextBlock`: every Markdown character Teams acts on, escaped."""
    out = _MARKDOWN.sub(r"\\\1", raw)
    out = _LINE_START.sub(lambda m: m[1] + "\\" + m[2], out)
    return literal(out)


def _mention_name(person: Person) -> str:
    return " ".join(_NAME_JUNK.sub(" ", person.name).split()) or "member"


def _lines(body: Text) -> list[list[Part]]:
    """The parts of each line: a part spanning a newline is split at it."""
    lines: list[list[Part]] = [[]]
    for part in body.parts:
        if isinstance(part, Mention):
            lines[-1].append(part)
            continue
        pieces = part.text.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                lines.append([])
            if piece:
                lines[-1].append(Strong(piece) if isinstance(part, Strong) else Plain(piece))
    return lines


class _Mentions:
    """The mention entities of one card: one per person, each with its own `<at>` text
    (two people who share a name are told apart, so each entity matches one person)."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.entities: list[dict[str, Any]] = []
        self._tags: dict[UserRef, str] = {}

    def tag(self, user: UserRef) -> str:
        known = self._tags.get(user)
        if known is not None:
            return known
        person = self.names.get(user) or Person(user.id, "member")
        name, n = _mention_name(person), 1
        taken = set(self._tags.values())
        tag = f"<at>{name}</at>"
        while tag in taken:
            n += 1
            tag = f"<at>{name} ({n})</at>"
        self._tags[user] = tag
        self.entities.append(
            {"type": "mention", "text": tag, "mentioned": {"id": person.id, "name": person.name}}
        )
        return tag


def _text_block(line: list[Part], mentions: _Mentions) -> dict[str, Any]:
    out: list[str] = []
    for part in line:
        if isinstance(part, Mention):
            out.append(mentions.tag(part.user))
        elif isinstance(part, Strong) and part.text.strip():
            inner = part.text.strip()
            lead = part.text[: len(part.text) - len(part.text.lstrip())]
            trail = part.text[len(part.text.rstrip()) :]
            out.append(f"{lead}**{escape_markdown(inner)}**{trail}")
        else:
            out.append(escape_markdown(part.text))
    return {"type": "TextBlock", "text": "".join(out), "wrap": True}


def _code_spans(raw: str) -> list[tuple[str, bool]]:
    """`raw` cut at paired backticks: (piece, is code). The core writes commands as
    `/als help` for the platforms that show code; here the backticks go and the command
    is set in a fixed-width font — a font, never markup, so nothing typed can use it."""
    pieces = raw.split("`")
    if len(pieces) < 3:
        return [(raw, False)]
    if len(pieces) % 2 == 0:  # an odd backtick out: keep it, literally, in the last piece
        pieces[-2:] = ["`".join(pieces[-2:])]
    return [(piece, n % 2 == 1) for n, piece in enumerate(pieces) if piece]


def _rich_block(line: list[Part], monospace: bool = False) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for part in line:
        assert not isinstance(part, Mention)
        spans = [(part.text, True)] if monospace else _code_spans(part.text)
        for piece, code in spans:
            run: dict[str, Any] = {"type": "TextRun", "text": literal(piece)}
            if isinstance(part, Strong):
                run["weight"] = "Bolder"
            if code:
                run["fontType"] = "Monospace"
            runs.append(run)
    return {"type": "RichTextBlock", "inlines": runs}


def body_elements(
    body: Text, mentions: _Mentions, *, monospace: bool = False
) -> list[dict[str, Any]]:
    """One element a line; an empty line is a gap before the next element."""
    elements: list[dict[str, Any]] = []
    gap = False
    for line in _lines(body):
        if not line:
            gap = bool(elements)
            continue
        if any(isinstance(part, Mention) for part in line):
            element = _text_block(line, mentions)
        else:
            element = _rich_block(line, monospace)
        if gap:
            element["spacing"] = "Medium"
            gap = False
        elements.append(element)
    return elements


# -------------------------------------------------------------------------- buttons


def _cut(raw: str, limit: int) -> str:
    raw = " ".join(raw.split()) or "…"
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


def action(button: Button) -> dict[str, Any]:
    """The contract with the listener: `data` = `{"als_action": id, "als_value": value}`."""
    out: dict[str, Any] = {
        "type": "Action.Submit",
        "title": _cut(button.label, LABEL_LIMIT),
        "data": {"als_action": button.action_id, "als_value": button.value},
    }
    if button.style in STYLES:
        out["style"] = STYLES[button.style]
    return out


# ------------------------------------------------------------------------ activities


def _activity(
    elements: list[dict[str, Any]],
    actions: list[dict[str, Any]],
    entities: list[dict[str, Any]],
) -> dict[str, Any]:
    msteams: dict[str, Any] = {"width": "Full"}
    if entities:
        msteams["entities"] = entities
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": elements
        or [{"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": "…"}]}],
        "msteams": msteams,
    }
    if len(actions) > ACTIONS_SHOWN:  # rows of ACTIONS_SHOWN, every one of them in sight
        card["body"] += [
            {"type": "ActionSet", "actions": actions[n : n + ACTIONS_SHOWN]}
            for n in range(0, len(actions), ACTIONS_SHOWN)
        ]
    elif actions:
        card["actions"] = actions
    return {"type": "message", "attachments": [{"contentType": CARD, "content": card}]}


def _card(body: Text, buttons: tuple[Button, ...], names: Names, monospace: bool) -> dict[str, Any]:
    mentions = _Mentions(names)
    elements = body_elements(body, mentions, monospace=monospace)
    return _activity(elements, [action(b) for b in buttons], mentions.entities)


def message(
    body: Text,
    buttons: tuple[Button, ...] = (),
    names: Names | None = None,
    *,
    monospace: bool = False,
    ending: str = SHORTENED,
) -> dict[str, Any]:
    """A `Post`, `Direct`, `Ephemeral` or `Edit`'s activity, under Teams' 28 KB."""
    return fit(lambda t: _card(t, buttons, names or {}, monospace), body, ending)


def fit(
    build: Callable[[Text], dict[str, Any]], body: Text, ending: str = SHORTENED
) -> dict[str, Any]:
    """`build(body)`, or, when that is over the budget, `build` of the longest start of the
    body (found by halving, from a first guess in proportion) that fits with `ending`."""
    activity = build(body)
    size = len(activity_bytes(activity))
    if size <= BUDGET_BYTES:
        return activity
    best = build(text(ending.strip()))
    low, high = 0, _length(body)  # `low` characters fit (or nothing does); `high` do not
    guess = int(high * BUDGET_BYTES / size * 0.95)
    for _ in range(14):
        if high - low <= max(64, high // 50):
            break
        guess = guess if low < guess < high else (low + high) // 2
        attempt = build(shorten(body, guess) + text(ending))
        if len(activity_bytes(attempt)) <= BUDGET_BYTES:
            low, best = guess, attempt
        else:
            high = guess
        guess = (low + high) // 2
    return best


def _length(body: Text) -> int:
    return sum(40 if isinstance(p, Mention) else len(p.text) for p in body.parts)


def shorten(body: Text, chars: int) -> Text:
    """The first `chars` characters of `body` (a mention counts as 40), cut at a space
    near the end when there is one."""
    kept: list[Part] = []
    left = chars
    for part in body.parts:
        if left <= 0:
            break
        if isinstance(part, Mention):
            kept.append(part)
            left -= 40
            continue
        if len(part.text) <= left:
            kept.append(part)
            left -= len(part.text)
            continue
        piece = part.text[:left]
        space = piece.rfind(" ")
        if space > left * 0.8:
            piece = piece[:space]
        kept.append(Strong(piece) if isinstance(part, Strong) else Plain(piece))
        break
    return Text(tuple(kept))


def plain(body: Text, names: Names | None = None) -> str:
    """The text as a person reads it (a mention as `@Name`), kept for reactions."""
    known = names or {}

    def name_of(user: UserRef) -> str:
        person = known.get(user)
        return _mention_name(person) if person is not None else "member"

    return body.plain(name_of)


# ----------------------------------------------------------------------------- forms


def form(
    spec: CommandSpec, channel: ChannelRef | None = None, lead: Text | None = None
) -> dict[str, Any]:
    """The form of a command (`Ask`) as a card: its fields as `Input.Text`s, one Submit
    whose data is `{"als_form": <forms id>}` (Teams adds each input's value under its
    field name). `als_channel` names where the command was typed, as Slack's form keeps
    it in the view's `private_metadata`: the card itself lives in the 1:1 chat."""
    ask = ask_of(spec)
    mentions = _Mentions({})
    elements = body_elements(text(Strong(ask.title)), mentions)
    if lead is not None:
        elements += body_elements(lead, mentions)
    for field in ask.fields:
        box: dict[str, Any] = {
            "type": "Input.Text",
            "id": field.name,
            "label": _cut(field.label, LABEL_LIMIT),
            "isMultiline": field.long,
            "isRequired": field.required,
            "maxLength": max(1, min(field.max_length, INPUT_MAX_LENGTH)),
        }
        if field.placeholder:
            box["placeholder"] = _cut(field.placeholder, 150)
        if field.required:
            box["errorMessage"] = f"{_cut(field.label, LABEL_LIMIT)}: please fill this in."
        elements.append(box)
    data: dict[str, Any] = {"als_form": form_id(spec)}
    if channel is not None:
        data["als_channel"] = channel.key
    submit = {
        "type": "Action.Submit",
        "title": _cut(ask.submit, LABEL_LIMIT),
        "style": "positive",
        "data": data,
    }
    return _activity(elements, [submit], [])


# ----------------------------------------------------------------------------- files

TEXT_FILES = (".txt", ".csv", ".md", ".json", ".tsv", ".ics")  # not .html: its page is the link
NO_FILES = (
    "Teams does not let a bot attach a file here. The set's pages have it: "
    "type /als link for them (an admin can also run alsbot export)."
)
REST_ELSEWHERE = (
    "\n… (the rest did not fit in one Teams message: type /als link for the set's pages, "
    "where all of it is)"
)


def file(reply: File) -> dict[str, Any]:
    """A `File` as a card. A Teams bot cannot put a file in a channel (that takes Graph
    and SharePoint) and in a 1:1 chat only after the person accepts a consent card, so:
    a text file is shown as text (monospace, cut with a pointer to `/als link` when it is
    longer than a message holds); any other (a chart) is named, with its description,
    and the person is sent to the set's pages, which show it."""
    title = reply.title or reply.filename
    head = text(Strong(title), f" ({reply.filename})\n")
    try:
        content = (
            reply.content.decode("utf-8") if reply.filename.lower().endswith(TEXT_FILES) else None
        )
    except UnicodeDecodeError:
        content = None
    if content is None:
        about = text(f"{reply.alt}\n") if reply.alt else Text()
        return message(head + about + text(NO_FILES))
    names: Names = {}
    head_card = head + text("Teams does not let a bot attach files, so here it is as text:\n\n")
    mentions = _Mentions(names)

    def build(body: Text) -> dict[str, Any]:
        elements = body_elements(head_card, mentions) + body_elements(
            body, mentions, monospace=True
        )
        return _activity(elements, [], [])

    return fit(build, text(content), REST_ELSEWHERE)

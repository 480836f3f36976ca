"""No text a person wrote can ping anyone on Teams, nor push an activity over 28 KB.

Hypothesis writes what people type — Teams' own mention markup (`<at>`, `<at id="0">`,
its escaped `&lt;at&gt;`, the name of someone the card does mention), both other
platforms' mention forms, the private-use characters `text.py` stands mentions in for,
odd, invisible and right-to-left characters, long runs — and checks the rendered activity
as Teams reads it: a ping needs a mention entity in `msteams.entities` whose `text` matches
an `<at>…</at>` in the card, so

- there is one entity per person a `Mention` part names, and no other;
- each entity's `<at>` text appears exactly as often as that person's `Mention` parts, and
  no other `<at` (or `</at`) is left unbroken anywhere in the card's text;
- the activity's JSON stays within Teams' limit.

The same holds for what `translate` makes of such text in an activity (the core echoes it
in a `Plain` part), whose own text never holds a `<@…>` but for a person the listener
resolved.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams import render
from adapters.teams.fields import bot_ids
from adapters.teams.text import CLOSE, OPEN
from adapters.teams.translate import Resolved, translate
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import Button, Mention, Part, Plain, Strong, Text
from testkit.teams import payloads as p
from tests.reliability.odd_text import odd_or_long, odd_text

TENANT = "8a6d2a1c-5b7e-4e1f-9c3a-1f2e3d4c5b6a"
WS = WorkspaceRef(Platform.TEAMS, TENANT)
PEOPLE = [
    UserRef(WS, "0f5e4d3c-2b1a-4a9b-8c7d-6e5f4a3b2c1d"),
    UserRef(WS, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
    UserRef(WS, "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"),
]
TEAMS_MARKUP = [
    "<at>", "</at>", "<AT>", "</At>", '<at id="0">', "<at>Bob Builder</at>", "<at>alsbot</at>",
    "<at>Bob Builder (2)</at>", "&lt;at&gt;Bob&lt;/at&gt;", "<<at>>", "<at\n>", "<at/>",
    OPEN, CLOSE, f"{OPEN}0{CLOSE}", "<@", "<@0f5e4d3c-2b1a-4a9b-8c7d-6e5f4a3b2c1d>",
    "@everyone", "<!channel>", "\\<at>", "**", "[x](https://evil.example)", "\u2060",
]  # fmt: skip
typed = st.lists(
    st.sampled_from(TEAMS_MARKUP) | odd_text | st.text(max_size=6), min_size=1, max_size=12
).map("".join)
names = st.sampled_from(["Bob Builder", "Ana", "<at>Eve</at>", "Bob Builder", "", "x]*_<"])
names |= st.text(max_size=20)

AT_LEFT = re.compile(r"</?at\b", re.IGNORECASE)


@st.composite
def bodies(draw: st.DrawFn, text_part: st.SearchStrategy[str] = typed) -> Text:
    parts: list[Part] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["plain", "plain", "strong", "mention"]))
        if kind == "mention":
            parts.append(Mention(draw(st.sampled_from(PEOPLE))))
        else:
            raw = draw(text_part)
            parts.append(Strong(raw) if kind == "strong" else Plain(raw))
    return Text(tuple(parts))


def texts(node: Any) -> list[str]:
    """Every text of a card's elements (Teams resolves `<at>` in TextBlocks and FactSets
    only; a button's title never pings)."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                out.append(value)
            elif key != "msteams":
                out.extend(texts(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(texts(value))
    return out


def check(activity: dict[str, Any], body: Text, *, whole: bool) -> None:
    card = activity["attachments"][0]["content"]
    entities = card["msteams"].get("entities", [])
    mentioned = [part.user for part in body.parts if isinstance(part, Mention)]
    if whole:
        assert len(entities) == len(set(mentioned)), "one entity per person mentioned, no other"
    else:  # a text cut short to fit may lose the mentions after the cut
        assert len(entities) <= len(set(mentioned)), "no entity but for a person mentioned"
    assert {e["mentioned"]["id"] for e in entities} <= {_id(u) for u in mentioned}
    tags = [e["text"] for e in entities]
    assert len(set(tags)) == len(tags), "each entity is told apart by its text"
    shown = "\n".join(texts(card))
    left = shown
    for entity in entities:
        tag = entity["text"]
        assert re.fullmatch(r"<at>[^<>]*</at>", tag), tag
        count = shown.count(tag)
        assert count >= 1 or not whole
        if whole:
            person = next(u for u in set(mentioned) if _id(u) == entity["mentioned"]["id"])
            assert count == mentioned.count(person), (tag, count)
        left = left.replace(tag, "")
    assert not AT_LEFT.search(left), f"an <at> from user text: {left[:300]!r}"
    assert len(render.activity_bytes(activity)) <= render.MAX_ACTIVITY_BYTES


NAMES: dict[UserRef, render.Person] = {}


def _id(user: UserRef) -> str:
    return NAMES[user].id if user in NAMES else user.id


@settings(max_examples=200, deadline=None)
@given(body=bodies(), shown=st.lists(names, min_size=3, max_size=3),
       buttons=st.lists(typed, max_size=3))  # fmt: skip
def test_user_text_in_a_reply_pings_nobody_but_its_mentions(
    body: Text, shown: list[str], buttons: list[str]
) -> None:
    NAMES.clear()
    NAMES.update(
        {u: render.Person(f"29:1{n}abc", name) for n, (u, name) in enumerate(zip(PEOPLE, shown, strict=True))}
    )  # fmt: skip
    labelled = tuple(Button(label=b or "x", action_id="a", value=b) for b in buttons)
    activity = render.message(body, labelled, NAMES)
    check(activity, body, whole=True)


@settings(max_examples=30, deadline=None)
@given(body=bodies(odd_or_long))
def test_a_reply_of_any_length_stays_within_teams_limit(body: Text) -> None:
    NAMES.clear()
    activity = render.message(body)
    check(activity, body, whole=False)


CHANNEL = p.channel(TENANT)
ANA, BOB, BOT = p.person("Ana Alves"), p.person("Bob Builder"), p.bot()


@settings(max_examples=200, deadline=None)
@given(raw=typed, extra=st.lists(typed, max_size=2), resolve=st.booleans(),
       to_bot=st.booleans())  # fmt: skip
def test_what_translate_reads_from_any_text_pings_nobody_when_echoed(
    raw: str, extra: list[str], resolve: bool, to_bot: bool
) -> None:
    """Teams' own entities for the bot and Bob, and entities whose text came from the
    person (a broken client): only Bob, when resolved, becomes `<@…>`."""
    said = ("<at>alsbot</at> " if to_bot else "") + raw + " <at>Bob Builder</at>"
    entities = [p.mention(BOT), p.mention(BOB)] + [
        {"type": "mention", "text": e, "mentioned": {"id": "29:1other", "name": e}} for e in extra
    ]
    activity = p.message(CHANNEL, ANA, said, to=BOT, entities=entities)
    people = {BOB.teams_id: BOB.aad or ""} if resolve else {}
    for event in translate(activity, Resolved(bot_ids(activity), people)):
        value = getattr(event, "text", "") or ""
        allowed = {f"<@{BOB.aad}>"} if resolve else set()
        assert set(re.findall(r"<@[^>]*>?", value)) <= allowed, value[:300]
        assert OPEN not in value and CLOSE not in value
        body = Text((Plain(value),))
        check(render.message(body), body, whole=True)

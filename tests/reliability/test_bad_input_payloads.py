"""Malformed payloads through both adapters' translation (issue 8, item 4).

The bases are the payloads Slack and Discord really send (built as `slack_signing` and the
Discord stand-in build them) and every blanked shape of the Slack corpus in
`/work/shared/fixtures/slack-payload-shapes/`. Hypothesis then drops fields, swaps their
types, and fills them with odd or 40,000-character text, one to four changes at a time.
Each translator must answer with an event or a named reason to ignore — never raise — and
an event it makes must be one the core can store and read back: ids that are ids, a key
that fits the inbox, text within Slack's limit. `tests/adapters/*/test_translate.py` hold
the hand-picked cases; `test_payload_corpus.py` sends the corpus once, unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord import translate as dt
from adapters.slack import render as slack_render
from adapters.slack import translate as st_
from bot.commands.grammar import parse
from bot.events import Event, event_from_json, event_to_json
from bot.replies import Plain, Text
from testkit.slack import signing as sign
from testkit.slack.world import CORPUS, CORPUS_BACKEND, CORPUS_EVENTS, IDENTITY
from tests.reliability.odd_text import odd_or_long, odd_text

KEY_LIMIT = 300  # inbox.key is String(300): PostgreSQL refuses longer
NOW, TZ = datetime(2026, 1, 5, 9, 0, tzinfo=UTC), ZoneInfo("Europe/London")


def slack_bases() -> list[tuple[str, dict[str, Any]]]:
    thread = sign.message_event(user="UBOB", channel="C0SET", text="hi <@UALICE> &amp; <!here>",
                                ts="1767225601.000200", thread_ts="1767225601.000100")  # fmt: skip
    bases: list[tuple[str, dict[str, Any]]] = [
        ("event", sign.event_envelope(thread)),
        ("event", sign.event_envelope(sign.message_event(
            user="UBOB", channel="DBOB", text="update", ts="1767225601.000300",
            channel_type="im"))),
        ("event", sign.event_envelope(sign.reaction_event(
            "reaction_added", user="UBOB", reaction="white_check_mark", channel="C0SET",
            ts="1767225601.000200", item_user="UALICE"))),
        ("event", sign.event_envelope(sign.reaction_event(
            "reaction_removed", user="UBOB", reaction="+1::skin-tone-2", channel="C0SET",
            ts="1767225601.000200"))),
        ("event", sign.event_envelope({"type": "app_home_opened", "user": "UBOB", "tab": "home",
                                       "channel": "DBOB", "event_ts": "1767225601.000001"})),
        ("command", sign.slash_command_fields(text="action call <@U1|sam> by friday",
                                              user_id="UBOB", channel_id="C0SET")),
        ("action", sign.block_actions_payload(user_id="UALICE", channel_id="C0SET",
                                              action_id="round:next#0", value="1",
                                              message_ts="1767225601.000100")),
    ]  # fmt: skip
    for path in CORPUS_EVENTS:
        bases.append(("event", {**json.loads(path.read_text()), "type": "event_callback"}))
    for path in CORPUS_BACKEND:
        kind = "command" if path.name == "SlashCommandPayload.json" else "action"
        bases.append((kind, json.loads(path.read_text())))
    return bases


BASES = slack_bases()
HAND_BUILT = 7  # the first bases: real-shaped, each one a sound event before mutation


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a JSON value (dict keys and list indexes)."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((*prefix, i))
            out.extend(paths(v, (*prefix, i)))
    return out


REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.just(""),
    st.just([]), st.just({}), st.just("U0"), st.just("0.0"), st.just("1767225601.000100"),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
    max_size=3), odd_text, odd_or_long,
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    # The hand-built bases half the time: mutating them is what reaches the checks on a
    # sound event; the corpus's blanked shapes mostly exercise the refusals.
    kind, base = draw(st.sampled_from(BASES[:HAND_BUILT]) | st.sampled_from(BASES))
    payload = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 4))):
        where = paths(payload)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(REPLACEMENTS)
    return kind, payload


def check_event(event: Event, max_text: int | None = st_.MAX_TEXT) -> None:
    assert len(event.key) <= KEY_LIMIT, event.key[:80]
    stored = event_to_json(event)
    assert event_from_json(stored) == event, "the inbox gives back exactly the event"
    for ref in (event.user, getattr(event, "channel", None), getattr(event, "message", None)):
        if ref is not None:
            assert ref.key and len(ref.key) <= 400, ref
    text = getattr(event, "text", None)
    if text is not None:
        assert "\x00" not in text and (max_text is None or len(text) <= max_text)
        parse(text, now=NOW, tz=TZ)  # what the core does with a command's text


SLACK: dict[str, Callable[[Any], st_.Outcome]] = {
    "event": lambda body: st_.from_event_callback(body, IDENTITY),
    "command": st_.from_slash_command,
    "action": st_.from_block_actions,
}


@pytest.mark.skipif(not CORPUS.exists(), reason="payload corpus not present")
def test_every_corpus_shape_is_a_base() -> None:
    assert len(BASES) == HAND_BUILT + len(CORPUS_EVENTS) + len(CORPUS_BACKEND) > HAND_BUILT


@pytest.mark.parametrize("kind, payload", BASES[:HAND_BUILT])
def test_each_hand_built_base_is_a_sound_event(kind: str, payload: dict[str, Any]) -> None:
    outcome = SLACK[kind](payload)
    assert isinstance(outcome, st_.Inbound | st_.HomeOpened), outcome
    if isinstance(outcome, st_.Inbound):
        check_event(outcome.event)


@settings(max_examples=1500, deadline=None)
@given(case=mutated())
def test_slack_translation_names_a_reason_or_makes_a_sound_event(case: tuple[str, Any]) -> None:
    kind, payload = case
    for name, translate in SLACK.items():  # each translator, on every shape
        outcome = translate(payload)
        assert isinstance(outcome, st_.Inbound | st_.HomeOpened | st_.Ignored), outcome
        if isinstance(outcome, st_.Ignored):
            assert outcome.reason and len(outcome.reason) <= 1000, (name, outcome.reason[:100])
        elif isinstance(outcome, st_.Inbound):
            check_event(outcome.event)
            url = outcome.response_url
            assert url is None or (url.startswith(("https://", "http://")) and len(url) < 2000)


@settings(max_examples=300, deadline=None)
@given(raw=odd_or_long)
def test_slack_text_of_any_shape_becomes_core_text(raw: str) -> None:
    text = st_.core_text(raw)
    assert len(text) <= st_.MAX_TEXT
    # The core keeps what the person typed (`&lt;!here&gt;` is a literal `<!here>`); shown
    # again, it is escaped, so no markup of theirs, typed or sent as such, fires.
    shown = slack_render.mrkdwn(Text((Plain(text),)))
    assert "<" not in shown and ">" not in shown


# ---------------------------------------------------------------------- Discord

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
OPTION_TYPES = st.sampled_from(range(0, 12))


@st.composite
def interaction_data(draw: st.DrawFn) -> Any:
    """An app-command interaction's `data`, from well-formed to nonsense."""
    sub = draw(st.sampled_from(sorted(dt.FORMS)))
    words = sub.split()
    options = [{"name": name, "type": draw(OPTION_TYPES), "value": draw(JSONISH | odd_or_long)}
               for name, _ in dt.FORMS[sub][1] if draw(st.booleans())]  # fmt: skip
    node: Any = options
    for word in reversed(words):
        node = [{"name": word, "type": 1 if word == words[-1] else 2, "options": node}]
    data: Any = {"name": "als", "type": 1, "options": node}
    for _ in range(draw(st.integers(0, 3))):
        spot = draw(st.sampled_from(paths(data) or [("name",)]))
        parent = data
        for step in spot[:-1]:
            parent = parent[step]
        parent[spot[-1]] = draw(JSONISH)
    return draw(st.sampled_from([data, data, data, draw(JSONISH)]))


PLACES = st.builds(dt.Place, guild_id=st.none() | st.integers(1, 2**63),
                   channel_id=st.integers(1, 2**63), parent_id=st.none() | st.integers(1, 2**63))  # fmt: skip


@pytest.mark.reliability
@settings(max_examples=1500, deadline=None)
@given(data=interaction_data(), place=PLACES, who=st.integers(1, 2**63))
def test_discord_command_data_of_any_shape_is_an_event_or_nothing(
    data: Any, place: dt.Place, who: int
) -> None:
    event = dt.command_event(1234, who, place, data if isinstance(data, dict) else {})
    if event is not None:
        check_event(event, max_text=None)


@settings(max_examples=600, deadline=None)
@given(content=odd_or_long, custom_id=odd_text | st.just("als|round:next|1"), place=PLACES,
       emoji=st.none() | odd_text, emoji_id=st.none() | st.integers(0, 2**63),
       kind=st.integers(-1, 30), author=st.none() | st.integers(1, 2**63))  # fmt: skip
def test_discord_messages_buttons_and_reactions_of_any_shape(
    content: str, custom_id: str, place: dt.Place, emoji: str | None, emoji_id: int | None,
    kind: int, author: int | None,
) -> None:  # fmt: skip
    events = [
        dt.message_event(message_id=9, author_id=7, author_is_bot=False, content=content,
                         place=place, message_type=kind, dm_workspace="111"),
        dt.button_event(9, 7, place, custom_id, 8),
        dt.reaction_event(added=True, message_id=9, user_id=7, emoji_name=emoji,
                          emoji_id=emoji_id, place=place, message_author_id=author,
                          occurrence="s:1"),
        dt.reaction_event(added=False, message_id=9, user_id=7, emoji_name=emoji,
                          emoji_id=emoji_id, place=place),
    ]  # fmt: skip
    for event in events:
        if event is not None:
            check_event(event, max_text=None)

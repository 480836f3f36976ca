"""Mention safety and Teams' size limit, end to end: what people type and the bot shows back
(an action, the session summary, a do, the do's list) never pings anyone, and no activity
the bot sends is over Teams' 28 KB, whatever people typed.

Teams escapes what people type (`&lt;at&gt;`), so its own `<at>` tags are markup; a tag
with no mention entity (a name Teams did not resolve) is as if typed. Only a `Mention` the
core means makes an entity, for a member of the set; a card's live `<at>Name</at>` (in a
`TextBlock`, the only kind Teams resolves) each match one of those entities."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from bot.clock import FakeClock
from testkit.teams import payloads as p
from testkit.teams.records import MAX_ACTIVITY_BYTES, card_in
from testkit.teams.running import TeamsWorld, mention_entities, run_teams

pytestmark = pytest.mark.asyncio

# As Teams sends it: one `<at>` tag it did not resolve (no entity), the rest typed.
TYPED = (
    "Ask <at>Bob Smith</at> about &lt;at&gt;General&lt;/at&gt; @channel @team "
    "&lt;@29:1evil&gt; &lt;b&gt;now&lt;/b&gt; [x](http://evil.example) *stars*"
)
# What anyone reads wherever it is shown back (a typed `<@` loses its `<`, by design).
SHOWN = (
    "Ask @Bob Smith about <at>General</at> @channel @team "
    "@29:1evil> <b>now</b> [x](http://evil.example) *stars*"
)
FORM_TYPED = "<at>Ana Lopez</at> reviews bids <at>General</at> @team <i>now</i>"
LIVE_TAG = re.compile(r"<at>.*?</at>")


@pytest_asyncio.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[TeamsWorld]:
    async with run_teams(sqlite_url, clock) as w:
        yield w


def bot_activities(world: TeamsWorld) -> list[dict[str, Any]]:
    """Every activity the bot sent, each version of each (posts, replies and updates)."""
    return [c.body for c in world.bf.find(("send", "reply", "update"))]


def live_tags(activity: dict[str, Any]) -> list[str]:
    """The `<at>…</at>` Teams would resolve: whole tags in a `TextBlock`'s text."""
    card = card_in(activity) or {}
    found: list[str] = []
    for block in card.get("body") or []:
        if block.get("type") == "TextBlock":
            found += LIVE_TAG.findall(block.get("text", ""))
        for run in block.get("inlines") or []:
            assert not LIVE_TAG.search(run.get("text", "")), f"a whole <at> in a TextRun: {run}"
    return found


def assert_only_intended_mentions(world: TeamsWorld, members: tuple[p.Member, ...]) -> None:
    ids = {m.teams_id for m in members}
    for activity in bot_activities(world):
        entities = mention_entities(activity)
        assert {e["mentioned"]["id"] for e in entities} <= ids, entities
        tags = live_tags(activity)
        assert set(tags) == {e["text"] for e in entities}, (tags, entities)


async def test_typed_tags_and_markup_are_shown_back_literally_and_ping_nobody(
    world: TeamsWorld,
) -> None:
    ana, bob, carol = (world.person(n) for n in ("Ana Lopez", "Bob Smith", "Carol Jones"))
    await world.command(ana, "setup")
    for person in (bob, carol):
        await world.command(person, "join")
    await world.command(ana, "start <at>Bob Smith</at>", people=(bob,))
    header = world.header()
    for _ in range(5):  # → Actions
        await world.command(ana, "next")
    await world.say(bob, TYPED, header)
    [recorded] = [t for t in world.chain(header) if "Action recorded" in t]
    assert recorded == f"✅ Action recorded for <at>Bob Smith</at>: {SHOWN} · #1"
    await world.command(ana, "next")
    await world.command(ana, "next")  # Closed: the summary names the action
    [summary] = [t for t in map(world.text, ids_in(world)) if t.startswith("Session summary")]
    assert f"• <at>Bob Smith</at>: {SHOWN}" in summary

    tip = await world.say(carol, TYPED, None)
    await world.save_as_do(ana, tip)
    await world.say(ana, "/als dos", None)
    assert any(f"Saved as do #1: “{SHOWN}”" in t for t in world.dms_to(ana))
    assert any(f"#1 {SHOWN}" in t for t in world.dms_to(ana))

    # An offer, typed in its form (in Bob's 1:1 chat: Input.Text values come as typed).
    await world.command(bob, "offer")
    form = world.dm_with(bob, "Only you can see this form")
    await world.press(bob, form, "Save", {"text": FORM_TYPED, "tags": "grants"})
    await world.say(ana, "/als offers", None)
    [offers] = [t for t in world.dms_to(ana) if "Offers in this set" in t]
    assert f"1. {FORM_TYPED} — <at>Bob Smith</at>" in offers

    assert_only_intended_mentions(world, (ana, bob, carol))
    [action_id] = [i for i in ids_in(world) if "Action recorded" in world.text(i)]
    card = card_in(world.bf.latest(action_id)) or {}
    assert [e["mentioned"]["id"] for e in card["msteams"]["entities"]] == [bob.teams_id]
    # A link, emphasis and tags typed are escaped in the TextBlock: no link, no bold.
    [block] = [b for b in card["body"] if b["type"] == "TextBlock"]
    assert r"\[x\](http://evil.example) \*stars\*" in block["text"]
    assert r"\<b>now\</b>" in block["text"]
    assert world.refused() == []


def ids_in(world: TeamsWorld) -> list[str]:
    return [str(c.activity_id) for c in world.posts_in()]


async def test_no_activity_is_over_28_kb_whatever_people_type(world: TeamsWorld) -> None:
    """A 20,000-character action, and thirty long actions (in two-byte letters) that make
    a session summary of some 120 KB: every activity sent fits, the summary says it was cut
    short, and the stand-in (which answers 413 over 28 KB, as Teams does) refused none."""
    ana, bob = world.person("Ana Lopez"), world.person("Bob Smith")
    await world.command(ana, "setup")
    await world.command(bob, "join")
    await world.command(ana, "start <at>Bob Smith</at>", people=(bob,))
    header = world.header()
    for _ in range(5):  # → Actions
        await world.command(ana, "next")
    await world.say(bob, "Write to the council about " + "é" * 20_000, header)
    for batch in range(3):
        lines = [
            f"Call café owner n°{batch * 10 + n} to ask "
            + "what keeps the naïve volunteers coming back " * 44
            for n in range(10)
        ]
        await world.say(bob, "\n".join(lines), header)
    await world.command(ana, "next")
    await world.command(ana, "next")  # Closed: the summary lists every action
    await world.command(ana, "actions")

    sizes = [len(json.dumps(c.body, ensure_ascii=False).encode()) for c in world.bf.calls]
    assert max(sizes) <= MAX_ACTIVITY_BYTES
    assert world.refused() == []
    [summary] = [t for t in map(world.text, ids_in(world)) if t.startswith("Session summary")]
    assert "Call café owner n°0 to ask what keeps" in summary
    assert summary.endswith("… (cut short: too long for one Teams message)")
    assert max(sizes) > MAX_ACTIVITY_BYTES * 0.8, "the summary came near the limit"

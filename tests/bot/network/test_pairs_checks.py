"""A week after the introduction: "Did you and @X meet?", one answer per person, kept once;
export-me lists a person's pairings without the others' answers, forget-me removes them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.clock import FakeClock
from bot.network.pair_checks import PAIR_MEMBERS
from bot.replies import Direct, Edit, File, Reply
from testkit.harness import Harness, private_to
from testkit.nudges import button_on, press_button, timers_of, utc, wait_until
from tests.bot.network.pairs_helpers import groups, pairing_rows, questions, session_closes, set_of

FOUR = ("alice", "bob", "carol", "dave")
INTRODUCED = utc(2026, 1, 19, 10)
ASKED = utc(2026, 1, 26, 10)


@pytest_asyncio.fixture
async def h(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await Harness.open(sqlite_url, clock)
    try:
        yield harness
    finally:
        await harness.close()


async def paired(h: Harness) -> dict[str, str]:
    """Four introduced: each name → their partner."""
    await set_of(h, FOUR)
    await session_closes(h)
    out = await wait_until(h, INTRODUCED)
    partner: dict[str, str] = {}
    for a, b in groups(out):
        partner[a], partner[b] = b, a
    assert sorted(partner) == sorted(FOUR)
    return partner


def edits(replies: list[Reply]) -> list[Edit]:
    return [r for r in replies if isinstance(r, Edit)]


async def answers(h: Harness) -> dict[str, tuple[str | None, object]]:
    async with h.app.store.read() as conn:
        rows = await conn.execute(select(PAIR_MEMBERS))
        return {r.user_key.rsplit(":", 1)[1]: (r.answer, r.answered_at) for r in rows}


@pytest.mark.asyncio
async def test_each_is_asked_a_week_later_and_answers_once(h: Harness) -> None:
    partner = await paired(h)
    assert not questions(await wait_until(h, ASKED - timedelta(minutes=1)), "bob")
    out = await wait_until(h, ASKED)
    for name in FOUR:
        asked = questions(out, name)
        assert len(asked) == 1, name
        assert asked[0].text.plain().startswith(f"Did you and @{partner[name]} meet?")
        assert [b.label for b in asked[0].buttons] == ["We met", "Not yet"]
        assert all(b.action_id.startswith("pair:") for b in asked[0].buttons)
    bobs = questions(out, "bob")[0]

    got = await press_button(h, "bob", *button_on(bobs, "We met"))
    assert private_to(got, "bob") == ["Thanks — glad you met!"]
    assert [e.handle for e in edits(got)] == [bobs.handle]
    assert edits(got)[0].buttons == ()
    first = await answers(h)
    assert first["bob"][0] == "met" and first[partner["bob"]][0] is None, "only his own row"

    again = await press_button(h, "bob", *button_on(bobs, "We met"))
    assert private_to(again, "bob") == ["You've told me already (that you met) — thanks!"]
    late = await press_button(h, "bob", *button_on(bobs, "Not yet"))
    assert private_to(late, "bob") == ["You've told me already (that you met) — thanks!"]
    assert await answers(h) == first, "never counted twice, never undone"

    not_bob = "carol" if partner["bob"] != "carol" else "dave"
    with_bobs = await press_button(h, not_bob, *button_on(bobs, "Not yet"))
    assert "someone else" in private_to(with_bobs, not_bob)[0]
    assert await answers(h) == first

    theirs = questions(out, partner["bob"])[0]
    got = await press_button(h, partner["bob"], *button_on(theirs, "Not yet"))
    assert "still time" in private_to(got, partner["bob"])[0]
    assert [b.label for b in edits(got)[0].buttons] == ["We met"]
    got = await press_button(h, partner["bob"], *button_on(theirs, "We met"))
    assert private_to(got, partner["bob"]) == ["Thanks — glad you met!"]
    assert (await answers(h))[partner["bob"]][0] == "met", "not yet, then met: one answer"
    assert [t.note for t in await timers_of(h, "pair_check")] == ["asked: 4"]
    assert not questions(await h.wait(timedelta(days=14)), "bob"), "asked once"


@pytest.mark.asyncio
async def test_who_opted_out_or_left_since_is_not_asked(h: Harness) -> None:
    partner = await paired(h)
    await h.cmd("bob", "settings pairs off")
    leaver = "carol" if partner["bob"] != "carol" else "dave"
    await h.cmd(leaver, "leave")
    out = await wait_until(h, ASKED)
    assert not questions(out, "bob") and not questions(out, leaver)
    assert len(questions(out, partner["bob"])) == 1
    assert [t.note for t in await timers_of(h, "pair_check")] == ["asked: 2"]


@pytest.mark.asyncio
async def test_pairs_off_stops_the_question_too(h: Harness) -> None:
    await paired(h)
    await h.cmd("alice", "pairs off")
    assert [t.status for t in await timers_of(h, "pair_check")] == ["cancelled"]
    out = await wait_until(h, ASKED)
    assert not any(questions(out, name) for name in FOUR)


@pytest.mark.asyncio
async def test_export_me_lists_pairings_without_the_others_answers(h: Harness) -> None:
    partner = await paired(h)
    out = await wait_until(h, ASKED)
    other = partner["bob"]
    await press_button(h, other, *button_on(questions(out, other)[0], "Not yet"))
    await press_button(h, "bob", *button_on(questions(out, "bob")[0], "We met"))
    files = [r for r in await h.cmd("bob", "export-me") if isinstance(r, File)]
    data = json.loads(files[0].content)
    [mine] = data["pairs"]
    assert f"console:local:{other}" not in json.dumps(data), "who the partner was is theirs"
    assert mine["your_answer"] == "met" and mine["round"] == 1
    assert "not_yet" not in json.dumps(data["pairs"]), "the partner's answer is theirs"


@pytest.mark.asyncio
async def test_forget_me_removes_their_pairings_and_a_late_press_is_answered_kindly(
    h: Harness,
) -> None:
    partner = await paired(h)
    out = await wait_until(h, ASKED)
    bobs = questions(out, "bob")[0]
    await h.cmd("bob", "forget-me confirm")
    keys = {r.user_key for r in await pairing_rows(h)}
    assert "console:local:bob" not in keys and len(keys) == 3
    late = await press_button(h, "bob", *button_on(bobs, "We met"))
    assert private_to(late, "bob") == ["That pairing has ended — thanks all the same."]
    assert all(isinstance(r, Direct) for r in late)
    shown = private_to(await h.cmd(partner["bob"], "pairs"), partner["bob"])[0]
    assert "Your pair" not in shown, "alone in the pairing now"

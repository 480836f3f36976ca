"""Pairs between sessions through the real core: planned when a session closes, introduced a
week later (each willing member exactly once, a trio when odd), starters only from the
prompt bank and the set's do's, `/als pairs on|off|` and a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.network.pairing import meetings
from bot.network.prompt_bank import BANK
from bot.replies import Ephemeral
from testkit.harness import Harness, private_to, public
from testkit.nudges import timers_of, utc, wait_until
from tests.bot.network.pairs_helpers import (
    SEVEN,
    add_do,
    groups,
    introductions,
    mentioned,
    pairing_rows,
    session_closes,
    set_of,
)

# START_OF_TESTS is Monday 12 January 2026, 10:00 UTC (London is on UTC in January).
A_WEEK_ON = utc(2026, 1, 19, 10)


@pytest.mark.asyncio
async def test_a_week_after_a_session_seven_members_are_introduced_once_each(h: Harness) -> None:
    await set_of(h)
    await session_closes(h)
    summary = public(h.outlet.replies())
    assert any("🤝 On Monday 19 January, 10:00 I'll pair you up" in t for t in summary)
    planned = await timers_of(h, "pairs", "pending")
    assert [t.due_at for t in planned] == [A_WEEK_ON]

    assert not introductions(await wait_until(h, A_WEEK_ON - timedelta(minutes=1)))
    out = await wait_until(h, A_WEEK_ON)
    intros = introductions(out)
    assert sorted(len(g) for g in groups(out)) == [2, 2, 3], "two pairs and a trio"
    everyone = [name for group in groups(out) for name in group]
    assert sorted(everyone) == sorted(SEVEN), "each member exactly once"
    for intro in intros:
        assert mentioned(intro) == {user.id for user in intro.users}
        body = intro.text.plain()
        assert "You're paired until the next session — a short call or a coffee?" in body
        assert "`/als settings pairs off`" in body
    rows = await pairing_rows(h)
    assert {r.round_no for r in rows} == {1} and len(rows) == 7
    assert len({r.id for r in rows}) == 3
    assert all(r.starter in BANK for r in rows), "no do's yet: the bank"
    assert [t.note for t in await timers_of(h, "pairs")] == [
        "paired: round 1, 3 groups, with a trio"
    ]
    checks = await timers_of(h, "pair_check", "pending")
    assert [t.due_at for t in checks] == [A_WEEK_ON + timedelta(days=7)]

    assert not introductions(await h.wait(timedelta(days=30))), "once per session"


@pytest.mark.asyncio
async def test_who_opted_out_left_or_was_forgotten_is_not_paired(h: Harness) -> None:
    await set_of(h)
    await h.cmd("carol", "settings pairs off")
    await h.cmd("dave", "leave")
    await h.cmd("erin", "forget-me confirm")
    await session_closes(h)
    out = await wait_until(h, A_WEEK_ON)
    paired = sorted(name for group in groups(out) for name in group)
    assert paired == ["alice", "bob", "frank", "grace"]
    assert sorted(len(g) for g in groups(out)) == [2, 2]


@pytest.mark.asyncio
async def test_fewer_than_two_willing_members_is_skipped_with_a_note(h: Harness) -> None:
    await set_of(h, ("alice", "bob"))
    await h.cmd("bob", "settings pairs off")
    await session_closes(h)
    assert not introductions(await wait_until(h, A_WEEK_ON))
    assert [t.note for t in await timers_of(h, "pairs")] == [
        "skipped: fewer than two members to pair (1)"
    ]
    assert not await pairing_rows(h)


@pytest.mark.asyncio
async def test_pairs_off_stops_the_pending_timer_and_on_brings_it_back(h: Harness) -> None:
    await set_of(h, ("alice", "bob", "carol", "dave"))
    await session_closes(h)
    said = private_to(await h.cmd("alice", "pairs off"), "alice")
    assert said == ["Pairs are off: I won't pair anyone (the pairing I had planned is cancelled)."]
    assert [t.status for t in await timers_of(h, "pairs")] == ["cancelled"]
    assert not introductions(await wait_until(h, A_WEEK_ON))

    await session_closes(h)  # a second session, with pairs off: nothing planned
    assert [t.status for t in await timers_of(h, "pairs")] == ["cancelled"]
    on = await h.cmd("alice", "pairs on")
    # The second session closed at 10:00 on the 19th: its week is still to come.
    assert "The next pairing: Monday 26 January, 10:00." in private_to(on, "alice")[0]
    assert isinstance(on[0], Ephemeral)
    out = await wait_until(h, utc(2026, 1, 26, 10))
    assert sorted(len(g) for g in groups(out)) == [2, 2]


@pytest.mark.asyncio
async def test_only_facilitators_turn_pairs_on(h: Harness) -> None:
    await set_of(h, ("alice", "bob"), pairs=False)
    refused = private_to(await h.cmd("bob", "pairs on"), "bob")
    assert refused and "facilitator" in refused[0]
    shown = private_to(await h.cmd("bob", "pairs"), "bob")
    assert shown == [
        "Pairs are off in this set. You're in; `/als settings pairs off` leaves you out."
    ]


@pytest.mark.asyncio
async def test_pairs_shows_your_pair_and_when_you_will_be_asked(h: Harness) -> None:
    await set_of(h, ("alice", "bob"))
    shown = private_to(await h.cmd("bob", "pairs"), "bob")[0]
    assert "Pairs are on in this set. You're not in a pair at the moment." in shown
    assert "The next pairing: a week after the next session." in shown
    await session_closes(h)
    assert (
        "The next pairing: Monday 19 January, 10:00."
        in private_to(await h.cmd("bob", "pairs"), "bob")[0]
    )
    await wait_until(h, A_WEEK_ON)
    await h.cmd("bob", "settings pairs off")
    shown = private_to(await h.cmd("bob", "pairs"), "bob")[0]
    assert "Your pair until the next session: @alice." in shown
    assert "I'll ask on Monday 26 January, 10:00 whether you met." in shown
    assert "You've left yourself out; `/als settings pairs on` puts you back in." in shown


@pytest.mark.asyncio
async def test_a_weekend_week_moves_to_the_friday_before(h: Harness) -> None:
    await set_of(h, ("alice", "bob"))
    await wait_until(h, utc(2026, 1, 17, 10))  # Saturday
    await session_closes(h)
    assert [t.due_at for t in await timers_of(h, "pairs", "pending")] == [utc(2026, 1, 23, 10)]
    await wait_until(h, utc(2026, 1, 23, 21))  # Friday evening, quiet hours from 20:00
    h.new()
    await session_closes(h)
    # A week on is Friday 21:00, quiet; Saturday is a weekend: Friday's free hours instead.
    due = [t.due_at for t in await timers_of(h, "pairs", "pending")]
    assert due == [utc(2026, 1, 30, 8)]


@pytest.mark.asyncio
async def test_starters_come_only_from_the_bank_and_the_set_s_dos(h: Harness) -> None:
    await set_of(h)
    await add_do(h, "Ask the person who disagrees to go first")
    allowed = set(BANK) | {"Ask the person who disagrees to go first"}
    said_in_rounds = "Call the volunteer centre"
    for week in range(4):
        await session_closes(h)
        out = await h.wait(timedelta(days=7))
        intros = introductions(out)
        assert len(intros) == 3, f"week {week}"
        for intro in intros:
            body = intro.text.plain()
            assert said_in_rounds not in body and "volunteer" not in body
    rows = await pairing_rows(h)
    assert {r.starter for r in rows} <= allowed
    assert "Ask the person who disagrees to go first" in {r.starter for r in rows}
    assert any(
        "A do your set saved: “Ask the person who disagrees to go first”" in i.text.plain()
        for i in introductions(h.outlet.replies())
    )


@pytest.mark.asyncio
async def test_consecutive_rounds_never_repeat_a_pair_within_two_rounds(h: Harness) -> None:
    await set_of(h)
    rounds: list[list[tuple[str, ...]]] = []
    for _ in range(5):
        await session_closes(h)
        rounds.append(groups(await h.wait(timedelta(days=7))))
    assert all(len(r) == 3 for r in rounds)
    for window in zip(rounds, rounds[1:], rounds[2:], strict=False):
        met = [m for round_groups in window for m in meetings(round_groups)]
        assert len(met) == len(set(met)) == 15
    assert sorted({r.round_no for r in await pairing_rows(h)}) == [1, 2, 3, 4, 5]


@pytest.mark.asyncio
async def test_a_restart_keeps_the_planned_pairing(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    first = await Harness.open(url, clock)
    try:
        await set_of(first, ("alice", "bob", "carol"))
        await session_closes(first)
    finally:
        await first.close()
    second = await Harness.open(url, clock)
    try:
        out = await wait_until(second, A_WEEK_ON)
        assert groups(out) == [("alice", "bob", "carol")], "three: one trio"
    finally:
        await second.close()


@pytest.mark.asyncio
async def test_claimed_late_at_night_it_waits_for_the_morning(h: Harness) -> None:
    await set_of(h, ("alice", "bob"))
    await session_closes(h)
    h.clock.set(utc(2026, 1, 19, 22))  # the bot was down at 10:00; quiet hours now
    await h.app.settle()
    assert not introductions(h.new())
    notes = [t.note for t in await timers_of(h, "pairs")]
    assert notes[0] == "skipped: quiet hours or the weekend; moved to 2026-01-20T08:00:00+00:00"
    out = await wait_until(h, utc(2026, 1, 20, 8))
    assert groups(out) == [("alice", "bob")]

"""A proposal reaches the person who did nothing in their working hours (issue 18): the one
whose offer or want was just saved is at the keyboard and hears at once; the other's DM
waits for the end of their quiet hours (and a working day), survives as a timer, and is
not sent at all if the proposal was declined meanwhile. Through the commands, on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.replies import GroupDirect
from testkit.harness import Harness
from testkit.nudges import button_on, dms, press_button, timers_of, utc, wait_until
from tests.bot.network.network_helpers import proposal_dms

OFFER = "offer I've written successful grant bids and can read through a draft #funding"
WANT = "want I'd like feedback on my first grant application before it goes off #funding"


async def set_with_carol_asleep(h: Harness) -> None:
    """Monday 12 January, 10:00 London: carol's own quiet hours run to 13:00."""
    await h.cmd("fran", "facilitator add <@fran>")
    for who in ("bob", "carol"):
        await h.cmd(who, "join")
    await h.cmd("carol", "settings quiet_hours 09:00-13:00")
    await h.cmd("carol", OFFER)
    h.new()


@pytest.mark.asyncio
async def test_the_one_at_the_keyboard_hears_now_the_other_after_their_quiet_hours(
    h: Harness,
) -> None:
    await set_with_carol_asleep(h)
    out = await h.cmd("bob", WANT)
    [to_bob] = proposal_dms(out, "bob")
    assert not dms(out, "carol"), "carol is in her quiet hours"
    [waiting] = await timers_of(h, "match_tell", "pending")
    assert waiting.due_at == utc(2026, 1, 12, 13) and waiting.payload["role"] == "offer"

    assert not dms(await wait_until(h, utc(2026, 1, 12, 12, 59)), "carol")
    [to_carol] = proposal_dms(await wait_until(h, utc(2026, 1, 12, 13)), "carol")
    assert "grant application" in to_carol.text.plain()

    await press_button(h, "bob", *button_on(to_bob, "Let's talk"))
    out = await press_button(h, "carol", *button_on(to_carol, "Let's talk"))
    assert len([r for r in out if isinstance(r, GroupDirect)]) == 1


@pytest.mark.asyncio
async def test_declined_before_the_other_hears_nothing_reaches_them(h: Harness) -> None:
    await set_with_carol_asleep(h)
    [to_bob] = proposal_dms(await h.cmd("bob", WANT), "bob")
    await press_button(h, "bob", *button_on(to_bob, "Not now"))
    assert not dms(await wait_until(h, utc(2026, 1, 12, 14)), "carol")
    [done] = await timers_of(h, "match_tell")
    assert done.status == "skipped" and done.note == "skipped: the proposal is declined"


@pytest.mark.asyncio
async def test_the_wait_survives_a_restart(any_db_url: str, clock: FakeClock) -> None:
    first = await Harness.open(any_db_url, clock)
    try:
        await set_with_carol_asleep(first)
        await first.cmd("bob", WANT)
    finally:
        await first.close()
    again = await Harness.open(any_db_url, clock)
    try:
        [to_carol] = proposal_dms(await wait_until(again, utc(2026, 1, 12, 13)), "carol")
        assert "grant application" in to_carol.text.plain()
    finally:
        await again.close()

"""Issue 14, point 18, through the console: a weekly schedule whose first session was asked
for at 01:30 on 29 March 2026 in London — inside the spring-forward gap — meets at 02:00
that day only (the first moment that exists), and at 01:30 again from the next week on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.adapters.console.console_helpers import console_at, play_and_show

START = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # Friday, GMT
SET_UP = ["alice: /als facilitator add @alice", "alice: /als settings timezone Europe/London"]


@pytest.mark.asyncio
async def test_the_session_after_the_gap_is_at_the_time_asked_for(tmp_path) -> None:
    async with console_at(tmp_path, START, *SET_UP) as (runner, out):
        shown = await play_and_show(
            runner, out, "alice: /als schedule sunday 29 march 01:30 to 03:00 weekly"
        )
        assert (
            "Next session: Sunday 29 March 2026, 02:00–03:00 (Europe/London) (01:30 does not "
            "exist that day: the clocks go forward), then every week at 01:30." in shown
        )

        shown = await play_and_show(runner, out, "@wait 9d", "alice: /als schedule")
        assert "meets in about an hour, 02:00–03:00 (Europe/London)" in shown
        assert "Next session: Sunday 5 April 2026, 01:30–03:00 (Europe/London)" in shown

        shown = await play_and_show(runner, out, "@wait 7d", "alice: /als schedule")
        assert "the set meets tomorrow, 01:30–03:00 (Europe/London)" in shown
        assert "Next session: Sunday 12 April 2026, 01:30–03:00 (Europe/London)" in shown


@pytest.mark.asyncio
async def test_a_time_said_in_another_zone_recurs_on_the_sets_clock(tmp_path) -> None:
    """10am said by someone in New York is 15:00 in London, and stays 15:00 London every
    week (the wall time kept is the set's, never the sayer's 10:00 read on London's clock)."""
    lines = [*SET_UP, "alice: /als settings my_timezone America/New_York"]
    async with console_at(tmp_path, START, *lines) as (runner, out):
        shown = await play_and_show(runner, out, "alice: /als schedule monday 10am weekly")
        assert "Next session: Monday 23 March 2026, 14:00 (Europe/London)" in shown
        shown = await play_and_show(runner, out, "@wait 4d", "alice: /als schedule")
        assert "Next session: Monday 30 March 2026, 14:00 (Europe/London)" in shown

"""A facilitator's first week in the console, from a script a user could write.

`docs/examples/first-week.txt`: set-up with no live session, a zone warning, the seed's own
announcement ("Wednesday 23rd January in Room 8 of the Town Hall at 10 – 12") scheduled as
written and shown in the reminders and a DM answer, then a round started with nobody named:
a volunteer, [+5 min] and `/als more`, advice coached privately, a late action that counts,
and the next sessions booked fortnightly in the same room.
Run in-process through `ConsoleRunner` and as `alsbot console --script` in a subprocess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.adapters.console.console_helpers import (
    ROOT,
    assert_in_order,
    script_as_a_user,
    script_in_process,
    script_lines,
)

SCRIPT = ROOT / "docs" / "examples" / "first-week.txt"
START = datetime(2030, 1, 21, 9, 0, tzinfo=UTC)  # a Monday; 23 January 2030 is a Wednesday

# Each marker must appear, in this order (timestamps are the set's, Europe/London).
IN_ORDER = [
    "@alice set up an Action Learning Set in this channel and is its facilitator.",
    "(only alice sees) alsbot: You're the facilitator of this channel's Action Learning Set.",
    "did you mean Europe/London?",
    "Saved: timezone = Europe/London (from “London”).",
    "alsbot: Next session: Wednesday 23 January 2030, 10:00–12:00 (Europe/London), Room 8 of"
    " the Town Hall.",
    "@dave joined this Action Learning Set.",
    "(DM to bob)",
    "in Room 8 of the Town Hall.",
    "Tue 10:00  [#12] alsbot: ⏰ Reminder: the set meets tomorrow, 10:00–12:00"
    " (Europe/London), in Room 8 of the Town Hall.",
    "Wed 09:00  [#14] alsbot: ⏰ Reminder: the set meets in about an hour, 10:00–12:00"
    " (Europe/London), in Room 8 of the Town Hall.",
    "Wed 10:00  alice ran: /als start",
    "Who will present? Press “I'd like to present”.",
    "• Phones on silent, please.",
    "@bob will present in this session.",
    "⏱ 5 min more for Presenting: 13 min left.",
    "(only dave sees) alsbot: A gentle reminder:",
    "“What options have you considered, such as a rota app?”",
    "(only dave sees) alsbot: A small tip, just for you: open questions",
    "⏱ 3 min more for Questions: 18 min left.",
    "(DM to alice)",
    "1 open question, 1 closed question, 1 message read as advice",
    "✅ Action recorded for @bob: Ask three long-standing volunteers what keeps them coming",
    "Evaluation: how effective was this session for you?",
    "✅ Action recorded for @bob: Check the budget · #2 · counted as an action for @bob's turn",
    "Session summary",
    "• @bob: Check the budget",
    "Next session: Wednesday 6 February 2030, 10:00–12:00 (Europe/London), Room 8 of the"
    " Town Hall, then every 2 weeks.",
]


def check(out: str) -> None:
    assert_in_order(out, IN_ORDER)
    assert "Traceback" not in out and "!!" not in out
    # Coaching is private: dave's advice reminder and tip reach dave alone, and his advice
    # is not passed to Bob as one of "the questions you were asked".
    coached = [
        line
        for line in out.splitlines()
        if "alsbot:" in line and ("gentle reminder" in line or "small tip" in line)
    ]
    assert coached and all("(only dave sees)" in line for line in coached), coached
    after = out.split("The questions you were asked", 1)[1].splitlines()
    asked = [after[0], *[line for line in after[1:4] if line.startswith("  ")]]
    assert any("What keeps the volunteers who stay?" in line for line in asked), asked
    assert not any("rota app" in line for line in asked), asked
    # The room and the end time were said once, in the schedule; every later mention comes
    # from the schedule row.
    assert out.count("Room 8 of the Town Hall") >= 6


@pytest.mark.asyncio
async def test_first_week_through_the_console_runner(tmp_path: Path) -> None:
    check(await script_in_process(tmp_path, START, script_lines(SCRIPT)))


def test_first_week_as_a_user_runs_the_script(tmp_path: Path) -> None:
    check(script_as_a_user(tmp_path, START, script_lines(SCRIPT)))

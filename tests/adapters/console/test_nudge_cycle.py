"""A whole cycle between two sessions in the console, from a script a user could write.

`docs/examples/nudge-cycle.txt`: a session where Bob (in New York) and Carol (in London)
commit to actions (confirmed, one edited, thanks not recorded); nudges at 10:00 in each
one's own time; Bob answers with a button and a DM he confirms, while a private DM stays
private; reminders, the facilitator's digest; the next session's Updates phase shows both,
and Carol's live update counts.
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

SCRIPT = ROOT / "docs" / "examples" / "nudge-cycle.txt"
START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)

# Each marker must appear, in this order (timestamps are the set's, Europe/London).
IN_ORDER = [
    # Two actions from one message, each confirmed with [Edit] [Remove]; thanks not recorded.
    "✅ Action recorded for @bob: Ask three long-standing volunteers what keeps them coming"
    " · #1  [Edit] [Remove]",
    "✅ Action recorded for @bob: Draft a shared rota with the team leader · #2  [Edit] [Remove]",
    "(only bob sees) alsbot: I haven't recorded “Thanks all, that really helped” as an action.",
    # The edited action, dated by "before the next session".
    "bob pressed [Edit] on #17",
    "/als action edit 2 Draft a shared rota with the team leader",
    "✎ [#17] now reads: ✅ Action recorded for @bob: Draft a shared rota with the team leader"
    " (by Tue 10 Feb 2026) · #2 · edited",
    "• @bob: Draft a shared rota with the team leader (by Tue 10 Feb 2026)",
    "Before next time I'll check in by DM with @bob, @carol about their actions.",
    "Fri 10:00  ✉ (DM to carol)",  # 3 days before is Saturday: Friday, 10:00 London
    "Fri 15:00  ✉ (DM to bob)",  # Friday too, 10:00 New York
    "your set meets next on Tuesday 10 February, 05:00 (America/New_York time)",
    "bob pressed [Done] on #34",
    "✎ [#34] now reads: • Ask three long-standing volunteers what keeps them coming — done ✓",
    # The private DM: answered, and nothing of it shared.
    "bob (DM to alsbot): is the meeting still in Room 8?",
    "The next session is on Tuesday 10 February, 05:00 (America/New_York time).",
    "Nothing else from your message is shared with your set.",
    "bob (DM to alsbot): I asked four volunteers",
    "Here is your message as an update for your set's next session",
    "bob pressed [Share as my update]",
    "Shared — it will be in the next session's Updates",
    "Mon 10:00  [#42] alsbot: ⏰ Reminder: the set meets tomorrow at 10:00",
    "Mon 10:00  ✉ (DM to alice)",
    "@bob — has updated: “I asked four volunteers",
    "@carol — no update yet (1 open action)",
    "Mon 10:00  ✉ (DM to carol)",  # Carol's second nudge; Bob's is skipped
    "@bob — has given an update",  # /als actions
    "@carol — no update yet",
    "Tue 09:00  [#47] alsbot: ⏰ Reminder: the set meets in about an hour",
    "Updates from last time",
    "@bob:\n",
    "• Ask three long-standing volunteers what keeps them coming — done",
    "• Draft a shared rota with the team leader (by Tue 10 Feb) — open",
    "Update: “I asked four volunteers: all said they stay for the people.",
    "@carol:\n",
    "• Block two hours every Friday for planning — open",
    "No update yet from @carol — please share yours live now.",
    # Carol's live update counts, and her status is one press.
    "carol: Blocked two Fridays out of four",
    "(only carol sees) alsbot: ✓ Recorded as your update for this session",
    "carol pressed [Partly]",
    "is now marked partly done.",
    "@carol — has given an update",
    "#3 Block two hours every Friday for planning [partly done]",
]


def check(out: str) -> None:
    assert_in_order(out, IN_ORDER)
    # Bob had updated by Monday: his 1-day nudge was skipped, so he got exactly one.
    assert out.count("👋 Hi @bob") == 1
    assert out.count("👋 Hi @carol") == 2
    assert "Traceback" not in out and "!!" not in out
    # Bob's private DM reaches nobody: only his own line shows it.
    private = [line for line in out.splitlines() if "hospital" in line or "Room 8" in line]
    assert private and all("bob (DM to alsbot)" in line for line in private), private
    assert "Thanks all, that really helped" not in out.split("Session summary", 1)[1]


@pytest.mark.asyncio
async def test_nudge_cycle_through_the_console_runner(tmp_path: Path) -> None:
    check(await script_in_process(tmp_path, START, script_lines(SCRIPT)))


def test_nudge_cycle_as_a_user_runs_the_script(tmp_path: Path) -> None:
    check(script_as_a_user(tmp_path, START, script_lines(SCRIPT)))

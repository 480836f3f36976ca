"""A whole cycle between two sessions in the console, from a script a user could write.

`docs/examples/nudge-cycle.txt`: a session where Bob (in New York) and Carol (in London)
commit to actions; nudges at 10:00 in each one's own time; Bob answers with a button and a
DM; reminders, the facilitator's digest; the next session's Updates phase shows both.
Run in-process through `ConsoleRunner` and as `alsbot console --script` in a subprocess.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console.session import console_session
from bot.config import load_config

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "docs" / "examples" / "nudge-cycle.txt"
START = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)

# Each marker must appear, in this order (timestamps are the set's, Europe/London).
IN_ORDER = [
    "Before next time I'll check in by DM with @bob, @carol about their actions.",
    "Fri 10:00  ✉ (DM to carol)",  # 3 days before, 10:00 London
    "Fri 15:00  ✉ (DM to bob)",  # 3 days before, 10:00 New York
    "your set meets next on Monday 9 February, 05:00 (America/New_York time)",
    "bob pressed [Done] on #31",
    "✎ [#31] now reads: • Ask three long-standing volunteers what keeps them coming — done ✓",
    "bob (DM to alsbot): I asked four volunteers",
    "Here is your message as an update for your set's next session",
    "bob pressed [Share as my update]",
    "Shared — it will be in the next session's Updates",
    "Sun 10:00  [#37] alsbot: ⏰ Reminder: the set meets tomorrow at 10:00",
    "Sun 10:00  ✉ (DM to alice)",
    "@bob — has updated: “I asked four volunteers",
    "@carol — no update yet (1 open action)",
    "Sun 10:00  ✉ (DM to carol)",  # Carol's second nudge; Bob's is skipped
    "@bob — has given an update",  # /als actions
    "@carol — no update yet",
    "Mon 09:00  [#42] alsbot: ⏰ Reminder: the set meets in about an hour",
    "Updates from last time",
    "@bob:\n",
    "• Ask three long-standing volunteers what keeps them coming — done",
    "• Draft a shared rota with the team leader — open",
    "Update: “I asked four volunteers: all said they stay for the people.",
    "@carol:\n",
    "• Block two hours every Friday for planning — open",
    "No update yet from @carol — please share yours live now.",
]


SHARE = "bob: [Share as my update]"


def script_lines() -> list[str]:
    """The example, with Bob confirming his DM as his update if the script does not yet
    (a DM is only previewed to its author until they press [Share as my update])."""
    lines = SCRIPT.read_text(encoding="utf-8").splitlines()
    if SHARE in lines:
        return lines
    at = next(i for i, line in enumerate(lines) if line.startswith("bob: dm: I asked four"))
    return [*lines[: at + 1], SHARE, *lines[at + 1 :]]


def check(out: str) -> None:
    at = 0
    for marker in IN_ORDER:
        found = out.find(marker, at)
        assert found >= 0, f"{marker!r} missing or out of order after:\n{out[at - 400 : at]}"
        at = found + len(marker)
    # Bob had updated by Sunday: his 1-day nudge was skipped, so he got exactly one.
    assert out.count("👋 Hi @bob") == 1
    assert out.count("👋 Hi @carol") == 2
    assert "Traceback" not in out and "!!" not in out


@pytest.mark.asyncio
async def test_nudge_cycle_through_the_console_runner(tmp_path: Path) -> None:
    out = io.StringIO()
    config = load_config(None, {})
    lines = script_lines()
    async with console_session(
        config, out, db_path=str(tmp_path / "cycle.db"), start=START
    ) as runner:
        problems = await runner.run_lines(lines)
    assert problems == 0, out.getvalue()
    check(out.getvalue())


def test_nudge_cycle_as_a_user_runs_the_script(tmp_path: Path) -> None:
    script = tmp_path / "nudge-cycle.txt"
    script.write_text("\n".join(script_lines()) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ALSBOT_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "console",
            "--script",
            str(script),
            "--start",
            "2026-01-12T10:00Z",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    check(result.stdout)

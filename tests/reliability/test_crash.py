"""Crash: kill -9 the real `alsbot run` 20 times during a stream of events and live rounds.

The bot runs as an operator runs it (Slack HTTP mode, a SQLite file, the Web API stand-in,
real time, `scheduler.tick_seconds = 0.2`); this process plays Slack. While a seeded
stream of signed slash commands, DMs and round-thread messages flows in — each retried,
as Slack retries, until it gets a 2xx — a supervisor kills the process with SIGKILL at 20
seeded random moments and restarts it at once. Meanwhile:

- round 1 was started by `/als start` and is left alone: its opening phase ends by its
  phase timer, at its own deadline, whatever restarts happen in between;
- round 2 is driven through every phase by `/als next`, paused across several crashes
  and resumed, with questions, actions and ratings posted in its thread;
- a third set has nudges, reminders and a facilitators' digest falling due during the run
  (`testkit.worlds.crash_world.seed`: the same fifteen timers whatever the time of day).

At the end, every acknowledged event has its effect in the database, exactly once; the
rounds are in the phase the moves and the clock say, with the remaining time they had;
every seeded timer sent its message once, at its time, and no timer was left behind;
every reply that the database says was sent reached Slack; no chat.postMessage (posts,
DMs, nudges) reached Slack twice — a retry after a kill looks for its row's key in the
conversation first — and a reply that cannot be looked up (an ephemeral, a response_url
answer) reached Slack twice only because a kill landed between Slack accepting it and the
`sent` commit: the at-least-once window documented in docs/ARCHITECTURE.md.

`run_crash` (`testkit/worlds/crash_run.py`) returns the figures (docs/RELIABILITY.md);
`bench/soak_crash.py` runs it longer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from testkit.worlds.crash_run import run_crash
from testkit.worlds.crash_world import CrashPlan


@pytest.mark.reliability
@pytest.mark.asyncio
async def test_twenty_kills_lose_nothing_and_double_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("ALSBOT_RELIABILITY_SEED", "8"))
    figures = await run_crash(tmp_path, CrashPlan(seed=seed))
    print(json.dumps(figures, indent=1))
    assert figures["kills"] == 20
    assert figures["lost"] == 0
    assert figures["problems"] == []
    assert figures["error_log_lines"] == 0, figures["errors"]

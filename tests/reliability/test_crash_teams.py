"""Crash, on Teams: kill -9 the real `alsbot run` during a stream of Bot Framework activities.

The bot runs as an operator runs it with `[teams] enabled` (a SQLite file, real time,
`scheduler.tick_seconds = 0.2`), pointed at the Bot Connector stand-in in this process,
which plays the Bot Framework: signed activities re-sent with the same id until they get a
2xx — commands in a channel, a round driven through every phase by card buttons and typed
`next`s in its reply chain, questions and actions in the chain, ratings, "Save as do", and
updates written in the bot's 1:1 chat and shared from their preview card; some delivered a
second time after their acknowledgement — while the process is killed with SIGKILL at
seeded moments (two of them the instant the connector accepts a post) and restarted at
once (`testkit.worlds.crash_teams`).

At the end: every acknowledged activity that makes an event is in the inbox once and
processed, and every duplicate delivery was acknowledged; the round is closed, with its
actions, ratings and attendance; every action and update is recorded once; every reply the
database says was sent reached the connector (matched by conversation and the exact
activity the outlet renders; card updates too); a post reached it twice only when a kill
landed between the connector accepting it and the `sent` commit — Teams has no
client-chosen id to look a post up by, so that window is at-least-once (a kill doubles at
most each post then in flight: the outbox sends to several conversations at once, so one
kill can double more than one post); nothing was logged as an error.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from bot.logs import TextLines
from testkit.worlds.crash_teams import TeamsCrashPlan, run_teams_crash
from testkit.worlds.live import error_line


@pytest.mark.reliability
@pytest.mark.asyncio
async def test_kills_lose_no_teams_activity_and_double_no_post_outside_the_window(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("ALSBOT_RELIABILITY_SEED", "20"))
    plan = TeamsCrashPlan(seed=seed)
    figures = await run_teams_crash(tmp_path, plan)
    print(json.dumps(figures, indent=1))
    assert figures["kills"] == plan.kills
    assert figures["lost"] == 0
    assert figures["problems"] == []
    # A double needs a kill in its window; one kill may double each post then in flight.
    assert figures["posts_doubled_unexplained"] == 0
    assert figures["error_log_lines"] == 0, figures["errors"]


def test_error_lines_are_found_in_the_childs_own_log_format() -> None:
    """The crash tests' "no error logged" reads the child's text log, whose lines begin
    with their time: the check must find an ERROR line as `bot.logs` writes it (a check
    for lines beginning with "ERROR" would pass over every one)."""
    lines = {
        level: TextLines().format(
            logging.LogRecord("bot.outbox", level, __file__, 1, "delivery crashed", None, None)
        )
        for level in (logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
    }
    assert [error_line(lines[level]) for level in sorted(lines)] == [False, False, True, True]
    assert error_line("Traceback (most recent call last):")

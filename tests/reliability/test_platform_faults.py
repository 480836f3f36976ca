"""Platform faults: Slack answers 429 + Retry-After or 5xx to ~20% of calls and times out
on 5%; every nudge, reminder and digest still reaches its person exactly once, and what
can never be delivered is recorded and shown to the set's facilitators.

The core runs with a `FakeClock` (domain time: the timers fire at their own moments) and
the real Slack outlet talks to the Web API stand-in over HTTP (transport time: retries,
Retry-After and timeouts are real). Sets are seeded with past presenters who owe outcome
updates and a next session; stepping the clock fires every nudge (two leads), reminder
(two leads) and facilitators' digest; after each step the deliveries run to the end.

Two people's accounts are gone (`user_not_found`) and one set's channel is archived:
those messages fail for good, are recorded in the outbox with Slack's reason, appear in
the facilitators' digest (for nudges) and in `/als report`.

A timeout comes in two kinds. Usually the request never got through (a connection that
hung): the retry is the only delivery. But Slack may have accepted the message and only
the answer was lost; chat.postMessage has no idempotency key, so the retry posts it again.
That is the at-least-once window of docs/ARCHITECTURE.md; the second test measures it.

`run_faults` (`testkit/worlds/faults_slack.py`) returns the figures; `bench/soak_faults.py`
runs it bigger with Slack's real waits (the CI test shortens the outlet's fixed 5 s / 2 s
back-offs; Retry-After is real).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

import adapters.slack.outlet as slack_outlet
from testkit.worlds.faults_slack import FaultPlan, run_faults

# Each runs for many seconds: the inner loop skips them (`-m 'not reliability'`).
pytestmark = pytest.mark.reliability


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = FaultPlan()
    if plan.fixed_waits is not None:
        monkeypatch.setattr(slack_outlet, "SERVER_ERROR_WAIT", plan.fixed_waits)
        monkeypatch.setattr(slack_outlet, "NETWORK_ERROR_WAIT", plan.fixed_waits)


@pytest.mark.asyncio
async def test_every_nudge_and_reminder_arrives_once_despite_faults(
    tmp_path: Any, short_waits: None
) -> None:
    figures = await run_faults(tmp_path, FaultPlan(seed=random.Random(8).randrange(1000)))
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0 and figures["delivered_twice"] == 0
    assert figures["calls_by_status"].get("429", 0) > 0
    assert figures["calls_by_status"].get("503", 0) > 0 and figures["timeouts"] > 0
    assert figures["failed_for_good"] > 0
    assert 0.15 <= figures["share_429_or_5xx"] <= 0.25
    assert 0.03 <= figures["share_timeouts"] <= 0.08


@pytest.mark.asyncio
async def test_a_lost_answer_is_the_only_way_to_a_second_copy(
    tmp_path: Any, short_waits: None
) -> None:
    """Slack took the message but its answer timed out: the retry finds it in the channel's
    history by its delivery key and does not post it again; nothing is lost."""
    plan = FaultPlan(sets=3, processed_on_timeout=True, timeouts=0.08, seed=11)
    figures = await run_faults(tmp_path, plan)
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0
    assert figures["answers_lost_after_slack_acted"] > 0
    assert figures["delivered_twice"] == 0

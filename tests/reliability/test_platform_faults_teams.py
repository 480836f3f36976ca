"""Platform faults on Teams (issue 20): see `testkit/worlds/faults_teams.py`.

Teams gives no idempotency key for a post, so "exactly once" holds where a stalled call
never reached Teams (the first test); where Teams posted and only its answer was lost, a
retry posts again — at least once, never lost, and never more doubles than lost answers
(the second test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.worlds.faults_teams import TeamsFaultPlan, run_teams_faults

# Each runs for many seconds: the inner loop skips them (`-m 'not reliability'`).
pytestmark = pytest.mark.reliability


@pytest.mark.asyncio
async def test_every_nudge_and_reminder_reaches_teams_once_despite_faults(
    tmp_path: Path,
) -> None:
    figures = await run_teams_faults(tmp_path, TeamsFaultPlan())
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0 and figures["delivered_twice"] == 0
    statuses = figures["calls_by_status"]
    assert statuses.get("429", 0) > 0 and statuses.get("503", 0) > 0
    assert statuses.get("502", 0) > 0 and figures["timeouts"] > 0
    assert figures["retries_after_429"] > 0, "a rate-limited conversation was written to again"
    assert figures["failure_reasons"].keys() == {
        "ConversationBlockedByUser",
        "BotNotInConversationRoster",
        "ConversationNotFound",
    }
    assert 0.12 <= figures["share_429_or_5xx"] <= 0.28
    assert 0.02 <= figures["share_timeouts"] <= 0.09


@pytest.mark.asyncio
async def test_a_lost_answer_may_post_twice_on_teams_but_nothing_is_lost(tmp_path: Path) -> None:
    """Teams posted the message but its answer timed out: with no idempotency key, the
    retry posts it again (at least once). Nothing is lost, and no message is doubled
    but for an answer that was lost."""
    plan = TeamsFaultPlan(sets=3, handled_on_timeout=True, timeouts=0.10, seed=11)
    figures = await run_teams_faults(tmp_path, plan)
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0
    assert figures["answers_lost_after_teams_acted"] > 0
    assert figures["delivered_twice"] <= figures["answers_lost_after_teams_acted"]

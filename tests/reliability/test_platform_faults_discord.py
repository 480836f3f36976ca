"""Platform faults on Discord (issue 8, item 2): see `testkit/worlds/faults_discord.py`.

`bench/soak_faults.py` runs the same with more sets and people.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.worlds.faults_discord import DiscordFaultPlan, run_discord_faults

# Each runs for many seconds: the inner loop skips them (`-m 'not reliability'`).
pytestmark = pytest.mark.reliability


@pytest.mark.asyncio
async def test_every_nudge_and_reminder_reaches_discord_once_despite_faults(
    tmp_path: Path,
) -> None:
    figures = await run_discord_faults(tmp_path, DiscordFaultPlan())
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0 and figures["delivered_twice"] == 0
    statuses = figures["calls_by_status"]
    assert statuses.get("429", 0) > 0 and statuses.get("503", 0) > 0
    assert statuses.get("502", 0) > 0 and figures["timeouts"] > 0
    assert figures["failure_reasons"].keys() == {"50007", "50013", "10003"}
    assert 0.15 <= figures["share_429_or_5xx"] <= 0.25
    assert 0.03 <= figures["share_timeouts"] <= 0.08


@pytest.mark.asyncio
async def test_a_lost_answer_does_not_post_twice_on_discord(tmp_path: Path) -> None:
    """Discord created the message but its answer timed out: the retry sends the same nonce
    with `enforce_nonce`, and Discord hands back the first message instead of a second."""
    plan = DiscordFaultPlan(sets=3, handled_on_timeout=True, timeouts=0.10, seed=11)
    figures = await run_discord_faults(tmp_path, plan)
    print(json.dumps(figures, indent=1))
    assert figures["problems"] == []
    assert figures["lost"] == 0 and figures["delivered_twice"] == 0
    assert figures["answers_lost_after_discord_acted"] > 0
    assert figures["retried_by_nonce_not_reposted"] > 0

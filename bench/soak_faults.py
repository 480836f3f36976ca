"""Platform-faults soak: the platform-fault tests (tests/reliability/test_platform_faults*.py),
with more sets and people, on Slack and on Discord.

The Web API and Discord REST stand-ins answer 429 + Retry-After or 5xx to ~20% of the calls
that deliver and time out on 5%; the timers of every set fire (nudges, reminders, digests).
Each platform runs twice: timeouts where the request never got through, and timeouts where
the platform acted and only its answer was lost.  Unlike the CI test, Slack runs with the
outlet's real back-offs (5 s after a 5xx, 2 s after a network error).  The figures are the
tests': messages, calls by status, retries, permanent failures (recorded and shown to
facilitators), lost (must be 0) and delivered twice (0, except Slack's documented
at-least-once window after a lost answer), and `problems` (must be empty).

    python -m bench.soak_faults [--quick] [--sets N] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adapters.slack.outlet as slack_outlet
from bench.common import emit
from testkit.worlds.faults_discord import DiscordFaultPlan, run_discord_faults
from testkit.worlds.faults_slack import FaultPlan, run_faults


@contextlib.contextmanager
def slack_waits(seconds: float | None) -> Iterator[None]:
    """The CI test shortens the Slack outlet's fixed back-offs; the soak keeps them real."""
    saved = slack_outlet.SERVER_ERROR_WAIT, slack_outlet.NETWORK_ERROR_WAIT
    if seconds is not None:
        slack_outlet.SERVER_ERROR_WAIT = slack_outlet.NETWORK_ERROR_WAIT = seconds
    try:
        yield
    finally:
        slack_outlet.SERVER_ERROR_WAIT, slack_outlet.NETWORK_ERROR_WAIT = saved


async def soak(sets: int, people: int, seed: int, quick: bool) -> dict[str, Any]:
    started = time.perf_counter()
    waits = 0.5 if quick else None
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="alsbot-soak-faults-") as name:
        tmp = Path(name)
        for lost_answers in (False, True):
            suffix = "_answers_lost" if lost_answers else ""
            plan = FaultPlan(
                sets=sets,
                people=people,
                processed_on_timeout=lost_answers,
                fixed_waits=waits,
                client_timeout=1 if quick else 3,
                seed=seed,
            )
            (tmp / f"slack{suffix}").mkdir()
            with slack_waits(plan.fixed_waits):
                runs[f"slack{suffix}"] = await run_faults(tmp / f"slack{suffix}", plan)
            dplan = DiscordFaultPlan(
                sets=sets,
                people=people,
                handled_on_timeout=lost_answers,
                client_timeout=1.5 if quick else 5.0,
                retry_after=0.5 if quick else 1.0,
                seed=seed,
            )
            (tmp / f"discord{suffix}").mkdir()
            runs[f"discord{suffix}"] = await run_discord_faults(tmp / f"discord{suffix}", dplan)
    ok = all(not r["problems"] and r["lost"] == 0 for r in runs.values())
    ok = ok and all(r["delivered_twice"] == 0 for k, r in runs.items() if k != "slack_answers_lost")
    return {
        "benchmark": "soak_faults",
        "seed": seed,
        "ok": ok,
        "run_seconds": round(time.perf_counter() - started, 1),
        **runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the tests' size, short waits")
    parser.add_argument("--sets", type=int, default=None)
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    sets = args.sets or (4 if args.quick else 40)
    people = args.people or (5 if args.quick else 8)
    result = asyncio.run(soak(sets, people, args.seed, args.quick))
    emit(result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

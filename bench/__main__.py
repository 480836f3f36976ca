"""`python -m bench [--quick] [--only NAME …]`: run every benchmark, one JSON line each.

Each benchmark runs in its own process (a clean heap for memory figures) and compares
itself against its floor in the same run, so ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The suite, in order (issue 7).  Named, not discovered: the soak_* scripts run for many
# minutes and are run on their own.
BENCHMARKS = (
    "slack_event_path",
    "discord_event_path",
    "teams_event_path",
    "many_rounds",
    "restart",
    "nudge_claims",
    "nudge_dispatch",
    "advice_quality",
    "report_pages",
    "offer_matching",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="about a minute in all")
    parser.add_argument(
        "--only", nargs="*", default=None, choices=BENCHMARKS, help="run just these benchmarks"
    )
    args = parser.parse_args()
    failures = 0
    for name in args.only or BENCHMARKS:
        started = time.perf_counter()
        command = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])]
        result = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode != 0 or not lines:
            failures += 1
            print(json.dumps({"benchmark": name, "error": result.stderr.strip()[-2000:]}))
            continue
        for line in lines:
            record = json.loads(line)
            record.setdefault("wall_seconds", round(time.perf_counter() - started, 1))
            print(json.dumps(record, separators=(",", ":")))
        sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

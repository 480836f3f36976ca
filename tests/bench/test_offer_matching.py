"""The matching bench runs end to end at its quick size and says what it measured: each
size's ranking and `/als want` through the real core, in a bounded number of statements
whatever the set's size (the ranking is in memory, not a query per item)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.reliability
def test_the_matching_bench_runs_and_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.offer_matching", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("{")]
    figures = json.loads(line)
    assert figures["benchmark"] == "offer_matching"
    sizes = figures["sizes"]
    assert [s["items"] for s in sizes] == [40, 160]
    assert sizes[0]["statements_per_want"] == sizes[1]["statements_per_want"]
    for size in sizes:
        assert size["rank_ms"]["p50"] > 0 and size["want_ms"]["p50"] > 0

"""The report bench runs end to end at its quick size and says what it measured: its pages
answer through the real server, and the report stays a fixed number of statements."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.reliability
def test_the_report_bench_runs_and_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.report_pages", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("{")]
    figures = json.loads(line)
    assert figures["benchmark"] == "report_pages" and figures["sessions"] == 24
    assert figures["statements_per_report"] <= 10
    for key in ("gather_ms", "charts_ms", "toolkit_view_ms", "report_view_ms"):
        assert figures[key]["p50"] > 0

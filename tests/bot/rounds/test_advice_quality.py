"""The advice detector meets its target on the labelled messages, and the held-out
messages (written after tuning, never tuned against) are reported and kept from sliding.

`python -m bench.advice_quality --misses` shows which messages are misread.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from bench.advice_quality import HELD_OUT, LABELLED, TARGET_PRECISION, TARGET_RECALL, load, score
from bot.rounds.advice import Kind

ISSUE_13_EXAMPLES = (
    "In my experience a rota app works well.",
    "Maybe a WhatsApp group would help?",
    "Could you try asking the council for funding?",
    "Wouldn't a shared calendar fix it?",
    "have u tried mentoring?",
    "We did exactly this in Bexley, you have to get the councillors on board first.",
)


def test_the_labelled_set_is_big_varied_and_holds_the_issues_examples() -> None:
    examples = load(LABELLED)
    assert len(examples) >= 200
    assert {e.label for e in examples} == set(Kind)
    advice = {e.text for e in examples if e.label is Kind.ADVICE}
    assert set(ISSUE_13_EXAMPLES) <= advice
    opens = {e.text for e in examples if e.label is Kind.OPEN_QUESTION}
    assert {"What would you try first?", "What do you think you should do?"} <= opens
    assert len({e.text for e in examples}) == len(examples), "a message is labelled twice"
    held = load(HELD_OUT)
    assert len(held) >= 60
    assert not {e.text for e in held} & {e.text for e in examples}


def test_the_labelled_set_meets_the_target() -> None:
    result = score(load(LABELLED))
    assert result["advice_recall"] >= TARGET_RECALL, result
    assert result["advice_precision"] >= TARGET_PRECISION, result
    assert result["meets_target"]


def test_held_out_figures_are_reported_and_do_not_slide(capsys: pytest.CaptureFixture[str]) -> None:
    result = score(load(HELD_OUT), misses=True)
    with capsys.disabled():
        print(
            f"\nheld-out advice: recall {result['advice_recall']}, "
            f"precision {result['advice_precision']} on {result['messages']} messages"
        )
    # The held-out file's first, blind score: recall 0.90, precision 1.00. (Two earlier
    # held-out files scored 0.82 / 0.97 and 0.80 / 0.97 blind, then joined the labelled
    # set.) A change that loses ground here is fitting the labelled set, not reading better.
    assert result["advice_recall"] >= 0.90, result["missed_advice"]
    assert result["advice_precision"] >= 0.95, result["false_advice"]


def test_a_label_the_scorer_does_not_know_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["label", "text"], ["advise", "Try a rota."]])
    with pytest.raises(ValueError, match="line 2"):
        load(path)


def test_the_script_prints_one_json_line_per_file() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "bench.advice_quality"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    lines = ran.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all('"benchmark":"advice_quality"' in line for line in lines)
    assert '"file":"advice_labelled.csv"' in lines[0] and '"meets_target":true' in lines[0]

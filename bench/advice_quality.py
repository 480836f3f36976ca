"""`python -m bench.advice_quality [--misses] [FILE …]`: how well the advice detector reads
supporters' messages, as one JSON line per labelled file.

The labelled files are in `tests/bot/rounds/`: `advice_labelled.csv` (written before the
detector was tuned, and tuned against) and `advice_heldout.csv` (written after tuning and
never tuned against — its figures are the honest ones). A held-out file once tuned against
joins the labelled one, and a new held-out file is written after that tuning. Each row is `label,text`, the label
one of `advice`, `open`, `closed`, `other`. Advice is the class that matters: a missed piece
of advice goes unremarked (recall), a question called advice annoys a supporter who did
nothing wrong (precision), so the target is recall ≥ 0.90 at precision ≥ 0.95.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import emit
from bot.rounds.advice import Kind, classify

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "bot" / "rounds"
LABELLED = DATA / "advice_labelled.csv"
HELD_OUT = DATA / "advice_heldout.csv"
TARGET_RECALL = 0.90
TARGET_PRECISION = 0.95

LABELS = {
    "advice": Kind.ADVICE,
    "open": Kind.OPEN_QUESTION,
    "closed": Kind.CLOSED_QUESTION,
    "other": Kind.OTHER,
}


@dataclass(frozen=True, slots=True)
class Example:
    label: Kind
    text: str


def load(path: Path) -> list[Example]:
    """Read a labelled file; an unknown label is an error, not a silently dropped row."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    examples = []
    for number, row in enumerate(rows, start=2):
        label = row["label"].strip()
        if label not in LABELS:
            raise ValueError(f"{path.name} line {number}: unknown label {label!r}")
        examples.append(Example(LABELS[label], row["text"]))
    return examples


def score(examples: list[Example], *, misses: bool = False) -> dict[str, Any]:
    """Advice recall and precision, per-class accuracy and the confusion counts."""
    began = time.perf_counter()
    said = [classify(example.text) for example in examples]
    seconds = time.perf_counter() - began
    pairs = list(zip(examples, said, strict=True))
    true_pos = sum(1 for ex, got in pairs if ex.label is Kind.ADVICE and got is Kind.ADVICE)
    labelled = sum(1 for ex in examples if ex.label is Kind.ADVICE)
    flagged = sum(1 for got in said if got is Kind.ADVICE)
    recall = true_pos / labelled if labelled else 1.0
    precision = true_pos / flagged if flagged else 1.0
    confusion = Counter(f"{ex.label.value}->{got.value}" for ex, got in pairs)
    result: dict[str, Any] = {
        "messages": len(examples),
        "advice": labelled,
        "flagged_as_advice": flagged,
        "advice_recall": round(recall, 3),
        "advice_precision": round(precision, 3),
        "meets_target": recall >= TARGET_RECALL and precision >= TARGET_PRECISION,
        "target": {"recall": TARGET_RECALL, "precision": TARGET_PRECISION},
        "four_way_accuracy": round(sum(ex.label is got for ex, got in pairs) / len(pairs), 3)
        if pairs
        else 1.0,
        "confusion": dict(sorted(confusion.items())),
        "ms_per_message": round(1000 * seconds / max(1, len(examples)), 3),
    }
    if misses:
        result["missed_advice"] = [
            ex.text for ex, got in pairs if ex.label is Kind.ADVICE and got is not Kind.ADVICE
        ]
        result["false_advice"] = [
            f"{ex.label.value}: {ex.text}"
            for ex, got in pairs
            if ex.label is not Kind.ADVICE and got is Kind.ADVICE
        ]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="labelled CSV files")
    parser.add_argument("--misses", action="store_true", help="list what was misread")
    parser.add_argument("--quick", action="store_true", help="accepted for `python -m bench`")
    args = parser.parse_args()
    files = args.files or [path for path in (LABELLED, HELD_OUT) if path.exists()]
    for path in files:
        result = {"benchmark": "advice_quality", "file": path.name}
        result.update(score(load(path), misses=args.misses))
        emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

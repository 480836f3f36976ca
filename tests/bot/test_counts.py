"""Counts in words, the same everywhere."""

from __future__ import annotations

from bot.counts import counted, tally


def test_counted_reads_naturally() -> None:
    assert counted(0, "rating") == "0 ratings"
    assert counted(1, "rating") == "1 rating"
    assert counted(2, "rating") == "2 ratings"
    assert counted(1, "do", "do's") == "1 do"
    assert counted(2, "do", "do's") == "2 do's"


def test_tally_most_given_first_case_folded() -> None:
    assert tally(["Energising", "focused", None, "", "energising"]) == "energising ×2, focused"
    assert tally(["a", "b", "b", "c", "c", "c"], limit=2) == "c ×3, b ×2"
    assert tally([]) == ""

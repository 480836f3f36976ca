"""The readers of the settings issue 13 added: each value as people type it, stored one way."""

from __future__ import annotations

import pytest

from bot.sets.settings import SETTINGS


@pytest.mark.parametrize(
    ("said", "stored"),
    [("10", "10:00"), ("10am", "10:00"), ("9:15", "09:15"), ("10.30", "10:30"),
     ("2pm", "14:00"), ("2", "14:00"), ("noon", "12:00"), ("off", ""), ("last", "")],
)  # fmt: skip
def test_default_time_reads_as_a_session_time_does(said: str, stored: str) -> None:
    assert SETTINGS["default_time"].read(said) == stored


@pytest.mark.parametrize("said", ["13pm", "25:00", "tea time"])
def test_default_time_refuses_what_is_no_time(said: str) -> None:
    with pytest.raises(ValueError, match="a time of day"):
        SETTINGS["default_time"].read(said)


def test_locale_and_ground_rules() -> None:
    assert SETTINGS["locale"].read("en-GB") == "uk" and SETTINGS["locale"].read("US") == "us"
    with pytest.raises(ValueError):
        SETTINGS["locale"].read("fr")
    assert SETTINGS["ground_rules"].read("default") == ""
    with pytest.raises(ValueError, match="1,500"):
        SETTINGS["ground_rules"].read("x" * 1501)

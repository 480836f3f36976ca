"""One reader for time-zone names: every kind of bad name is refused the same way."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.dates.zones import UnknownZone, read_zone, zone_or

BAD = [
    "Mars/Base",  # unknown
    "../etc/passwd",  # malformed: ZoneInfo refuses it with ValueError
    "Europe/" + "A" * 300,  # too long for a path: OSError inside ZoneInfo
    "Europe/Lon\0don",  # a NUL byte
    "",
]


def test_a_known_name_is_read() -> None:
    assert read_zone("America/New_York") == ZoneInfo("America/New_York")


@pytest.mark.parametrize("name", BAD)
def test_every_bad_name_is_one_kind_of_error_quoting_a_short_name(name: str) -> None:
    with pytest.raises(UnknownZone, match="is unknown") as refused:
        read_zone(name)
    assert isinstance(refused.value, ValueError), "callers that catch ValueError still work"
    assert len(str(refused.value)) < 60, "a long name is cut, not echoed whole"


@pytest.mark.parametrize("name", BAD)
def test_the_first_known_name_wins_and_bad_ones_are_skipped(name: str) -> None:
    assert zone_or(name, None, "Asia/Tokyo", "Europe/Paris") == ZoneInfo("Asia/Tokyo")
    assert zone_or(name, None) == ZoneInfo("UTC")
    assert zone_or(name, fallback="Europe/London") == ZoneInfo("Europe/London")

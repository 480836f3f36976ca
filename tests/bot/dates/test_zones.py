"""One reader for time-zone names: every kind of bad name is refused the same way."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.dates.zones import UnknownZone, choose_zone, read_zone, zone_or

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


# --------------------------------------------------------------------------- choose_zone


@pytest.mark.parametrize(
    ("said", "zone"),
    [
        ("London", "Europe/London"),
        ("london", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Edinburgh", "Europe/London"),
        ("Cardiff", "Europe/London"),
        ("Belfast", "Europe/London"),  # a link in tzdata: stored as its target
        ("UK", "Europe/London"),
        ("Northern Ireland", "Europe/London"),
        ("Ireland", "Europe/Dublin"),
        ("Dublin", "Europe/Dublin"),
        ("Paris", "Europe/Paris"),
        ("São Paulo", "America/Sao_Paulo"),
        ("st johns", "America/St_Johns"),
        ("US Pacific", "America/Los_Angeles"),
        ("US/Eastern", "America/New_York"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("europe/london", "Europe/London"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),  # listed by its country: kept as it is
        ("Iceland", "Atlantic/Reykjavik"),
    ],
)
def test_cities_aliases_and_old_names_resolve_to_a_place(said: str, zone: str) -> None:
    choice = choose_zone(said)
    assert choice.name == zone and choice.said == said
    assert choice.warning is None
    assert read_zone(choice.name).key == zone


def test_bst_is_london_with_a_note() -> None:
    choice = choose_zone("BST")
    assert choice.name == "Europe/London" and choice.warning is None
    assert choice.note is not None and "summer time" in choice.note


@pytest.mark.parametrize("said", ["GMT", "utc", "Etc/GMT", "Greenwich", "Etc/UTC", "Zulu"])
def test_utc_by_any_name_is_kept_with_a_warning_suggesting_london(said: str) -> None:
    choice = choose_zone(said)
    assert choice.name.casefold() == said.casefold()
    assert choice.warning is not None and "does not change for summer time" in choice.warning
    assert choice.suggest == "Europe/London"


def test_a_fixed_offset_warns_about_its_reversed_sign() -> None:
    choice = choose_zone("Etc/GMT+5")
    assert choice.name == "Etc/GMT+5" and choice.warning is not None
    assert "5 hours behind UTC" in choice.warning and choice.suggest is None


@pytest.mark.parametrize(
    "said",
    ["Factory", "posixrules", "localtime", "right/Europe/London", "posix/Europe/London",
     "SystemV/EST5", "FACTORY"],
)  # fmt: skip
def test_zones_that_are_no_place_are_refused(said: str) -> None:
    with pytest.raises(UnknownZone, match="is not a place's zone"):
        choose_zone(said)


def test_a_time_naming_several_places_is_refused_with_the_candidates() -> None:
    with pytest.raises(UnknownZone) as refused:
        choose_zone("IST")
    assert "Asia/Kolkata" in str(refused.value) and "Europe/Dublin" in str(refused.value)


@pytest.mark.parametrize("name", BAD)
def test_the_strict_reader_refuses_what_the_lenient_one_does(name: str) -> None:
    with pytest.raises(UnknownZone):
        choose_zone(name)


def test_stored_names_no_longer_accepted_still_load_for_nudges() -> None:
    """A row saved before the strict reader (`localtime`, `Factory`) must still be read."""
    assert zone_or("Factory", "Europe/Paris") == ZoneInfo("Factory")
    assert zone_or("GMT") == ZoneInfo("GMT")


def test_a_name_differing_only_in_spelling_is_not_called_a_translation() -> None:
    assert not choose_zone("europe/london").translated
    assert not choose_zone("utc").translated
    assert choose_zone("London").translated and choose_zone("BST").translated

"""Time-zone names read in one place, so every reader refuses the same bad names.

A zone name comes from people (`/als settings timezone …`), from the config and from rows
stored long ago, and the two directions want different things:

* `read_zone` / `zone_or` load any name this machine can load. They read stored names and
  must stay lenient: a row saved under an older rule must never stop a nudge. `ZoneInfo`
  turns a bad name into any of three exceptions — unknown, malformed and (it is looked up as
  a file) too long for a path — and missing the third once crashed `alsbot check-config`.
* `choose_zone` reads what a person typed, strictly: a place's zone ("Europe/London"), a city
  ("London", "new york"), or a name from a small alias table ("UK", "NYC", "US Eastern").
  Fixed offsets (GMT, UTC, Etc/…) are accepted with a warning, because a UK set that says GMT
  meets an hour off all summer; zones that are no place at all (`Factory`, `localtime`,
  `posixrules`, `right/…`, `posix/…`) are refused, as is a city name shared by several zones.

The city table is derived from the zone database (the `tzdata` package: `tzdata.zi` for
zones and links, `zone.tab` for each country's listed zones), so it grows with tzdata. A link
that no country lists (Europe/Belfast, Asia/Calcutta, US/Eastern) is stored as its target,
so a set never keeps a name the database only keeps for backward compatibility.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_SHOWN = 40  # characters of a bad name quoted back: enough to spot the typo
_CANDIDATES = 6  # how many zones an ambiguous name lists

__all__ = ["UnknownZone", "ZoneChoice", "choose_zone", "read_zone", "zone_or"]


class UnknownZone(ValueError):
    """Not a time zone this machine knows; the message quotes (the start of) the name."""


def _quoted(name: str) -> str:
    return repr(name[:_SHOWN]) + ("…" if len(name) > _SHOWN else "")


def read_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise UnknownZone(f"{_quoted(name)} is unknown") from None


def zone_or(*names: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The first of `names` that is a known zone (a person's own, then their set's, …),
    else `fallback`: a stored name that stopped being valid must not stop a nudge."""
    for name in names:
        if name:
            try:
                return read_zone(name)
            except UnknownZone:
                continue
    return ZoneInfo(fallback)


# --------------------------------------------------------------------------- choosing


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """The zone to store for what someone typed, and what to tell them about it.

    `note` explains a translation ("BST is London's summer time"); `warning` is for a name
    accepted but probably wrong (a fixed offset), and `suggest` is the zone to offer instead.
    """

    name: str
    said: str
    note: str | None = None
    warning: str | None = None
    suggest: str | None = None

    @property
    def translated(self) -> bool:
        """Whether the stored name differs from what was typed by more than its spelling."""
        return self.name.casefold() != self.said.casefold().replace(" ", "_")


# Names for no place: a leap-second variant, a placeholder, the machine's own setting.
_NOT_PLACES = {"factory", "localtime", "posixrules"}
_NOT_PLACE_AREAS = ("posix/", "right/", "systemv/")
# The names of UTC itself; each is stored as typed (in the database's spelling), with a warning.
_UTC_NAMES = {"GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "UTC", "UCT", "Universal", "Zulu"}
_UK = "Europe/London"

# Names that are not cities in the database: countries, nations, cities it lists under
# another name, and the US time-zone names people use. Keys are compared compacted (`_key`).
_ALIASES = {
    "uk": _UK, "unitedkingdom": _UK, "britain": _UK, "greatbritain": _UK, "gb": _UK,
    "gbeire": _UK, "england": _UK, "scotland": _UK, "wales": _UK, "cymru": _UK,
    "northernireland": _UK, "edinburgh": _UK, "glasgow": _UK, "cardiff": _UK,
    "manchester": _UK, "birmingham": _UK, "leeds": _UK, "liverpool": _UK, "bristol": _UK,
    "ireland": "Europe/Dublin", "eire": "Europe/Dublin", "republicofireland": "Europe/Dublin",
    "nyc": "America/New_York", "newyorkcity": "America/New_York",
    "washingtondc": "America/New_York", "boston": "America/New_York",
    "sanfrancisco": "America/Los_Angeles", "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "hawaii": "Pacific/Honolulu",
    "alaska": "America/Anchorage", "iceland": "Atlantic/Reykjavik",
}  # fmt: skip
# Time names, not places: each maps to the place whose clocks it names, with a note.
_TIME_NAMES = {
    "bst": _UK, "britishsummertime": _UK,
    "est": "America/New_York", "edt": "America/New_York", "est5edt": "America/New_York",
    "eastern": "America/New_York", "useastern": "America/New_York",
    "easterntime": "America/New_York",
    "central": "America/Chicago", "uscentral": "America/Chicago",
    "centraltime": "America/Chicago", "cdt": "America/Chicago", "cst6cdt": "America/Chicago",
    "mountain": "America/Denver", "usmountain": "America/Denver",
    "mountaintime": "America/Denver", "mdt": "America/Denver", "mst7mdt": "America/Denver",
    "pacific": "America/Los_Angeles", "uspacific": "America/Los_Angeles",
    "pacifictime": "America/Los_Angeles", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "pst8pdt": "America/Los_Angeles",
    "hst": "Pacific/Honolulu",
}  # fmt: skip
# Time names that name several places: refused with the places.
_AMBIGUOUS_TIMES = {
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "mst": ("America/Denver", "America/Phoenix"),
    "cet": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome"),
    "cest": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome"),
    "met": ("Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome"),
    "eet": ("Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Africa/Cairo"),
    "wet": ("Europe/Lisbon", "Atlantic/Canary", "Atlantic/Faroe"),
}
# Areas kept for backward compatibility, whose last part names no city ("US/Eastern").
_NO_CITY_AREAS = {"US", "Canada", "Brazil", "Mexico", "Chile", "Etc"}


def _key(name: str) -> str:
    """Case, accents, spaces, underscores, hyphens, dots and apostrophes do not matter."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[\s_\-.'’]+", "", "".join(c for c in plain if not unicodedata.combining(c)))


@dataclass(frozen=True)
class _Database:
    exact: dict[str, str]  # casefolded full name → its spelling in the database
    stored_as: dict[str, str]  # a full name → the name to store (a link's target)
    cities: dict[str, frozenset[str]]  # compacted last part → the zones it may mean


@cache
def _database() -> _Database:
    names = {n for n in available_timezones() if not _not_a_place(n)}
    listed, links = _tzdata_tables()
    stored_as: dict[str, str] = {}
    for name in names:
        target = links.get(name, name)
        stored_as[name] = target if name not in listed and target in names else name
    cities: dict[str, set[str]] = {}
    for name, stored in stored_as.items():
        area, _, city = name.rpartition("/")
        if area and area.split("/")[0] not in _NO_CITY_AREAS:
            cities.setdefault(_key(city), set()).add(stored)
    return _Database(
        exact={n.casefold(): n for n in names},
        stored_as=stored_as,
        cities={k: frozenset(v) for k, v in cities.items()},
    )


def _tzdata_tables() -> tuple[set[str], dict[str, str]]:
    """(zones some country lists, link → target) from the `tzdata` package; empty when it
    cannot be read, so every name is then taken as it is."""
    try:
        base = resources.files("tzdata").joinpath("zoneinfo")
        zone_tab = base.joinpath("zone.tab").read_text(encoding="utf-8")
        source = base.joinpath("tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):  # pragma: no cover - tzdata is a dependency
        return set(), {}
    listed = {
        line.split("\t")[2] for line in zone_tab.splitlines() if line and not line.startswith("#")
    }
    links = {}
    for line in source.splitlines():
        if line.startswith("L "):
            _, target, link = line.split()
            links[link] = target
    return listed, links


def _not_a_place(name: str) -> bool:
    lowered = name.casefold()
    return lowered in _NOT_PLACES or lowered.startswith(_NOT_PLACE_AREAS)


def choose_zone(said: str) -> ZoneChoice:
    """The zone a person means by `said`; UnknownZone (a ValueError) with a sentence that
    completes "… must be " when it names no place's zone, or more than one."""
    raw = " ".join(said.split())
    if not raw:
        raise UnknownZone("a time zone such as Europe/London, or a city such as London")
    if _not_a_place(raw):
        raise UnknownZone(
            f"a place's time zone such as Europe/London or a city such as London "
            f"({_quoted(raw)} is not a place's zone)"
        )
    db = _database()
    full = db.exact.get(raw.casefold().replace(" ", "_"))
    key = _key(raw)
    if full in _UTC_NAMES or (full or "").startswith("Etc/"):
        return _fixed(full or raw, raw)
    if key in _AMBIGUOUS_TIMES:
        raise _several(raw, _AMBIGUOUS_TIMES[key], "is a time, not a place, and names several")
    if key in _TIME_NAMES:
        place = _TIME_NAMES[key]
        note = (
            f"{raw} is a time, not a place; {place} keeps its clocks, summer and winter"
            if key not in ("bst", "britishsummertime")
            else f"BST is not a zone: it is the UK's summer time, and {_UK} changes between "
            "GMT and BST by itself"
        )
        return ZoneChoice(place, raw, note=note)
    if full is not None and "/" in full:
        return ZoneChoice(db.stored_as[full], raw)
    if key in _ALIASES:
        return ZoneChoice(_ALIASES[key], raw)
    if full is not None:  # a legacy name for a place (Japan, Poland): stored as its target
        return ZoneChoice(db.stored_as[full], raw)
    places = db.cities.get(key, frozenset())
    if len(places) == 1:
        return ZoneChoice(next(iter(places)), raw)
    if places:
        raise _several(raw, sorted(places), "names several places")
    raise UnknownZone(
        f"a time zone name such as Europe/London, or a city such as London or New York "
        f"({_quoted(raw)} is not one I know)"
    )


def _several(raw: str, places: tuple[str, ...] | list[str], why: str) -> UnknownZone:
    shown = list(places[:_CANDIDATES]) + (["…"] if len(places) > _CANDIDATES else [])
    return UnknownZone(f"one of {', '.join(shown)} ({_quoted(raw)} {why})")


def _fixed(name: str, raw: str) -> ZoneChoice:
    """UTC by any name, or a fixed offset: kept as asked, with a warning and a suggestion."""
    offset = re.fullmatch(r"Etc/GMT([+-])(\d+)", name)
    if offset:
        ahead = "behind" if offset[1] == "+" else "ahead of"
        return ZoneChoice(
            name,
            raw,
            warning=f"{name} is a fixed offset, {offset[2]} hours {ahead} UTC (the sign is "
            "reversed in these names), and never changes for summer time; a city's zone "
            "follows its clocks",
        )
    shown = name.removeprefix("Etc/")
    return ZoneChoice(
        name,
        raw,
        warning=f"{shown} does not change for summer time, so in the UK sessions would run an "
        "hour off from March to October",
        suggest=_UK,
    )

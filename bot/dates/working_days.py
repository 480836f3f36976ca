"""Working days: what the bot sends people lands Monday to Friday in their own zone.

A set that meets on Monday would otherwise hear from the bot on Sunday: the reminder and the
digest a day before, a nudge a day before. Unless the set sends at weekends (the setting
`send_on_weekends`), a moment that falls on a Saturday or Sunday in the recipient's zone
moves to the Friday before at the same wall-clock time (`working_day`). Quiet hours are
applied after that, and the two are composed so that the result is never on a weekend:

* weekend first, then quiet hours (`send_slot`): a Friday slot inside the quiet hours moves
  to their end — unless that end is Saturday morning (quiet from 20:00, a slot at 22:00), in
  which case it moves back to the start of that Friday's free hours (08:00);
* a slot that moving made past (the session was planned on Friday afternoon for Monday) is
  not lost: it goes at the next moment that is a working day outside quiet hours, which is
  `now` itself on a weekday afternoon, and Monday when planned at the weekend (the caller
  drops it if that is not before the session — a "1d" reminder for Monday 10:00 planned on
  Saturday; the "1h" reminder still goes);
* a slot in the past before any moving stays past: the caller drops it, as it always did.

`next_working` is the forward direction, for things that start from now (a snooze, a nudge
claimed inside quiet hours): the first working moment at or after a moment. Pure functions,
like `bot.dates.local_times`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dates.local_times import Quiet, at_local, in_quiet, out_of_quiet

__all__ = ["SATURDAY", "is_weekend", "next_working", "send_slot", "working_day"]

SATURDAY = 5  # date.weekday(): Saturday and Sunday are 5 and 6


def is_weekend(moment: datetime, tz: ZoneInfo) -> bool:
    return moment.astimezone(tz).weekday() >= SATURDAY


def working_day(moment: datetime, tz: ZoneInfo, allow_weekends: bool = False) -> datetime:
    """`moment`, or — on a Saturday or Sunday in `tz` — the Friday before at the same local
    time (a time that Friday lacks, in a spring-forward gap, moves to the first that exists)."""
    local = moment.astimezone(tz)
    if allow_weekends or local.weekday() < SATURDAY:
        return moment
    friday = local.date() - timedelta(days=local.weekday() - 4)
    return at_local(friday, local.time().replace(tzinfo=None, fold=0), tz)


def next_working(
    moment: datetime, tz: ZoneInfo, quiet: Quiet = None, allow_weekends: bool = False
) -> datetime:
    """The first moment at or after `moment` that is outside the quiet hours and (unless
    weekends are allowed) on a weekday in `tz`: a weekend moves to Monday at the same local
    time, then out of the quiet hours again. Two rounds settle it (a quiet window ends at
    most a day later, so Monday's ends on Tuesday at the latest); more guard a quiet window
    that is never left."""
    for _ in range(4):
        settled = out_of_quiet(moment, tz, quiet)
        local = settled.astimezone(tz)
        if not allow_weekends and local.weekday() >= SATURDAY:
            monday = local.date() + timedelta(days=7 - local.weekday())
            settled = at_local(monday, local.time().replace(tzinfo=None, fold=0), tz)
        if settled == moment:
            return moment
        moment = settled
    return moment


def send_slot(
    wanted: datetime,
    *,
    now: datetime,
    tz: ZoneInfo,
    quiet: Quiet = None,
    allow_weekends: bool = False,
) -> datetime:
    """When to send what would ideally go at `wanted`, for someone in `tz` with `quiet`
    hours: weekend first, then quiet hours, never landing back on a weekend; a slot that
    only the moving made past goes at the next working moment from `now` (see the module
    docstring). The caller still checks that the result is after `now` and in time."""
    slot = working_day(wanted, tz, allow_weekends)
    later = out_of_quiet(slot, tz, quiet)
    if not allow_weekends and is_weekend(later, tz):
        later = _free_from(slot, tz, quiet)
    if later >= now or wanted < now:
        return later
    return next_working(now, tz, quiet, allow_weekends)


def _free_from(slot: datetime, tz: ZoneInfo, quiet: Quiet) -> datetime:
    """The start of the free hours before `slot` on its own day: the end of the quiet hours
    that morning. Only asked when the quiet hours starting that evening run into Saturday,
    so that end is on the same day and not itself quiet."""
    assert quiet is not None  # without quiet hours a weekday slot never moves
    local = slot.astimezone(tz)
    start = at_local(local.date(), quiet[1], tz)
    return start if not in_quiet(start.astimezone(tz).time(), quiet) else slot

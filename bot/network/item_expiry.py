"""Offers and wants do not linger: each lasts the set's `offer_days` (90 by default), its
author is reminded by DM a week before with [Keep it] and [Remove], and at the end it
expires and its author is told once.

Both moments are timer rows (kinds `offer_reminder` and `offer_expiry`, for wants as well
as offers) whose dedupe keys carry the item's `expires_at`: [Keep it] moves `expires_at`,
cancels the old pair and plans a new one, and a timer that still fires for an old
`expires_at` (moved out of quiet hours before the extension, say) finds the row changed and
skips with a note. Exactly once across processes comes from the timer claim and from the
conditional `UPDATE … WHERE status = 'open' AND expires_at = … RETURNING` on the item, which
only one transaction can win. A DM due inside its author's quiet hours waits for their end,
and one due at a weekend for Monday unless the set sends at weekends (the item then lasts
that much longer; lists hide it from `expires_at` on).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot import timers
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.dates.local_times import in_quiet
from bot.dates.working_days import next_working
from bot.events import ButtonPressed
from bot.followup import timer_checks
from bot.network import item_words
from bot.network.hooks import ITEM_GONE, ITEM_SAVED
from bot.refs import UserRef
from bot.replies import Button, Direct, Edit, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import NetworkItem, Timer

ITEMS = NetworkItem.__table__
TIMERS = Timer.__table__
REMINDER = "offer_reminder"
EXPIRY = "offer_expiry"
BUTTON = "offer"  # [Keep it] / [Remove] on the reminder: `offer:keep`, `offer:remove`
REMIND_BEFORE = timedelta(days=7)


def expires_from(ctx: Ctx, set_info: SetInfo) -> datetime:
    """Now plus the set's `offer_days`, to the whole second (the value goes into timer
    dedupe keys and button values, and is compared for equality on both databases)."""
    days = int(set_info.setting(ctx, "offer_days"))
    return (ctx.now + timedelta(days=days)).replace(microsecond=0)


def _stamp(expires_at: datetime) -> int:
    return int(expires_at.timestamp())


def _keys(item_id: int, expires_at: datetime) -> tuple[str, str]:
    stamp = _stamp(expires_at)
    return f"{REMINDER}:{item_id}:{stamp}", f"{EXPIRY}:{item_id}:{stamp}"


async def plan(ctx: Ctx, item_id: int, set_id: int, author_key: str, expires_at: datetime) -> None:
    """The reminder (when a week before is still ahead) and the expiry of one item."""
    remind_key, expiry_key = _keys(item_id, expires_at)
    payload = {"item": item_id, "set": set_id, "expires_at": expires_at.isoformat()}
    remind_at = expires_at - REMIND_BEFORE
    if remind_at > ctx.now + timedelta(days=1):  # `offer_days 7` leaves no week to remind in
        await timers.schedule(
            ctx.conn,
            kind=REMINDER,
            due_at=remind_at,
            subject=author_key,
            payload=payload,
            dedupe=remind_key,
        )
    await timers.schedule(
        ctx.conn,
        kind=EXPIRY,
        due_at=expires_at,
        subject=author_key,
        payload=payload,
        dedupe=expiry_key,
    )


async def unplan(ctx: Ctx, item_id: int, expires_at: datetime, note: str) -> None:
    """Cancel the pending pair planned for this `expires_at` (moved copies skip by
    themselves: they find `expires_at` or the status changed)."""
    await ctx.conn.execute(
        update(TIMERS)
        .where(TIMERS.c.dedupe.in_(_keys(item_id, expires_at)), TIMERS.c.status == "pending")
        .values(status="cancelled", note=note)
    )


async def saved(ctx: Ctx, set_info: SetInfo, item_id: int) -> None:
    """Tell every `ITEM_SAVED` handler (the matcher) about a new or changed item."""
    for hook in ctx.hooks(ITEM_SAVED):
        await hook(ctx, set_info, item_id)


async def close(ctx: Ctx, set_info: SetInfo, row: Any, status: str) -> bool:
    """Take an open item out of the set (`removed`, `expired`): its timers go and every
    `ITEM_GONE` handler hears of it. False when another event closed it first."""
    done = await ctx.conn.execute(
        update(ITEMS)
        .where(ITEMS.c.id == row.id, ITEMS.c.status == "open", ITEMS.c.expires_at == row.expires_at)
        .values(status=status, updated_at=ctx.now)
        .returning(ITEMS.c.id)
    )
    if done.first() is None:
        return False
    await unplan(ctx, row.id, row.expires_at, status)
    for hook in ctx.hooks(ITEM_GONE):
        await hook(ctx, set_info, row.id)
    return True


async def item_row(ctx: Ctx, item_id: int) -> Any:
    return (await ctx.conn.execute(select(ITEMS).where(ITEMS.c.id == item_id))).first()


# --------------------------------------------------------------------------- timers


async def _due_item(ctx: Ctx, timer: timers.DueTimer) -> tuple[Any, SetInfo] | str:
    """The item and its set when the timer still applies, else the skip note."""
    row = await item_row(ctx, int(timer.payload.get("item", 0)))
    if row is None:
        return "skipped: the item is gone"
    if row.status != "open":
        return f"skipped: the item is {row.status}"
    if row.expires_at != datetime.fromisoformat(str(timer.payload.get("expires_at"))):
        return "skipped: the item was extended"
    set_info = await sets.set_by_id(ctx.conn, row.set_id)
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    return row, set_info


async def _moved_to_working_hours(
    ctx: Ctx, timer: timers.DueTimer, set_info: SetInfo, person: timer_checks.PersonState
) -> str | None:
    """A DM waits for the end of its author's quiet hours, and for Monday unless the set
    sends at weekends (`send_on_weekends`), as nudges do (`bot.dates.working_days`)."""
    weekends = bool(set_info.setting(ctx, "send_on_weekends"))
    later = next_working(ctx.now, person.tz, person.quiet, weekends)
    if later == ctx.now:
        return None
    why = (
        "quiet hours"
        if in_quiet(ctx.now.astimezone(person.tz).time(), person.quiet)
        else "the weekend"
    )
    return await timer_checks.moved(ctx, timer, later, why)


def handle_prefix(item_id: int) -> str:
    """What every reminder DM about the item is filed under (`forget-me` takes them)."""
    return f"{BUTTON}:{item_id}:"


def _handle(item_id: int, stamp: int) -> str:
    """The reminder DM for one `expires_at` (`_stamp`), edited when it is answered."""
    return f"{handle_prefix(item_id)}{stamp}"


async def on_reminder(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    found = await _due_item(ctx, timer)
    if isinstance(found, str):
        return found
    row, set_info = found
    person = await timer_checks.person_state(ctx, set_info, row.author_key)
    if not person.member:
        return "skipped: no longer a member of the set"
    moved = await _moved_to_working_hours(ctx, timer, set_info, person)
    if moved:
        return moved
    marked = await ctx.conn.execute(
        update(ITEMS)
        .where(
            ITEMS.c.id == row.id,
            ITEMS.c.status == "open",
            ITEMS.c.expires_at == row.expires_at,
            ITEMS.c.reminded_at.is_(None),
        )
        .values(reminded_at=ctx.now)
        .returning(ITEMS.c.id)
    )
    if marked.first() is None:
        return "skipped: already reminded"
    noun = row.kind
    value = f"{row.id}:{_stamp(row.expires_at)}"
    ctx.emit(
        Direct(
            user=UserRef.from_key(row.author_key),
            text=text(
                f"Your {noun} {row.id}, ",
                item_words.quoted(row.text, row.tags),
                f", expires on {item_words.day(row.expires_at, person.tz, ctx.now)}. "
                f"Keep it for another {set_info.setting(ctx, 'offer_days')} days, or remove it?",
            ),
            buttons=(
                Button(f"{BUTTON}:keep", "Keep it", value, "primary"),
                Button(f"{BUTTON}:remove", "Remove", value),
            ),
            handle=_handle(row.id, _stamp(row.expires_at)),
        )
    )
    return "sent"


async def on_expiry(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    found = await _due_item(ctx, timer)
    if isinstance(found, str):
        return found
    row, set_info = found
    person = await timer_checks.person_state(ctx, set_info, row.author_key)
    if person.member:
        moved = await _moved_to_working_hours(ctx, timer, set_info, person)
        if moved:
            return moved
    if not await close(ctx, set_info, row, "expired"):
        return "skipped: already closed"
    if not person.member:
        return "expired; its author has left the set, so no DM"
    noun = row.kind
    ctx.emit(
        Direct(
            user=UserRef.from_key(row.author_key),
            text=text(
                f"Your {noun} {row.id}, ",
                item_words.quoted(row.text, row.tags),
                f", has expired, so I no longer match it. If it still stands, add it again: "
                f"`/als {noun} …`.",
            ),
        )
    )
    return "expired"


# --------------------------------------------------------------------------- buttons


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    item_part, _, stamp = event.value.partition(":")
    if event.verb not in ("keep", "remove") or not item_part.isdigit() or not stamp.isdigit():
        raise Refusal(OUT_OF_DATE)
    row = await item_row(ctx, int(item_part))
    if row is None:
        raise Refusal("That offer or want is no longer there.")
    if not sets.same_person(ctx, event.user, row.author_key):
        raise Refusal(OUT_OF_DATE)
    set_info = await sets.get_set(ctx, row.set_id)
    ctx.set_id = set_info.id
    noun = row.kind
    handle = _handle(row.id, int(stamp))
    words = item_words.quoted(row.text, row.tags)
    tz = await sets.timezone_for(ctx, event.user, set_info)
    if row.status != "open":
        raise Refusal(
            f"That {noun} has expired already: if it still stands, add it again (`/als {noun} …`)."
            if row.status == "expired"
            else f"That {noun} was removed already."
        )
    if event.verb == "remove":
        await close(ctx, set_info, row, "removed")
        ctx.emit(
            Edit(
                handle=handle, text=text(f"Removed your {noun} {row.id}, ", words, "."), buttons=()
            )
        )
        return
    if _stamp(row.expires_at) != int(stamp):  # kept already (a second press, or another copy)
        until = item_words.day(row.expires_at, tz, ctx.now)
        ctx.emit(
            Edit(
                handle=handle,
                text=text(f"Kept: your {noun} {row.id}, ", words, f", lasts until {until}."),
                buttons=(),
            )
        )
        return
    new_expiry = expires_from(ctx, set_info)
    kept = await ctx.conn.execute(
        update(ITEMS)
        .where(ITEMS.c.id == row.id, ITEMS.c.status == "open", ITEMS.c.expires_at == row.expires_at)
        .values(expires_at=new_expiry, reminded_at=None, updated_at=ctx.now)
        .returning(ITEMS.c.id)
    )
    if kept.first() is None:
        raise Refusal(OUT_OF_DATE)
    await unplan(ctx, row.id, row.expires_at, "extended")
    await plan(ctx, row.id, row.set_id, row.author_key, new_expiry)
    until = item_words.day(new_expiry, tz, ctx.now)
    ctx.emit(
        Edit(
            handle=handle,
            text=text(f"Kept: your {noun} {row.id}, ", words, f", now lasts until {until}."),
            buttons=(),
        )
    )


def register(router: Router) -> None:
    router.timer(REMINDER, on_reminder)
    router.timer(EXPIRY, on_expiry)
    router.button(BUTTON, on_button)

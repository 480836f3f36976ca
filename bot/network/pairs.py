"""Pairs between sessions: a week after each session, the set's members are paired at
random and each pair is introduced privately with a conversation starter.

* `/als pairs on|off` (facilitators) writes the set setting `pairs`; `/als pairs` shows it,
  your current pair and what comes next. Off cancels the pending timers.
* When a session closes (`CLOSING`), a timer `pairs` is planned a week on (one per session:
  its dedupe key), moved out of weekends and quiet hours in the set's zone.
* The timer checks again (pairs still on, the set still there), takes the active members
  who have not opted out (`/als settings pairs off`), groups them with `pairing.py` —
  seeded from the set and the round, so a retried timer pairs the same way — and records
  the round (`pairings`, `pair_members`) with the introductions, in one transaction.
  Exactly once across processes: the timer claim, the set's row locked while the round
  number is taken, and a second timer for the same session finds its pairings.
* Starters come only from the prompt bank and the set's saved do's, which every member can
  already read — never from a round, an update or a DM, so an introduction can carry
  nothing said in confidence. The set's newest do's stand for the last session's themes.
* A week after the introduction, `pair_checks.py` asks each person whether they met.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from bot import timers
from bot.commands.values import PairsOff, PairsOn, PairsShow
from bot.context import Ctx
from bot.events import CommandInvoked
from bot.followup import planning
from bot.followup.nudge_text import when
from bot.network import pair_checks
from bot.network.pair_checks import (
    OPT_OUT,
    PAIR_CHECK,
    PAIR_MEMBERS,
    PAIRINGS,
    PAIRS,
    groups_of_round,
    names,
    others,
    pairs_on,
    subject,
    week_on,
    willing,
)
from bot.network.pairing import Group, make_groups, seed_for
from bot.network.prompt_bank import BANK
from bot.refs import UserRef
from bot.replies import Ephemeral, GroupDirect, Text, text
from bot.rounds import hooks as rounds_hooks
from bot.rounds.sessions import SessionInfo
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.settings import change_set_setting
from bot.store.models import Do, Timer
from bot.store.models import Session as SessionRow
from bot.store.models import Set as SetRow

SETS = SetRow.__table__
SESSIONS = SessionRow.__table__
DOS = Do.__table__
TIMERS = Timer.__table__
RECENT_ROUNDS = 2  # "never the last two rounds' pairs again"
DO_STARTERS = 10  # the set's newest saved do's offered as starters
WHY = "You're paired until the next session — a short call or a coffee?"


def intro_key(set_id: int, session_id: int) -> str:
    return f"pairs:{set_id}:session:{session_id}"


# --------------------------------------------------------------------------- planning


async def plan_introduction(
    ctx: Ctx, set_info: SetInfo, session_id: int, closed_at: datetime
) -> datetime:
    """The `pairs` timer for a session: a week after it closed. A row cancelled by
    `/als pairs off` comes back with `/als pairs on`; one that ran is left alone."""
    due = week_on(ctx, set_info, closed_at)
    key = intro_key(set_info.id, session_id)
    added = await timers.schedule(
        ctx.conn,
        kind=PAIRS,
        due_at=due,
        subject=subject(set_info.id),
        payload={"set": set_info.id, "session": session_id},
        dedupe=key,
    )
    if not added:
        await ctx.conn.execute(
            update(TIMERS)
            .where(TIMERS.c.dedupe == key, TIMERS.c.status == "cancelled")
            .values(status="pending", due_at=due, note=None)
        )
    return due


async def on_closing(ctx: Ctx, set_info: SetInfo, session: SessionInfo) -> Text | None:
    """Plan the pairing and say so in the closing summary."""
    if not pairs_on(ctx, set_info):
        return None
    due = await plan_introduction(ctx, set_info, session.id, ctx.now)
    return text(
        f"🤝 On {when(due, set_info.tz)} I'll pair you up for a chat before next time "
        f"({OPT_OUT} to be left out)."
    )


async def next_introduction(ctx: Ctx, set_id: int) -> datetime | None:
    due: datetime | None = (
        await ctx.conn.execute(
            select(func.min(TIMERS.c.due_at)).where(
                TIMERS.c.kind == PAIRS,
                TIMERS.c.subject == subject(set_id),
                TIMERS.c.status == "pending",
            )
        )
    ).scalar()
    return due


# --------------------------------------------------------------------------- pairing


async def recent_rounds(ctx: Ctx, set_id: int, round_no: int) -> list[list[Group]]:
    rows = await ctx.conn.execute(
        select(PAIRINGS.c.round_no, PAIR_MEMBERS.c.pairing_id, PAIR_MEMBERS.c.user_key)
        .join(PAIR_MEMBERS, PAIR_MEMBERS.c.pairing_id == PAIRINGS.c.id)
        .where(PAIRINGS.c.set_id == set_id, PAIRINGS.c.round_no >= round_no - RECENT_ROUNDS)
        .order_by(PAIR_MEMBERS.c.id)
    )
    rounds: dict[int, dict[int, list[str]]] = {}
    for r in rows:
        rounds.setdefault(r.round_no, {}).setdefault(r.pairing_id, []).append(r.user_key)
    return [[tuple(keys) for keys in groups.values()] for groups in rounds.values()]


async def starters(ctx: Ctx, set_id: int, rng: random.Random, count: int) -> list[str]:
    """One starter per group, different ones while they last: the set's newest saved do's
    first (what the set has been finding useful lately), then the prompt bank."""
    dos = [
        r.text
        for r in await ctx.conn.execute(
            select(DOS.c.text)
            .where(DOS.c.set_id == set_id, DOS.c.status == "saved")
            .order_by(DOS.c.created_at.desc(), DOS.c.id.desc())
            .limit(DO_STARTERS)
        )
    ]
    rng.shuffle(dos)
    bank = list(BANK)
    rng.shuffle(bank)
    # Alternate the two sources, so a set with do's hears both kinds of starter.
    pool = [s for both in zip(dos, bank, strict=False) for s in both]
    pool += dos[len(bank) :] + bank[len(dos) :]
    return [pool[i % len(pool)] for i in range(count)]


def introduction(people: tuple[UserRef, ...], starter: str, from_do: bool) -> Text:
    opener = (
        text("A do your set saved: “", starter, "” — have you tried it, or something like it?")
        if from_do
        else text("“", starter, "”")
    )
    return text(
        "👋 ",
        names(list(people)),
        f"\n{WHY}\nSomething to start with: ",
        opener,
        f"\n(Rather not be paired? {OPT_OUT} and I'll leave you out next time.)",
    )


async def on_pairs(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    set_info = await planning.find_set(ctx, int(timer.payload.get("set", 0)))
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    if not pairs_on(ctx, set_info):
        return "skipped: pairs are off"
    moved = await pair_checks.moved_to_working_time(ctx, set_info, timer, f"pairs:{set_info.id}")
    if moved is not None:
        return moved
    # One process at a time pairs a set (PostgreSQL; SQLite has one writer): the next
    # looks only once the first has committed, so it finds the round and its number.
    lock = select(SETS.c.id).where(SETS.c.id == set_info.id)
    await ctx.conn.execute(lock.with_for_update() if ctx.dialect == "postgresql" else lock)
    session_id = await _session(ctx, set_info.id, timer.payload.get("session"))
    if session_id is not None and await _paired_after(ctx, set_info.id, session_id):
        return "skipped: already paired after this session"
    people = await willing(ctx, set_info.id)
    if len(people) < 2:
        return f"skipped: fewer than two members to pair ({len(people)})"
    last = (
        await ctx.conn.execute(
            select(func.max(PAIRINGS.c.round_no)).where(PAIRINGS.c.set_id == set_info.id)
        )
    ).scalar()
    round_no = (last or 0) + 1
    rng = random.Random(seed_for(set_info.id, round_no))
    grouping = make_groups(people, await recent_rounds(ctx, set_info.id, round_no), rng)
    chosen = await starters(ctx, set_info.id, rng, len(grouping.groups))
    bank = set(BANK)
    for group, starter in zip(grouping.groups, chosen, strict=True):
        made = await ctx.conn.execute(
            insert(PAIRINGS)
            .values(
                set_id=set_info.id,
                round_no=round_no,
                session_id=session_id,
                starter=starter,
                created_at=ctx.now,
            )
            .returning(PAIRINGS.c.id)
        )
        pairing_id = made.scalar_one()
        await ctx.conn.execute(
            insert(PAIR_MEMBERS), [{"pairing_id": pairing_id, "user_key": key} for key in group]
        )
        refs = tuple(UserRef.from_key(key) for key in group)
        from_do = starter not in bank
        ctx.emit(GroupDirect(users=refs, text=introduction(refs, starter, from_do)))
    await pair_checks.plan_check(ctx, set_info, round_no)
    note = f"paired: round {round_no}, {len(grouping.groups)} groups"
    note += ", with a trio" if grouping.has_trio else ""
    if grouping.repeats:
        note += f"; {grouping.repeats} repeated meeting(s) could not be avoided"
    return note


async def _session(ctx: Ctx, set_id: int, raw: object) -> int | None:
    """The closed session the timer was planned for, if its row is still there."""
    if not isinstance(raw, int):
        return None
    found: int | None = (
        await ctx.conn.execute(
            select(SESSIONS.c.id).where(SESSIONS.c.id == raw, SESSIONS.c.set_id == set_id)
        )
    ).scalar()
    return found


async def _paired_after(ctx: Ctx, set_id: int, session_id: int) -> bool:
    found = await ctx.conn.execute(
        select(PAIRINGS.c.id)
        .where(PAIRINGS.c.set_id == set_id, PAIRINGS.c.session_id == session_id)
        .limit(1)
    )
    return found.first() is not None


# --------------------------------------------------------------------------- commands


async def _latest_close(ctx: Ctx, set_id: int) -> tuple[int, datetime] | None:
    row = (
        await ctx.conn.execute(
            select(SESSIONS.c.id, SESSIONS.c.closed_at)
            .where(
                SESSIONS.c.set_id == set_id,
                SESSIONS.c.status == "closed",
                SESSIONS.c.closed_at.is_not(None),
            )
            .order_by(SESSIONS.c.closed_at.desc(), SESSIONS.c.id.desc())
            .limit(1)
        )
    ).first()
    return (row.id, row.closed_at) if row else None


async def on_pairs_on(ctx: Ctx, event: CommandInvoked, _command: PairsOn) -> None:
    set_info = sets.command_set(ctx)
    tz = await sets.timezone_for(ctx, event.user, set_info)
    if pairs_on(ctx, set_info):
        said = text("Pairs are already on.")
    else:
        await change_set_setting(ctx, set_info, "pairs", True)
        said = text(
            "Pairs are on: a week after each session I'll pair the members at random "
            "(a trio when the count is odd, not the last two rounds' pairs again), introduce "
            "each pair privately, and ask a week later whether you met."
        )
        latest = await _latest_close(ctx, set_info.id)
        if latest is not None and latest[1] + pair_checks.WEEK > ctx.now:
            await plan_introduction(ctx, set_info, *latest)
    coming = await next_introduction(ctx, set_info.id)
    said += (
        f" The next pairing: {when(coming, tz)}."
        if coming
        else " The next pairing: a week after the next session."
    )
    said += f" Anyone can leave themselves out with {OPT_OUT}."
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=said))


async def on_pairs_off(ctx: Ctx, event: CommandInvoked, _command: PairsOff) -> None:
    set_info = sets.command_set(ctx)
    was_on = pairs_on(ctx, set_info)
    if was_on:
        await change_set_setting(ctx, set_info, "pairs", False)
    stopped = 0
    for kind in (PAIRS, PAIR_CHECK):
        stopped += await timers.cancel(
            ctx.conn, kind=kind, subject=subject(set_info.id), note="pairs turned off"
        )
    said = "Pairs are off: I won't pair anyone" if was_on else "Pairs are already off"
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(said + (" (the pairing I had planned is cancelled)." if stopped else ".")),
        )
    )


async def on_pairs_show(ctx: Ctx, event: CommandInvoked, _command: PairsShow) -> None:
    set_info = sets.command_set(ctx)
    tz = await sets.timezone_for(ctx, event.user, set_info)
    on = pairs_on(ctx, set_info)
    person = await sets.person(ctx, event.user)
    opted_in = person is None or bool(person.pairs)
    out = text(f"Pairs are {'on' if on else 'off'} in this set.")
    mine = await _my_current(ctx, set_info.id, event.user)
    if mine is not None:
        round_no, rows, me = mine
        out += text(" Your pair until the next session: ", names(others(rows, me.user_key)), ".")
        asked_at = await _check_due(ctx, set_info.id, round_no)
        if me.answer is not None:
            out += " You told me " + ("you met." if me.answer == "met" else "not yet.")
        elif asked_at is not None:
            out += f" I'll ask on {when(asked_at, tz)} whether you met."
    elif on:
        out += " You're not in a pair at the moment."
    if on:
        coming = await next_introduction(ctx, set_info.id)
        out += (
            f" The next pairing: {when(coming, tz)}."
            if coming
            else " The next pairing: a week after the next session."
        )
    out += (
        f" You're in; {OPT_OUT} leaves you out."
        if opted_in
        else " You've left yourself out; `/als settings pairs on` puts you back in."
    )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=out))


async def _my_current(ctx: Ctx, set_id: int, user: UserRef) -> tuple[int, list[Any], Any] | None:
    """The person's group in the set's latest round, if they are in it with someone (the
    others may have been forgotten since)."""
    last = (
        await ctx.conn.execute(
            select(func.max(PAIRINGS.c.round_no)).where(PAIRINGS.c.set_id == set_id)
        )
    ).scalar()
    if last is None:
        return None
    for rows in (await groups_of_round(ctx, set_id, last)).values():
        for row in rows:
            if sets.same_person(ctx, user, row.user_key) and len(rows) > 1:  # one left: none
                return last, rows, row
    return None


async def _check_due(ctx: Ctx, set_id: int, round_no: int) -> datetime | None:
    key = pair_checks.check_key(set_id, round_no)
    due: datetime | None = (
        await ctx.conn.execute(
            select(func.min(TIMERS.c.due_at)).where(
                TIMERS.c.kind == PAIR_CHECK,
                TIMERS.c.subject == subject(set_id),
                TIMERS.c.status == "pending",
                or_(TIMERS.c.dedupe == key, TIMERS.c.dedupe.startswith(f"{key}:moved:")),
            )
        )
    ).scalar()
    return due


def register(router: Router) -> None:
    router.command(PairsOn, on_pairs_on)
    router.command(PairsOff, on_pairs_off)
    router.command(PairsShow, on_pairs_show)
    router.timer(PAIRS, on_pairs)
    router.hook(rounds_hooks.CLOSING, on_closing)
    pair_checks.register(router)

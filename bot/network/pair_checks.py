"""Did the pair meet? Asked a week after the introduction, answered by one press each.

Also what the pairs share with `pairs.py` (which introduces them): who is willing to be
paired, when "a week on" lands, and each person's rows under the data rights — `export-me`
lists their pairings (whom they were paired with, their own answer, never the others'),
`forget-me` deletes their rows.

Each person answers only for their own `pair_members` row, by one conditional UPDATE: a
second press, a press from another process or a late one changes nothing that is already
said (a "Not yet" may still become "We met"), and is answered kindly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update

from bot import timers
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.dates.local_times import parse_quiet
from bot.dates.working_days import next_working, send_slot
from bot.events import ButtonPressed
from bot.followup import planning, timer_checks
from bot.followup.nudge_text import when
from bot.network.handles import forget_handles
from bot.refs import UserRef
from bot.replies import Button, Direct, Edit, Mention, Text, text
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import PERSON_EXPORT, PERSON_FORGET
from bot.store.models import Member, Pairing, PairMember, Person

PAIRINGS = Pairing.__table__
PAIR_MEMBERS = PairMember.__table__
MEMBERS = Member.__table__
PEOPLE = Person.__table__

PAIRS, PAIR_CHECK = "pairs", "pair_check"  # timer kinds: the introduction, the question
WEEK = timedelta(days=7)
MET, NOT_YET = "met", "not_yet"
ANSWERS = {MET: "We met", NOT_YET: "Not yet"}
OPT_OUT = "`/als settings pairs off`"


# --------------------------------------------------------------------------- shared


def pairs_on(ctx: Ctx, set_info: SetInfo) -> bool:
    return bool(set_info.setting(ctx, "pairs"))


def subject(set_id: int) -> str:
    """Every pairs timer of a set carries the set (so `/als pairs off` finds them)."""
    return planning.set_subject(set_id)


def week_on(ctx: Ctx, set_info: SetInfo, moment: datetime) -> datetime:
    """A week after `moment`, moved out of the weekend and the quiet hours in the set's
    zone like the bot's other sends (`bot.dates.working_days.send_slot`)."""
    return send_slot(
        moment + WEEK,
        now=ctx.now,
        tz=set_info.tz,
        quiet=parse_quiet(ctx.config.defaults.quiet_hours),
        allow_weekends=planning.weekends_ok(ctx, set_info, None),
    )


def working_now(ctx: Ctx, set_info: SetInfo) -> datetime:
    """`now`, or the next working moment when a timer is claimed at night or at a weekend
    (the bot was down when it was due)."""
    return next_working(
        ctx.now,
        set_info.tz,
        parse_quiet(ctx.config.defaults.quiet_hours),
        planning.weekends_ok(ctx, set_info, None),
    )


async def moved_to_working_time(
    ctx: Ctx, set_info: SetInfo, timer: timers.DueTimer, dedupe: str
) -> str | None:
    """A pairs timer claimed at night or at a weekend (the bot was down when it was due)
    waits for the next working moment: a copy of it is planned then, and this one skips
    with that note. None when now is a working moment."""
    later = working_now(ctx, set_info)
    if later == ctx.now:
        return None
    why = "quiet hours or the weekend"
    return await timer_checks.moved(ctx, timer, later, why, dedupe=f"{dedupe}:moved:{timer.id}")


async def willing(ctx: Ctx, set_id: int) -> list[str]:
    """The set's active members who have not opted out (`people.pairs`), in key order. A
    person who left is inactive; one who was forgotten has no member row."""
    rows = await ctx.conn.execute(
        select(MEMBERS.c.user_key)
        .outerjoin(PEOPLE, PEOPLE.c.user_key == MEMBERS.c.user_key)
        .where(
            MEMBERS.c.set_id == set_id,
            MEMBERS.c.active.is_(True),
            or_(PEOPLE.c.pairs.is_(None), PEOPLE.c.pairs.is_(True)),
        )
        .order_by(MEMBERS.c.user_key)
    )
    return [r.user_key for r in rows]


async def groups_of_round(ctx: Ctx, set_id: int, round_no: int) -> dict[int, list[Any]]:
    """A round's pairings: pairing id → its member rows (with the pairing's columns)."""
    rows = await ctx.conn.execute(
        select(
            PAIR_MEMBERS,
            PAIRINGS.c.round_no,
            PAIRINGS.c.created_at,
            PAIRINGS.c.set_id,
        )
        .join(PAIRINGS, PAIRINGS.c.id == PAIR_MEMBERS.c.pairing_id)
        .where(PAIRINGS.c.set_id == set_id, PAIRINGS.c.round_no == round_no)
        .order_by(PAIR_MEMBERS.c.pairing_id, PAIR_MEMBERS.c.id)
    )
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.pairing_id, []).append(row)
    return out


def others(rows: list[Any], me: str) -> list[UserRef]:
    return [UserRef.from_key(r.user_key) for r in rows if r.user_key != me]


def names(people: list[UserRef]) -> Text:
    """@a, @b and @c."""
    out = text()
    for i, person in enumerate(people):
        joint = "" if i == 0 else (" and " if i == len(people) - 1 else ", ")
        out += text(joint, Mention(person))
    return out


# --------------------------------------------------------------------------- the question


def check_key(set_id: int, round_no: int) -> str:
    return f"pairs:{set_id}:check:{round_no}"


async def plan_check(ctx: Ctx, set_info: SetInfo, round_no: int) -> datetime:
    due = week_on(ctx, set_info, ctx.now)
    await timers.schedule(
        ctx.conn,
        kind=PAIR_CHECK,
        due_at=due,
        subject=subject(set_info.id),
        payload={"set": set_info.id, "round": round_no},
        dedupe=check_key(set_info.id, round_no),
    )
    return due


def handle(member_id: int) -> str:
    return f"pair:{member_id}"


def buttons(member_id: int, *, answered: str | None = None) -> tuple[Button, ...]:
    """[We met] [Not yet]; after "Not yet" only [We met] stays, for when they do."""
    if answered == MET:
        return ()
    wanted = (MET,) if answered == NOT_YET else (MET, NOT_YET)
    return tuple(
        Button(
            f"pair:{answer}", ANSWERS[answer], str(member_id), "primary" if answer == MET else None
        )
        for answer in wanted
    )


def question(partners: list[UserRef], paired_at: datetime, set_info: SetInfo) -> Text:
    return text(
        "Did you and ",
        names(partners),
        " meet? You were paired on ",
        when(paired_at, set_info.tz).split(",")[0],
        ".",
    )


async def on_check(ctx: Ctx, timer: timers.DueTimer) -> str | None:
    set_info = await planning.find_set(ctx, int(timer.payload.get("set", 0)))
    if set_info is None:
        return "skipped: the set no longer exists"
    ctx.set_id = set_info.id
    if not pairs_on(ctx, set_info):
        return "skipped: pairs are off"
    round_no = int(timer.payload.get("round", 0))
    moved = await moved_to_working_time(ctx, set_info, timer, check_key(set_info.id, round_no))
    if moved is not None:
        return moved
    in_set = set(await willing(ctx, set_info.id))
    asked = 0
    for rows in (await groups_of_round(ctx, set_info.id, int(timer.payload["round"]))).values():
        for row in rows:
            partners = others(rows, row.user_key)
            if row.answer is not None or row.user_key not in in_set or not partners:
                continue
            ctx.emit(
                Direct(
                    user=UserRef.from_key(row.user_key),
                    text=question(partners, row.created_at, set_info),
                    buttons=buttons(row.id),
                    handle=handle(row.id),
                )
            )
            asked += 1
    return f"asked: {asked}"


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    answer = event.verb
    if answer not in ANSWERS or not event.value.isdigit():
        raise Refusal(OUT_OF_DATE)
    member_id = int(event.value)
    row = (
        await ctx.conn.execute(
            select(PAIR_MEMBERS, PAIRINGS.c.set_id, PAIRINGS.c.created_at)
            .join(PAIRINGS, PAIRINGS.c.id == PAIR_MEMBERS.c.pairing_id)
            .where(PAIR_MEMBERS.c.id == member_id)
        )
    ).first()
    if row is None:  # forgotten, or the set is gone
        ctx.emit(
            Direct(user=event.user, text=text("That pairing has ended — thanks all the same."))
        )
        return
    if not sets.same_person(ctx, event.user, row.user_key):
        raise Refusal("That question was for someone else in the pair.")
    ctx.set_id = row.set_id
    may_change: ColumnElement[bool] = PAIR_MEMBERS.c.answer.is_(None)
    if answer == MET:  # "Not yet" a week ago may have become "We met"; never the reverse
        may_change = or_(may_change, PAIR_MEMBERS.c.answer == NOT_YET)
    said = await ctx.conn.execute(
        update(PAIR_MEMBERS)
        .where(PAIR_MEMBERS.c.id == member_id, may_change)
        .values(answer=answer, answered_at=ctx.now)
        .returning(PAIR_MEMBERS.c.id)
    )
    if said.first() is None:
        before = (
            await ctx.conn.execute(
                select(PAIR_MEMBERS.c.answer).where(PAIR_MEMBERS.c.id == member_id)
            )
        ).scalar()
        already = "that you met" if before == MET else "not yet"
        ctx.emit(
            Direct(user=event.user, text=text(f"You've told me already ({already}) — thanks!"))
        )
        return
    set_info = await sets.get_set(ctx, row.set_id)
    rows = (await ctx.conn.execute(select(PAIR_MEMBERS).where(
        PAIR_MEMBERS.c.pairing_id == row.pairing_id
    ))).all()  # fmt: skip
    asked = question(others(list(rows), row.user_key), row.created_at, set_info)
    noted = " ✓ You met." if answer == MET else " — not yet."
    ctx.emit(
        Edit(
            handle=handle(member_id),
            text=asked + noted,
            buttons=buttons(member_id, answered=answer),
        )
    )
    thanks = (
        "Thanks — glad you met!"
        if answer == MET
        else "Thanks — there's still time before the next session. Press [We met] when you do."
    )
    ctx.emit(Direct(user=event.user, text=text(thanks)))


# --------------------------------------------------------------------------- data rights


async def export_person(ctx: Ctx, key: str) -> dict[str, Any]:
    """Their pairings: when, in which set, the starter, and their own answer.
    Not who the others were, nor their answers: those are the others' records (as a do
    someone else wrote is exported without its author), and forgetting one of them must not
    change this person's export."""
    mine = (
        await ctx.conn.execute(
            select(PAIR_MEMBERS, PAIRINGS.c.set_id, PAIRINGS.c.round_no, PAIRINGS.c.created_at,
                   PAIRINGS.c.starter)
            .join(PAIRINGS, PAIRINGS.c.id == PAIR_MEMBERS.c.pairing_id)
            .where(PAIR_MEMBERS.c.user_key == key)
            .order_by(PAIRINGS.c.created_at, PAIRINGS.c.id)
        )
    ).all()  # fmt: skip
    return {
        "pairs": [
            {
                "set_id": r.set_id,
                "round": r.round_no,
                "paired_at": r.created_at.isoformat(),
                "starter": r.starter,
                "your_answer": r.answer,
                "answered_at": r.answered_at.isoformat() if r.answered_at else None,
            }
            for r in mine
        ]
    }


async def forget_person(ctx: Ctx, key: str) -> None:
    """Their place in every pairing goes; the others keep theirs (and are not asked about
    someone who is no longer on record)."""
    mine = select(PAIR_MEMBERS.c.id).where(PAIR_MEMBERS.c.user_key == key)
    await forget_handles(ctx, (f"{handle(r.id)}" for r in await ctx.conn.execute(mine)))
    await ctx.conn.execute(delete(PAIR_MEMBERS).where(PAIR_MEMBERS.c.user_key == key))


def register(router: Router) -> None:
    router.timer(PAIR_CHECK, on_check)
    router.button("pair", on_button)
    router.hook(PERSON_EXPORT, export_person)
    router.hook(PERSON_FORGET, forget_person)

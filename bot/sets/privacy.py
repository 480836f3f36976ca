"""Data rights: a person can see everything kept about them, and have it removed.

`forget-me` keeps the set's shared record intact where that matters to others (an action
stays, with no name on it) but removes the person's own words and choices: updates,
ratings, the sessions they took part in, preferences, memberships, and their messages in
do's (a do others also said stays, in their words: `bot.dos.person_data`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, delete, false, or_, select, update

from bot.commands.values import ExportMe, ForgetMe
from bot.context import Ctx, Refusal
from bot.events import CommandInvoked
from bot.outbox_rows import DM_LANE
from bot.refs import UserRef
from bot.replies import Ephemeral, File, text
from bot.reply_handles import forget_person as forget_reply_handles
from bot.router import Router
from bot.sets import records as sets
from bot.sets.hooks import PERSON_EXPORT, PERSON_FORGET
from bot.store.models import (
    Action,
    AdapterState,
    Attendance,
    DisplayName,
    Draft,
    Evaluation,
    Inbox,
    Member,
    Outbox,
    OutcomeUpdate,
    Person,
    Posted,
    Round,
    Session,
    Timer,
)
from bot.store.models import Set as SetRow
from bot.store.plain import plain


async def collect(ctx: Ctx, user: UserRef) -> dict[str, Any]:
    key = user.key
    c = ctx.conn

    async def rows(table: Any, where: Any) -> list[dict[str, Any]]:
        return [plain(r) for r in await c.execute(select(table).where(where))]

    sets_t = SetRow.__table__
    members = Member.__table__
    attendance = Attendance.__table__
    return {
        "person": key,
        "preferences": await rows(Person.__table__, Person.__table__.c.user_key == key),
        "memberships": [
            {**plain(r)}
            for r in await c.execute(
                select(members, sets_t.c.channel_key)
                .join(sets_t, sets_t.c.id == members.c.set_id)
                .where(members.c.user_key == key)
            )
        ],
        "actions": await rows(Action.__table__, Action.__table__.c.owner_key == key),
        "outcome_updates": await rows(
            OutcomeUpdate.__table__, OutcomeUpdate.__table__.c.user_key == key
        ),
        "ratings": await rows(Evaluation.__table__, Evaluation.__table__.c.user_key == key),
        "presented": await rows(Round.__table__, Round.__table__.c.presenter_key == key),
        "attendance": await rows(attendance, attendance.c.user_key == key),
        "drafts_not_shared": await rows(Draft.__table__, Draft.__table__.c.user_key == key),
        # The name their platform gave, kept for the set's web pages (`bot.reports.names`).
        "display_name": await rows(DisplayName.__table__, DisplayName.__table__.c.user_key == key),
    } | {
        name: section
        for export in ctx.hooks(PERSON_EXPORT)
        for name, section in (await export(ctx, key)).items()
    }


async def export_me(ctx: Ctx, event: CommandInvoked, _command: ExportMe) -> None:
    data = await collect(ctx, event.user)
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    ctx.emit(
        File(
            channel=event.channel,
            user=event.user,
            filename="alsbot-my-data.json",
            content=body,
            title="Everything alsbot keeps about you",
        )
    )


async def forget(ctx: Ctx, user: UserRef, *, event_key: str | None = None) -> None:
    key = user.key
    c = ctx.conn
    actions = Action.__table__
    await c.execute(update(actions).where(actions.c.owner_key == key).values(owner_key=None))
    for table, column in (
        (OutcomeUpdate.__table__, "user_key"),
        (Draft.__table__, "user_key"),
        (Evaluation.__table__, "user_key"),
        (Attendance.__table__, "user_key"),
        (Person.__table__, "user_key"),
        (Member.__table__, "user_key"),
        (DisplayName.__table__, "user_key"),
    ):
        await c.execute(delete(table).where(table.c[column] == key))
    await c.execute(
        update(Round.__table__)
        .where(Round.__table__.c.presenter_key == key)
        .values(presenter_key=None)
    )
    for forget_also in ctx.hooks(PERSON_FORGET):
        await forget_also(ctx, key)
    await _scrub_records(ctx, user, also_event=event_key)
    # Not their words, but a way to reach them: only this command's own stays, to answer it.
    await forget_reply_handles(c, user.workspace.platform.value, user.id, keep=event_key)
    await _forget_addresses(ctx, user)


async def _forget_addresses(ctx: Ctx, user: UserRef) -> None:
    """How an adapter reaches the person again unasked: Teams keeps, in `adapter_state`, a
    row `<workspace key>:person:<id>` (their app-scoped id, name, service URL, 1:1 chat) and
    look-ups `<workspace key>:member:…` whose value is `{"id": <id>}`. The names are the
    adapters' convention, written here once; a later activity from the person writes them
    again (answering them needs them)."""
    state = AdapterState.__table__
    inside = f"{user.workspace.key}:"
    await ctx.conn.execute(delete(state).where(state.c.name == f"{inside}person:{user.id}"))
    await ctx.conn.execute(
        delete(state).where(
            state.c.name.startswith(f"{inside}member:", autoescape=True),
            state.c.value == json.dumps({"id": user.id}, separators=(",", ":")),
        )
    )


FORGOTTEN = "forgotten"


async def _forget_dm_handles(ctx: Ctx, key: str) -> None:
    """The `posted` rows of the DMs sent to the person (a nudge, a proposal, a reminder):
    each maps a handle to a message in their DM channel, which some platforms name after
    them. Nothing edits a sent DM once its record is forgotten. Found through the DMs'
    outbox rows, which are kept `[retention] keys_days`; features whose DMs outlive that
    forget their own handles too (`bot.network.handles`)."""
    outbox = Outbox.__table__
    handles = set()
    for row in await ctx.conn.execute(
        select(outbox.c.body).where(outbox.c.lane == DM_LANE + key, outbox.c.status == "sent")
    ):
        handle = json.loads(row.body).get("handle")
        if isinstance(handle, str) and handle:
            handles.add(handle)
    posted = Posted.__table__
    for start in range(0, len(handles), 500):
        chunk = sorted(handles)[start : start + 500]
        await ctx.conn.execute(delete(posted).where(posted.c.handle.in_(chunk)))


async def _scrub_records(ctx: Ctx, user: UserRef, *, also_event: str | None = None) -> None:
    """The bookkeeping rows also name people: processed inbox events (their words), sent
    replies (their name, what they typed), closed sessions' presenter lists and their
    timers. Once used, none of it is needed, so it goes too. Pending rows are left alone:
    the event and delivery loops still need them."""
    key, c = user.key, ctx.conn
    named = (json.dumps(key, ensure_ascii=False), f"<@{user.id}>")
    inbox, outbox, sessions = Inbox.__table__, Outbox.__table__, Session.__table__
    mentions_inbox = or_(*(inbox.c.body.contains(n, autoescape=True) for n in named))
    keep_key = inbox.c.key == also_event if also_event else false()
    await c.execute(
        update(inbox)
        .where(or_(and_(inbox.c.status != "pending", mentions_inbox), keep_key))
        .values(body=json.dumps({"kind": FORGOTTEN}))
    )
    await _forget_dm_handles(ctx, key)
    await c.execute(
        update(outbox)
        .where(
            outbox.c.status.in_(("sent", "failed")),
            or_(outbox.c.lane.contains(key, autoescape=True),
                *(outbox.c.body.contains(n, autoescape=True) for n in named)),
        )
        .values(body=json.dumps({"type": FORGOTTEN}), lane=FORGOTTEN)
    )  # fmt: skip
    timers = Timer.__table__
    await c.execute(delete(timers).where(timers.c.subject == key, timers.c.status != "running"))
    await c.execute(update(sessions).where(sessions.c.started_by == key).values(started_by=None))
    closed = await c.execute(
        select(sessions.c.id, sessions.c.state).where(
            sessions.c.status != "active", sessions.c.state.contains(named[0], autoescape=True)
        )
    )
    for row in list(closed):
        state = json.loads(row.state)
        state["presenters"] = [FORGOTTEN if p == key else p for p in state.get("presenters", [])]
        await c.execute(
            update(sessions).where(sessions.c.id == row.id).values(state=json.dumps(state))
        )


STILL_LEADING = (
    "You're the only facilitator of {sets} that others are still in, and a set with members "
    "must keep a facilitator. Make someone else facilitator first (`/als facilitator add "
    "@name` in its channel), then run `/als forget-me confirm` again."
)


async def forget_me(ctx: Ctx, event: CommandInvoked, command: ForgetMe) -> None:
    """Refused, like `/als leave`, while the person is the only facilitator of a set with
    other members: forgetting them would leave it with none, and a set without a facilitator
    can only be given one by a workspace admin. Handing the role on by ourselves would mean
    choosing a facilitator for a set that never chose them; the person leaving can choose."""
    alone = await sets.led_alone(ctx, event.user)
    if alone:
        raise Refusal(
            STILL_LEADING.format(sets="a set" if len(alone) == 1 else f"{len(alone)} sets")
        )
    if not command.confirmed:
        ctx.emit(
            Ephemeral(
                channel=event.channel,
                user=event.user,
                text=text(
                    "This removes your updates, ratings, the sessions you took part in, "
                    "preferences, memberships, your offers, wants and the introductions made "
                    "from them, the prompts you added, your pairs between sessions and your "
                    "messages in do's (a do others also said stays, in their words), and takes "
                    "your name off your actions. It cannot be undone. "
                    "To go ahead, type `/als forget-me confirm`. (`/als export-me` gives you a copy first.)"
                ),
            )
        )
        return
    await forget(ctx, event.user, event_key=event.key)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text("Done: alsbot has forgotten you. Thank you for taking part."),
        )
    )


def register(router: Router) -> None:
    router.command(ExportMe, export_me)
    router.command(ForgetMe, forget_me)

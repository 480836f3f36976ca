"""Who took part in a session: one row per person, the first way they showed up.

A set's funders ask who came; people in a round rarely say "present", so taking part is read
from what they already do: speaking in the round's thread, pressing one of its buttons,
giving a rating — and, for someone who listens without typing, one press of [I'm here] on
the Opening. The first way wins: a later one changes nothing, so the row says how the
person first showed up, and when. It is theirs: `export-me` shows it, `forget-me` deletes
it (`bot.sets.privacy`).

Only people reach here: the adapters never hand over the bot's own messages, another bot's
or a webhook's (`MessagePosted`), and buttons are pressed by people.

Every message in a round's thread passes through `spoke`, so it costs at most one statement,
and none once this process knows the row is there (`ctx.memo`). The memo must never say
"recorded" for a row that could still be rolled back — a slice of events that fails is
replayed, and a skipped insert would then be lost — so it is written only when the row
turns out to come from another transaction: every event of one slice shares `ctx.now`, so
a row whose `first_at` is not this event's `now` was committed before this transaction.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from bot.context import Ctx
from bot.events import ButtonPressed
from bot.refs import UserRef
from bot.replies import Button, text
from bot.rounds.privately import Privately
from bot.rounds.sessions import SessionInfo
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.sets.hooks import PERSON_FORGET
from bot.store.lean import Lean
from bot.store.models import Attendance
from bot.store.upsert import insert_ignore

ATTENDANCE = Attendance.__table__
PREFIX = "attend"  # the router's button prefix (`attend:here`)
HERE_ACTION = f"{PREFIX}:here"
HERE_LABEL = "I'm here"
MARKED = "Thanks — you're marked as here."
ALREADY = "You're already marked as here for this session."


class How(StrEnum):
    SPOKE = "spoke"
    PRESSED = "pressed"
    RATED = "rated"
    HERE = "here"


def here_button(session_id: int) -> Button:
    """The Opening's one button; its value names the session, as every round button's does."""
    return Button(HERE_ACTION, HERE_LABEL, str(session_id))


def _known(ctx: Ctx, session_id: int, user: UserRef) -> bool:
    return session_id in ctx.memo.get(("attended", user.key), ())


def _remember(ctx: Ctx, session_id: int, user: UserRef) -> None:
    ctx.memo.setdefault(("attended", user.key), set()).add(session_id)


async def forget(ctx: Ctx, user_key: str) -> None:
    """`forget-me` deletes the rows (`bot.sets.privacy`); this process forgets it knew them,
    so someone still in the round is recorded again as anyone else would be."""
    ctx.memo.pop(("attended", user_key), None)


@lru_cache(maxsize=4)
def _note(dialect: str) -> Lean:
    """Insert the row; or, when the one there is older than this event (`first_at` before
    its `now`), touch it (`how` set to itself) so that RETURNING gives that `first_at` —
    what the memo needs to know. A row from this very transaction returns nothing and is
    not written again. Built once per dialect, as `bot.store.upsert` does, and run on
    SQLite's own cursor (`bot.store.lean`): it is the one statement a round message adds."""
    module = sqlite if dialect == "sqlite" else postgresql
    statement = module.insert(ATTENDANCE)
    upsert = statement.on_conflict_do_update(
        index_elements=[ATTENDANCE.c.session_id, ATTENDANCE.c.user_key],
        set_={"how": ATTENDANCE.c.how},
        where=ATTENDANCE.c.first_at != statement.excluded.first_at,
    )
    return Lean(upsert.returning(ATTENDANCE.c.first_at))


async def spoke(ctx: Ctx, session_id: int, user: UserRef, how: How = How.SPOKE) -> None:
    """A message in the round's thread (`how` is RATED when it gave a rating): the hot path."""
    if _known(ctx, session_id, user):
        return
    first_at = (
        await _note(ctx.dialect).run(ctx.conn, _values(ctx, session_id, user, how))
    ).scalar()
    if first_at is not None and first_at != ctx.now:
        _remember(ctx, session_id, user)  # committed before this transaction: it stays


async def took_part(ctx: Ctx, session_id: int, user: UserRef, how: How) -> bool:
    """Record that `user` took part in the session, unless they already had; True when this
    call recorded them."""
    if _known(ctx, session_id, user):
        return False
    result = await ctx.conn.execute(
        insert_ignore(ATTENDANCE, ctx.dialect, ["session_id", "user_key"]),
        _values(ctx, session_id, user, how),
    )
    return bool(result.rowcount)


def _values(ctx: Ctx, session_id: int, user: UserRef, how: How) -> dict[str, Any]:
    return {"session_id": session_id, "user_key": user.key, "how": how.value, "first_at": ctx.now}


async def pressed(ctx: Ctx, session_id: int, event: ButtonPressed, *, rating: bool) -> None:
    """One of the round's buttons, pressed by a person (a rating's is RATED)."""
    await took_part(ctx, session_id, event.user, How.RATED if rating else How.PRESSED)


async def here(ctx: Ctx, set_info: SetInfo, session: SessionInfo, user: UserRef) -> None:
    """[I'm here]: recorded once, and answered to the presser alone either way."""
    await sets.touch_member(ctx, set_info.id, user)
    fresh = await took_part(ctx, session.id, user, How.HERE)
    answer = Privately(user, set_info.channel, thread_handle=session.header)
    ctx.emit(answer.reply(text(MARKED if fresh else ALREADY)))


def register(router: Router) -> None:
    router.hook(PERSON_FORGET, forget)

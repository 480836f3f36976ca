"""Everyone's rating of the session, at its close.

A rating is the one number (and optional word) people choose to give about how the session
went; it is theirs, so it is part of `export-me` and goes with `forget-me`.
"""

from __future__ import annotations

import re

from sqlalchemy import insert, select, update

from bot.context import Ctx
from bot.events import MessagePosted
from bot.refs import UserRef
from bot.replies import Ephemeral, text
from bot.rounds.engine import Phase
from bot.rounds.sessions import SessionInfo, header_handle
from bot.set_info import SetInfo
from bot.store.models import Evaluation

EVALUATIONS = Evaluation.__table__
RATING = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?\s*[.!,:;-]?\s*(\S.{0,60})?\s*$", re.S)


async def on_message(
    ctx: Ctx, set_info: SetInfo, session: SessionInfo, event: MessagePosted
) -> bool:
    """A message in the round's thread that is a rating; True when it was one (and so
    needs nothing else)."""
    if session.state.phase != Phase.EVALUATION:
        return False
    match = RATING.match(event.text)
    if not match:
        return False
    await rate(ctx, set_info, session.id, event.user, int(match[1]), match[2])
    return True


async def rate(
    ctx: Ctx, set_info: SetInfo, session_id: int, user: UserRef, rating: int, word: str | None
) -> None:
    word = (word or "").strip()[:60] or None
    existing = (
        await ctx.conn.execute(
            select(EVALUATIONS.c.id).where(
                EVALUATIONS.c.session_id == session_id, EVALUATIONS.c.user_key == user.key
            )
        )
    ).first()
    if existing:
        await ctx.conn.execute(
            update(EVALUATIONS)
            .where(EVALUATIONS.c.id == existing.id)
            .values(rating=rating, word=word, created_at=ctx.now)
        )
    else:
        await ctx.conn.execute(
            insert(EVALUATIONS).values(
                session_id=session_id,
                user_key=user.key,
                rating=rating,
                word=word,
                created_at=ctx.now,
            )
        )
    ctx.emit(
        Ephemeral(
            channel=set_info.channel,
            user=user,
            text=text(f"Thanks — your rating of {rating}/5 is recorded."),
            thread_handle=header_handle(session_id),
        )
    )

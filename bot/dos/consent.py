"""Consent: a message from a round's thread becomes a do only if its author agrees.

What is said in a round is confidential, so when enough people react to such a message
its author gets a DM with two buttons (`do:approve`, `do:decline`).  Until they answer,
the message's text is kept only on its `do_sources` row (status `pending`); declining,
or not answering within `ASK_FOR`, wipes it.  If the reactions are all taken back first,
the question is withdrawn.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot import timers
from bot.context import OUT_OF_DATE, Ctx, Refusal
from bot.dos.common import COUNTING, DECLINED, EXPIRED, PENDING, REACTIONS, SOURCES
from bot.dos.do_text import snippet
from bot.dos.saving import reactors, save_source
from bot.events import ButtonPressed
from bot.refs import UserRef
from bot.replies import Button, Direct, Edit, Plain, text
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Timer
from bot.timers import DueTimer

ASK_FOR = timedelta(days=7)
KIND = "do_consent"
TIMERS = Timer.__table__


def _handle(source_id: int, stamp: str) -> str:
    return f"do:consent:{source_id}:{stamp}"


async def ask(ctx: Ctx, set_info: SetInfo, source_id: int, author: UserRef, body: str) -> None:
    stamp = str(int(ctx.now.timestamp()))
    handle = _handle(source_id, stamp)
    value = f"{source_id}:{stamp}"
    ctx.emit(
        Direct(
            user=author,
            text=text(
                "People in your set would like to add something you wrote in a round's thread "
                "to the set's do's:\n“",
                Plain(snippet(body, 600)),
                "”\nWhat is said in a round is confidential, so it is saved only if you agree. "
                "Nobody else sees this question or your answer.",
            ),
            buttons=(
                Button("do:approve", "Yes, save it", value, "primary"),
                Button("do:decline", "No, keep it private", value),
            ),
            handle=handle,
        )
    )
    await timers.schedule(
        ctx.conn,
        kind=KIND,
        due_at=ctx.now + ASK_FOR,
        subject=str(source_id),
        payload={"handle": handle},
        dedupe=f"{KIND}:{source_id}:{stamp}",
    )


async def _close(ctx: Ctx, source: Any, status: str) -> None:
    """A final answer (or none): forget the text and who reacted."""
    await ctx.conn.execute(
        update(SOURCES).where(SOURCES.c.id == source.id).values(status=status, text="")
    )
    await ctx.conn.execute(delete(REACTIONS).where(REACTIONS.c.message_key == source.message_key))


async def _open_handles(ctx: Ctx, source_id: int) -> list[str]:
    rows = await ctx.conn.execute(
        select(TIMERS.c.payload).where(
            TIMERS.c.kind == KIND, TIMERS.c.subject == str(source_id), TIMERS.c.status == "pending"
        )
    )
    return [p["handle"] for (p,) in rows if isinstance(p, dict) and p.get("handle")]


async def on_button(ctx: Ctx, event: ButtonPressed) -> None:
    verb = event.verb
    source_id, _, stamp = event.value.partition(":")
    if verb not in ("approve", "decline") or not source_id.isdigit():
        raise Refusal(OUT_OF_DATE)
    source = (await ctx.conn.execute(select(SOURCES).where(SOURCES.c.id == int(source_id)))).first()
    if source is None or source.status != PENDING:
        raise Refusal("That question has already been answered (or withdrawn).")
    if event.user.key != source.author_key:
        raise Refusal("Only the person who wrote the message can answer this.")
    ctx.set_id = source.set_id
    handle = _handle(source.id, stamp)
    await timers.cancel(ctx.conn, kind=KIND, subject=str(source.id), note="answered")
    if verb == "decline":
        await _close(ctx, source, DECLINED)
        ctx.emit(
            Edit(
                handle=handle,
                text=text("Kept private: nothing was saved, and nobody else is told. Thank you."),
            )
        )
        return
    set_info = await sets.get_set(ctx, source.set_id)
    savers = await reactors(
        ctx, source.message_key, source.author_key, bool(set_info.setting(ctx, "do_allow_self"))
    )
    do_id, merged = await save_source(
        ctx, source.set_id, source.id, source.text, source.author_key, savers
    )
    how = f"added to do #{do_id}, which says the same" if merged else f"saved as do #{do_id}"
    ctx.emit(
        Edit(
            handle=handle,
            text=text(
                f"Thank you: it is {how}. You can take it out again with `/als dos remove {do_id}`."
            ),
        )
    )


async def withdraw(ctx: Ctx, source: Any) -> None:
    """The reactions went below the threshold before the author answered."""
    for handle in await _open_handles(ctx, source.id):
        ctx.emit(
            Edit(
                handle=handle,
                text=text("No answer needed any more: the reactions were taken back."),
            )
        )
    await timers.cancel(ctx.conn, kind=KIND, subject=str(source.id), note="withdrawn")
    await ctx.conn.execute(
        update(SOURCES).where(SOURCES.c.id == source.id).values(status=COUNTING, text="")
    )


async def on_timer(ctx: Ctx, timer: DueTimer) -> str | None:
    source = (
        await ctx.conn.execute(select(SOURCES).where(SOURCES.c.id == int(timer.subject)))
    ).first()
    if source is None or source.status != PENDING:
        return "skipped: answered"
    ctx.set_id = source.set_id
    await _close(ctx, source, EXPIRED)
    handle = timer.payload.get("handle")
    if handle:
        ctx.emit(
            Edit(
                handle=handle,
                text=text("This question expired unanswered, so nothing was saved."),
            )
        )
    return None

"""`/als report`: how the set is doing, for its facilitators."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.commands.values import Report, ReportExport, ReportShare
from bot.context import Ctx, Refusal
from bot.counts import counted, tally
from bot.events import CommandInvoked
from bot.replies import Ephemeral, Strong, text
from bot.router import Router
from bot.sets import records as sets
from bot.store.models import Action, Evaluation, Outbox
from bot.store.models import Session as SessionRow

TOP_WORDS = 10  # the words people gave most often, across the set's sessions


async def report(ctx: Ctx, event: CommandInvoked, _command: Report) -> None:
    set_info = sets.command_set(ctx)
    sessions = SessionRow.__table__
    actions = Action.__table__
    evals = Evaluation.__table__
    outbox = Outbox.__table__
    held = (
        await ctx.conn.execute(
            select(func.count())
            .select_from(sessions)
            .where(sessions.c.set_id == set_info.id, sessions.c.status == "closed")
        )
    ).scalar_one()
    by_status: dict[str, int] = dict(
        (
            await ctx.conn.execute(
                select(actions.c.status, func.count())
                .where(actions.c.set_id == set_info.id)
                .group_by(actions.c.status)
            )
        ).all()
    )
    rating = (
        await ctx.conn.execute(
            select(func.count(), func.avg(evals.c.rating))
            .join(sessions, sessions.c.id == evals.c.session_id)
            .where(sessions.c.set_id == set_info.id)
        )
    ).one()
    words = tally(
        (
            await ctx.conn.execute(
                select(evals.c.word)
                .join(sessions, sessions.c.id == evals.c.session_id)
                .where(sessions.c.set_id == set_info.id, evals.c.word.is_not(None))
                .order_by(evals.c.created_at, evals.c.id)
            )
        ).scalars(),
        limit=TOP_WORDS,
    )
    failures = list(
        await ctx.conn.execute(
            select(outbox.c.lane, outbox.c.error, outbox.c.created_at)
            .where(outbox.c.set_id == set_info.id, outbox.c.status == "failed")
            .order_by(outbox.c.id.desc())
            .limit(5)
        )
    )
    body = text(Strong("Set report"), f"\nSessions held: {held}")
    body += "\nActions: " + (
        ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "none yet"
    )
    if rating[0]:
        body += f"\nEvaluation: {counted(rating[0], 'rating')}, average {float(rating[1]):.1f}/5"
        if words:
            body += f" — {words}"
    if failures:
        body += "\nMessages that could not be delivered:"
        for f in failures:
            body += text("\n• to ", f.lane.split(":")[-1], f" — {f.error or 'unknown error'}")
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))


async def _not_yet(ctx: Ctx, event: CommandInvoked, _command: object) -> None:
    # SCAFFOLD (issue 17, replaced before it is resolved): the handlers land with their modules.
    raise Refusal("That part of the report is still being built.")


def register(router: Router) -> None:
    router.command(Report, report)
    for kind in (ReportShare, ReportExport):
        router.command(kind, _not_yet)

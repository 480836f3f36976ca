"""`/als report`, `/als report share` and `/als report export`: how the set is doing.

The facilitator's own view (`/als report`, only them) may name who came to each session and
lists messages the bot could not deliver; what is shared in the channel or exported is the
same figures with nobody named (`ReportFigures.anonymous`).  The figures are read inside the
command's transaction (a few grouped queries); the charts and files are `FileRequest`s made
when delivered (`bot/reports/files.py`), so drawing never holds the event loop.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.commands.values import Report, ReportExport, ReportShare
from bot.context import Ctx
from bot.counts import counted, tally
from bot.events import CommandInvoked
from bot.refs import UserRef
from bot.replies import Ephemeral, Mention, Post, Strong, Text, text
from bot.reports import files
from bot.reports.figures import OUTCOME_LABELS, OUTCOMES, ReportFigures, title_of
from bot.router import Router
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.models import Outbox

TOP_WORDS = 10  # the words people gave most often, across the sessions shown
FAILURES_SHOWN = 5
OUTBOX = Outbox.__table__


def _day(figures: ReportFigures, index: int) -> str:
    held = figures.sessions[index].held_on
    return f"{held.day} {held:%b %Y}"


def summary(figures: ReportFigures, *, named: bool) -> Text:
    """The report in a few lines of chat; `named` adds who came (the facilitator's view)."""
    shown = figures if named else figures.anonymous()
    body = text(Strong(f"{shown.title}: how the set is doing"))
    sessions = shown.sessions
    if not sessions:
        return body + text("\nNo sessions held yet: the report fills in once a session has ended.")
    span = _day(shown, 0) if len(sessions) == 1 else f"{_day(shown, 0)} – {_day(shown, -1)}"
    body += text(f"\n{counted(len(sessions), 'session')} ({span})")
    came = [s.attendance for s in sessions]
    body += text(
        "\nAttendance: " + ", ".join(map(str, came)) + f" (mean {sum(came) / len(came):.1f})"
    )
    rated = [s for s in sessions if s.ratings.count]
    if rated:
        means = ", ".join(
            f"{s.ratings.mean:.1f}" if s.ratings.mean is not None else "–" for s in sessions
        )
        total = sum(s.ratings.count for s in rated)
        overall = sum((s.ratings.mean or 0) * s.ratings.count for s in rated) / total
        body += text(f"\nRatings (mean per session): {means}; {counted(total, 'rating')}, ")
        body += text(f"overall {overall:.1f}/5")
        words = tally((w for s in sessions for w in s.ratings.words), limit=TOP_WORDS)
        if words:
            body += text("\nWords people gave: ", words)
    outcomes = {k: sum(s.outcomes.get(k, 0) for s in sessions) for k in OUTCOMES}
    agreed = sum(outcomes.values())
    if agreed:
        parts = ", ".join(f"{n} {OUTCOME_LABELS[k].lower()}" for k, n in outcomes.items() if n)
        body += text(f"\nActions agreed: {agreed} — {parts}")
    presented = sum(s.presenters for s in sessions)
    if presented:
        updated = sum(s.presenters_updated for s in sessions)
        body += text(f"\nPresenters who updated before the next session: {updated} of {presented}")
    saved = sum(n for _, n in shown.dos_by_month)
    if saved:
        months = ", ".join(f"{m} {n}" for m, n in shown.dos_by_month if n)
        body += text(f"\nDo's saved: {saved} ({months})")
    if shown.nudges_sent:
        body += text(f"\nNudges: {shown.nudges_sent} sent, {shown.nudges_answered} answered")
    if named:
        body += _who_came(shown)
    return body


def _who_came(figures: ReportFigures) -> Text:
    """Names, for the facilitator's eyes only: the latest session's attendees."""
    latest = figures.sessions[-1]
    if not latest.attendees:
        return text()
    shown = text(f"\nAt session {latest.number} (only you see names): ")
    for i, key in enumerate(latest.attendees):
        shown += text(", " if i else "", Mention(UserRef.from_key(key)))
    return shown


async def _figures(ctx: Ctx, set_info: SetInfo) -> ReportFigures:
    title = title_of(set_info, ctx.config.defaults.name)
    return await files.figures_for(ctx.conn, set_info, title=title, now=ctx.now)


async def report(ctx: Ctx, event: CommandInvoked, _command: Report) -> None:
    set_info = sets.command_set(ctx)
    await files.check_rate(ctx, event.user)
    figures = await _figures(ctx, set_info)
    body = summary(figures, named=True)
    failures = list(
        await ctx.conn.execute(
            select(OUTBOX.c.lane, OUTBOX.c.error)
            .where(OUTBOX.c.set_id == set_info.id, OUTBOX.c.status == "failed")
            .order_by(OUTBOX.c.id.desc())
            .limit(FAILURES_SHOWN)
        )
    )
    if failures:
        body += text("\nMessages that could not be delivered:")
        for f in failures:
            body += text("\n• to ", f.lane.split(":")[-1], f" — {f.error or 'unknown error'}")
    if figures.sessions:
        body += text(
            "\nThe charts follow. `/als report share` posts this in the channel with nobody "
            "named; `/als report export csv` (or `html`) gives you a file for funders."
        )
    ctx.emit(Ephemeral(channel=event.channel, user=event.user, text=body))
    if figures.sessions:
        for wanted in files.chart_requests(
            set_info, event.channel, event.user, ctx.now, figures.title, asker=event.user
        ):
            ctx.emit(wanted)


async def share(ctx: Ctx, event: CommandInvoked, _command: ReportShare) -> None:
    set_info = sets.command_set(ctx)
    await files.check_rate(ctx, event.user)
    figures = await _figures(ctx, set_info)
    ctx.emit(Post(channel=set_info.channel, text=summary(figures, named=False)))
    if figures.sessions:
        for wanted in files.chart_requests(
            set_info, set_info.channel, None, ctx.now, figures.title, asker=event.user
        ):
            ctx.emit(wanted)
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text("Posted the report in the channel, with nobody named."),
        )
    )


async def export(ctx: Ctx, event: CommandInvoked, command: ReportExport) -> None:
    set_info = sets.command_set(ctx)
    await files.check_rate(ctx, event.user)
    title = title_of(set_info, ctx.config.defaults.name)
    ctx.emit(
        files.export_request(set_info, command.format, event.channel, event.user, ctx.now, title)
    )
    ctx.emit(
        Ephemeral(
            channel=event.channel,
            user=event.user,
            text=text(
                f"Making the report as {command.format.upper()} (the last six sessions, nobody "
                "named); it will arrive here shortly."
            ),
        )
    )


def register(router: Router) -> None:
    router.command(Report, report)
    router.command(ReportShare, share)
    router.command(ReportExport, export)

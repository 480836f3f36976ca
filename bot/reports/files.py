"""The report's files — its charts (PNG), CSV and HTML page — made when they are delivered.

As with the do's export (`bot/dos/export_file.py`), a command only writes a small
`FileRequest` (the set, what to make, when it was asked); the deliverer calls `make`, which
reads the figures through its own read connection and draws in a worker thread, so neither
the chart's bytes nor the drawing ever sit in an event's transaction or on the event loop.

matplotlib is loaded here on first use, in that worker thread, by name: importing it costs
about 0.4 s and 40 MB, which a bot that never draws a chart should not pay at start-up, and
on the event loop the import would hold every acknowledgement for as long.  Nothing else in
the core imports `bot.reports.charts` (a test checks that starting the bot does not load
matplotlib).

Files that leave the facilitator's own view — shared in the channel, exported for funders,
served on the web — are made from `ReportFigures.anonymous()`: nobody is named in them.
"""

from __future__ import annotations

import asyncio
import importlib
import math
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.context import Ctx, Refusal
from bot.counts import counted
from bot.dates.zones import zone_or
from bot.ports import DeliveryFailed
from bot.refs import ChannelRef, UserRef
from bot.replies import Ephemeral, File, FileRequest, Reply, text
from bot.reports import csv_report, html_report
from bot.reports.figures import CHART_TITLES, Chart, ReportFigures, title_of
from bot.reports.gather import report_figures
from bot.set_info import SetInfo
from bot.sets import records as sets
from bot.store.db import Store
from bot.store.models import Outbox

CHART = "report.chart"
EXPORT = "report.export"
CHART_NAMES = tuple(CHART_TITLES)
EXPORT_FORMATS = ("csv", "html")
PER_HOUR = 10  # report files a person may ask for in an hour (each draws its charts)
WINDOW = timedelta(hours=1)
_CHARTS_MODULE = "bot.reports.charts"
OUTBOX = Outbox.__table__


def handle_of(user: UserRef) -> str:
    """The outbox `handle` a person's report files are filed under, to count them."""
    return "report-file:" + user.key


def chart_requests(
    set_info: SetInfo,
    channel: ChannelRef,
    user: UserRef | None,
    now: datetime,
    title: str,
    *,
    asker: UserRef,
) -> list[FileRequest]:
    """Both charts, privately to `user` or (None) in the channel; counted against `asker`."""
    return [
        FileRequest(
            channel=channel,
            user=user,
            recipe=CHART,
            args={"set": set_info.id, "chart": name, "at": now.isoformat(), "title": title},
            handle=handle_of(asker),
        )
        for name in CHART_NAMES
    ]


def export_request(
    set_info: SetInfo, fmt: str, channel: ChannelRef, user: UserRef, now: datetime, title: str
) -> FileRequest:
    return FileRequest(
        channel=channel,
        user=user,
        recipe=EXPORT,
        args={"set": set_info.id, "format": fmt, "at": now.isoformat(), "title": title},
        handle=handle_of(user),
    )


async def check_rate(ctx: Ctx, user: UserRef) -> None:
    """At most `PER_HOUR` report files a person in the last `WINDOW` (two charts count as
    two), counted from their rows in the outbox, so the limit holds across processes."""
    rows = list(
        await ctx.conn.execute(
            select(OUTBOX.c.created_at).where(
                OUTBOX.c.handle == handle_of(user),
                or_(
                    OUTBOX.c.status.in_(("pending", "sending")),
                    OUTBOX.c.created_at > ctx.now - WINDOW,
                ),
            )
        )
    )
    recent = sorted(r.created_at for r in rows)
    if len(recent) + len(CHART_NAMES) > PER_HOUR:
        free = recent[max(0, len(recent) + len(CHART_NAMES) - PER_HOUR - 1)] + WINDOW
        minutes = max(1, math.ceil((free - ctx.now).total_seconds() / 60))
        raise Refusal(
            f"You've had {counted(len(recent), 'report file')} in the last hour; "
            f"ask again in {counted(minutes, 'minute')}."
        )


def draw_charts(figures: ReportFigures) -> tuple[Chart, ...]:
    """Both charts (in a worker thread: this is where matplotlib is first loaded)."""
    charts = importlib.import_module(_CHARTS_MODULE)
    return cast(tuple[Chart, ...], charts.draw(figures))


def draw_chart(name: str, figures: ReportFigures) -> Chart:
    """One chart, for a file of its own (in a worker thread, like `draw_charts`)."""
    charts = importlib.import_module(_CHARTS_MODULE)
    return cast(Chart, charts.draw_one(name, figures))


async def figures_for(
    conn: AsyncConnection,
    set_info: SetInfo,
    *,
    title: str,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
) -> ReportFigures:
    return await report_figures(
        conn,
        set_id=set_info.id,
        title=title,
        tz=zone_or(set_info.timezone),
        now=now,
        since=since,
        until=until,
    )


def render(fmt: str, figures: ReportFigures) -> tuple[str, bytes]:
    """(file name, bytes) of the anonymous report as `fmt`: csv, html or png (both charts
    are in the HTML page; `png` is the ratings-and-attendance chart).  Blocking: call it in
    a worker thread from the event loop."""
    shown = figures.anonymous()
    stamp = shown.made_at.astimezone(ZoneInfo(shown.timezone)).strftime("%Y-%m-%d")
    if fmt == "csv":
        return f"report-{stamp}.csv", csv_report.to_csv(shown)
    if fmt == "html":
        return f"report-{stamp}.html", html_report.to_html(shown, draw_charts(shown)).encode()
    if fmt == "png":
        chart = draw_chart(CHART_NAMES[0], shown)
        return f"report-{chart.name}-{stamp}.png", chart.png
    raise ValueError(f"no report format {fmt!r}")


async def make(store: Store, wanted: FileRequest) -> Reply | None:
    """The file `wanted` describes (a `MAKE_FILE` maker); None for other recipes."""
    if wanted.recipe not in (CHART, EXPORT):
        return None
    args: dict[str, Any] = wanted.args
    at = datetime.fromisoformat(str(args["at"]))
    async with store.read() as conn:
        set_info = await sets.set_by_id(conn, int(args["set"]))
        if set_info is None:
            return _gone(wanted)
        figures = await figures_for(conn, set_info, title=str(args.get("title") or ""), now=at)
    if wanted.recipe == EXPORT:
        filename, content = await asyncio.to_thread(render, str(args["format"]), figures)
        return File(
            channel=wanted.channel,
            user=wanted.user,
            filename=filename,
            content=content,
            title=f"{figures.title}: report for funders",
        )
    chart = await asyncio.to_thread(draw_chart, str(args["chart"]), figures.anonymous())
    stamp = at.astimezone(ZoneInfo(figures.timezone)).strftime("%Y-%m-%d")
    return File(
        channel=wanted.channel,
        user=wanted.user,
        filename=f"report-{chart.name}-{stamp}.png",
        content=chart.png,
        title=chart.title,
        alt=chart.alt,
    )


async def report_page(
    store: Store, set_id: int, *, now: datetime, default_title: str = ""
) -> str | None:
    """The report as served at the set's link: the HTML export of the last six sessions,
    nobody named; None for a set that is gone."""
    async with store.read() as conn:
        set_info = await sets.set_by_id(conn, set_id)
        if set_info is None:
            return None
        figures = await figures_for(
            conn, set_info, title=title_of(set_info, default_title), now=now
        )
    _, content = await asyncio.to_thread(render, "html", figures)
    return content.decode()


def _gone(wanted: FileRequest) -> Reply:
    """The set went between the asking and the making: the asker is told; a chart meant
    for the channel fails for good with the reason (None would say "not my recipe")."""
    if wanted.user is None:
        raise DeliveryFailed("the set no longer exists")
    return Ephemeral(
        channel=wanted.channel, user=wanted.user, text=text("That set no longer exists.")
    )

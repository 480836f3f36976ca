"""The report's pictures: ratings and attendance over sessions, and action outcomes per
session, as PNGs with a text alternative each.

Drawn with matplotlib's object-oriented API only (`Figure` + `FigureCanvasAgg`, never
pyplot, whose global figure registry is not safe in a worker thread), at a fixed size and
DPI with DejaVu Sans (which ships with matplotlib), so the same figures give the same bytes.
matplotlib is heavy to import, so nothing else in `bot/` imports this module: the caller
loads it lazily in a worker thread, and the HTML report takes the charts as arguments.

A chat shows a picture on a light or a dark background, so each chart is its own opaque
light card with dark text; every colour keeps at least 3:1 against the card (4.5:1, so
the white counts drawn inside a bar stay legible too).  The palette is Okabe–Ito's hues,
darkened for that contrast, and each outcome has its own hatching and a count written on
it, so no figure is told by colour alone.  User text (the set's name) is drawn with
mathtext off: a `$` in a name is a dollar, not a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator

from bot.reports import figure_words as words
from bot.reports.figures import (
    CHART_TITLES,
    OUTCOME_LABELS,
    OUTCOMES,
    Chart,
    ReportFigures,
    SessionFigures,
)

WIDTH, HEIGHT, DPI = 1200, 675, 150  # 8 × 4.5 inches: a 16:9 picture chats show whole
FONT = "DejaVu Sans"
CARD = "#FCFCFA"  # the opaque light card every chart is drawn on
INK = "#1F2328"  # text: 15:1 on the card
MUTED = "#55606E"  # secondary text and grid: 6.2:1
GRID = "#D8DADF"  # gridlines only (decoration, not information)
RATING = "#0072B2"  # Okabe–Ito blue: 5.1:1
ATTENDANCE = "#007A5A"  # Okabe–Ito bluish green, darkened: 5.2:1
OUTCOME_COLOURS = {
    "done": "#007A5A",  # bluish green, darkened
    "partly": "#0072B2",  # blue
    "not_yet": "#9A6700",  # orange, darkened
    "dropped": "#A8427F",  # reddish purple, darkened
    "no_update": "#5F5F5F",  # grey
}
OUTCOME_HATCHES = {"done": "", "partly": "//", "not_yet": "..", "dropped": "xx", "no_update": "--"}
# The characters DejaVu Sans can draw: a set's name is drawn without the others (an emoji, a
# CJK name) rather than as empty boxes, with a warning each time; its alt text keeps them.
GLYPHS = frozenset(FT2Font(font_manager.findfont(FONT, fallback_to_default=False)).get_charmap())
Painter = Callable[[Figure, ReportFigures], None]
TITLE_CHARS = 40  # a longer set name is shortened in the picture (the alt text has it whole)


def draw(figures: ReportFigures) -> tuple[Chart, ...]:
    """Both charts of the report, in the order they are shown."""
    return tuple(draw_one(name, figures) for name in CHART_TITLES)


def draw_one(name: str, figures: ReportFigures) -> Chart:
    """One of the charts (`CHART_TITLES`): a file in chat is one picture, drawn alone."""
    if name not in CHART_TITLES:
        raise ValueError(f"unknown chart {name!r}")
    painter = _ratings_attendance if name == "ratings-attendance" else _outcomes
    return _chart(name, figures.anonymous(), painter)


def alt_text(chart_name: str, figures: ReportFigures) -> str:
    """The chart's figures in words, for a screen reader or a chat that shows no image."""
    if chart_name not in CHART_TITLES:
        raise ValueError(f"unknown chart {chart_name!r}")
    sessions = figures.sessions
    head = f"{CHART_TITLES[chart_name]}, {figures.title} ({words.period_words(figures)})."
    if not sessions:
        return f"{head} No sessions were held in this period."
    year = words.spans_years(sessions)
    if chart_name == "ratings-attendance":
        ratings = "; ".join(
            f"{words.session_name(s, with_year=year)} {words.rating_words(s)}" for s in sessions
        )
        attendance = "; ".join(
            f"{words.session_name(s, with_year=year)} {words.counted_people(s.attendance)}"
            for s in sessions
        )
        return f"{head} Mean rating on a scale of 1 to 5 by session: {ratings}. Attendance by session: {attendance}."
    if not any(words.actions_total(s) for s in sessions):
        return f"{head} No actions were agreed at these sessions."
    outcomes = "; ".join(
        f"{words.session_name(s, with_year=year)}: {words.outcome_words(s)}" for s in sessions
    )
    return f"{head} Outcomes of the actions agreed at each session: {outcomes}."


# --------------------------------------------------------------------------- drawing


def _chart(name: str, figures: ReportFigures, paint: Painter) -> Chart:
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=CARD, layout="constrained")
    FigureCanvasAgg(fig)  # the figure's own canvas: Agg, not pyplot's chosen backend
    name_shown = " ".join("".join(c for c in figures.title if ord(c) in GLYPHS).split())
    if len(name_shown) > TITLE_CHARS:
        name_shown = name_shown[: TITLE_CHARS - 1] + "…"
    heading = f"{name_shown}: {CHART_TITLES[name].lower()}" if name_shown else CHART_TITLES[name]
    fig.suptitle(
        heading,
        fontsize=12.5,
        fontweight="bold",
        color=INK,
        family=FONT,
        parse_math=False,
    )
    paint(fig, figures)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=CARD, metadata={"Software": None})
    return Chart(
        name=name,
        title=CHART_TITLES[name],
        png=buffer.getvalue(),
        alt=alt_text(name, figures),
        width=WIDTH,
        height=HEIGHT,
    )


def _say(fig: Figure, message: str) -> None:
    """A chart with nothing to draw says so, instead of showing an empty axis."""
    fig.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, color=INK, family=FONT)


def _style(ax: Axes, sessions: Sequence[SessionFigures]) -> None:
    ax.set_facecolor(CARD)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(colors=MUTED, labelcolor=INK, labelsize=10, labelfontfamily=FONT)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlim(-0.6, len(sessions) - 0.4)
    ax.xaxis.set_major_locator(FixedLocator(list(range(len(sessions)))))


def _session_ticks(ax: Axes, sessions: Sequence[SessionFigures]) -> None:
    year = words.spans_years(sessions)
    crowded = len(sessions) > 12
    labels = [
        str(s.number) if crowded else f"{s.number}\n{words.day_month(s.held_on, with_year=year)}"
        for s in sessions
    ]
    ax.set_xticks(range(len(sessions)), labels)
    span = f"{words.day_month(sessions[0].held_on, with_year=True)} to {words.day_month(sessions[-1].held_on, with_year=True)}"
    axis = f"Session number ({span})" if crowded else "Session (number and date)"
    ax.set_xlabel(axis, color=INK, fontsize=10, family=FONT)


def _label(ax: Axes, x: float, y: float, text: str, **style: Any) -> None:
    look: dict[str, Any] = {"color": INK, "fontsize": 9.5, "family": FONT} | style
    ax.text(x, y, text, ha="center", va="bottom", parse_math=False, **look)


def _ratings_attendance(fig: Figure, figures: ReportFigures) -> None:
    sessions = figures.sessions
    if not sessions:
        _say(fig, "No sessions were held in this period.")
        return
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    xs = list(range(len(sessions)))
    brief = len(sessions) > 8
    means = [
        s.ratings.mean if s.ratings.count and s.ratings.mean is not None else None for s in sessions
    ]
    _style(top, sessions)
    top.set_ylim(0.5, 5.9)
    top.yaxis.set_major_locator(FixedLocator([1, 2, 3, 4, 5]))
    top.set_ylabel("Mean rating", color=INK, fontsize=10, family=FONT)
    top.set_title(
        "Mean rating, 1 to 5 (whiskers: ± spread, one standard deviation)",
        loc="left",
        fontsize=10,
        color=MUTED,
        family=FONT,
    )
    rated = [(x, s, m) for x, s, m in zip(xs, sessions, means, strict=True) if m is not None]
    if not rated:
        top.text(
            0.5,
            0.5,
            "No ratings were given at these sessions.",
            transform=top.transAxes,
            ha="center",
            va="center",
            color=INK,
            fontsize=12,
            family=FONT,
        )
    else:
        # The line joins neighbouring sessions only: a session with no ratings breaks it,
        # rather than a line drawn across it suggesting a mean it did not have.
        top.plot(xs, [math.nan if m is None else m for m in means], color=RATING, linewidth=2)
        spreads = [s.ratings.spread or 0.0 for _, s, _ in rated]
        top.errorbar(
            [x for x, _, _ in rated],
            [m for _, _, m in rated],
            # ± one spread, kept inside the scale: no rating is below 1 or above 5
            yerr=[
                [min(d, m - 1.0) for d, (_, _, m) in zip(spreads, rated, strict=True)],
                [min(d, 5.0 - m) for d, (_, _, m) in zip(spreads, rated, strict=True)],
            ],
            fmt="o",
            color=RATING,
            ecolor=RATING,
            elinewidth=1.8,
            capsize=6,
            markersize=8,
        )
        for x, s, m in zip(xs, sessions, means, strict=True):
            if m is None:
                gap = "none" if brief else "no\nratings"
                _label(top, x, 2.6, gap, color=MUTED, style="italic")
                continue
            tip = min(m + (s.ratings.spread or 0.0), 5.0) + 0.15
            count = f" (n={s.ratings.count})" if not brief else ""
            _label(top, x, tip, words.one_decimal(m) + count, fontweight="bold")

    _style(bottom, sessions)
    attendance = [s.attendance for s in sessions]
    bottom.bar(xs, attendance, width=0.55, color=ATTENDANCE, edgecolor=ATTENDANCE)
    bottom.set_ylim(0, max(max(attendance), 1) * 1.35)
    bottom.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    bottom.set_ylabel("People", color=INK, fontsize=10, family=FONT)
    bottom.set_title("Attendance", loc="left", fontsize=10, color=MUTED, family=FONT)
    for x, n in zip(xs, attendance, strict=True):
        _label(bottom, x, n, str(n), fontweight="bold")
    _session_ticks(bottom, sessions)


def _outcomes(fig: Figure, figures: ReportFigures) -> None:
    sessions = figures.sessions
    if not sessions:
        _say(fig, "No sessions were held in this period.")
        return
    totals = [words.actions_total(s) for s in sessions]
    if not any(totals):
        _say(fig, "No actions were agreed at these sessions.")
        return
    ax = fig.subplots()
    _style(ax, sessions)
    xs = list(range(len(sessions)))
    tallest = max(totals)
    base = [0] * len(sessions)
    for key in OUTCOMES:
        counts = [s.outcomes.get(key, 0) for s in sessions]
        ax.bar(
            xs,
            counts,
            width=0.6,
            bottom=base,
            color=OUTCOME_COLOURS[key],
            edgecolor=CARD,
            linewidth=1.2,
            hatch=OUTCOME_HATCHES[key],
            label=OUTCOME_LABELS[key],
        )
        for x, n, b in zip(xs, counts, base, strict=True):
            if (
                n and n / tallest >= 0.08
            ):  # a segment too thin for its count is still in the alt text
                ax.text(
                    x,
                    b + n / 2,
                    str(n),
                    ha="center",
                    va="center",
                    color="#FFFFFF",
                    fontsize=9.5,
                    fontweight="bold",
                    family=FONT,
                    bbox={
                        "boxstyle": "round,pad=0.3",
                        "facecolor": OUTCOME_COLOURS[key],
                        "edgecolor": "none",
                    },
                )
        base = [b + n for b, n in zip(base, counts, strict=True)]
    for x, total in zip(xs, totals, strict=True):
        if total:
            _label(ax, x, total + tallest * 0.015, str(total), fontweight="bold")
        else:
            _label(ax, x, 0.0, "none", color=MUTED, style="italic")
    ax.set_ylim(0, tallest * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_ylabel("Actions agreed", color=INK, fontsize=10, family=FONT)
    handles = [
        Patch(
            facecolor=OUTCOME_COLOURS[k],
            edgecolor=CARD,
            hatch=OUTCOME_HATCHES[k],
            label=OUTCOME_LABELS[k],
        )
        for k in OUTCOMES
    ]
    legend = ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=len(OUTCOMES),
        frameon=False,
        prop={"family": FONT, "size": 10},
        labelcolor=INK,
        handleheight=1.4,
        handlelength=2.2,
    )
    legend.set_in_layout(True)
    _session_ticks(ax, sessions)

"""The set's report as one self-contained HTML page, for funders: the charts embedded as
data URLs, and every figure again as an accessible table.

A pure function from the figures (and the charts someone else drew — this module never
imports matplotlib, so the web server and the CSV path stay light) to text.  The page:

- makes no request: images are `data:` URLs, the style is inline and allowed by its hash
  in a Content-Security-Policy that forbids everything else (no script is needed);
- escapes every text (`html.escape`): the set's name and the words people gave are
  whatever they typed;
- names nobody: it is given `figures.anonymous()` whatever the caller passed;
- says each chart's figures three ways — the picture, its alt text, and a table with a
  caption and header cells — so a screen reader, a printout and a spreadsheet-minded
  funder all get the same numbers (WCAG 2.2 AA: 1.1.1, 1.3.1, 1.4.3, 1.4.11, 2.4.1, 2.4.7);
- prints on A4 with nothing cut off: images shrink to the page, and a figure or a table
  row is never split across pages.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

from bot.counts import counted, tally
from bot.dos.export import page_head, style_source
from bot.reports import figure_words as words
from bot.reports.figures import OUTCOME_LABELS, OUTCOMES, Chart, ReportFigures, SessionFigures

_CSS = """
:root { color-scheme: light dark; --bg: #fbfaf7; --fg: #1f2328; --muted: #5c6370;
  --card: #ffffff; --line: #d5d2c9; --accent: #2f6f4f; --head: #eef3ef; --focus: #1a5fb4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --fg: #e8e6e3; --muted: #a3a9b3; --card: #1f2227;
    --line: #3a3f47; --accent: #7cc4a0; --head: #23352c; --focus: #8ab4f8; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.page { max-width: 60rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
.skip { position: absolute; left: -9999px; top: 0; }
.skip:focus { left: 1rem; top: 1rem; z-index: 1; background: var(--card); color: var(--fg);
  padding: 0.5rem 0.75rem; border: 2px solid var(--focus); }
a { color: var(--accent); }
a:focus-visible, .table-wrap:focus-visible { outline: 3px solid var(--focus);
  outline-offset: 2px; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 0.5rem 0 0.25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 0.75rem; color: var(--accent); }
.lede { color: var(--muted); margin: 0 0 0.25rem; overflow-wrap: anywhere; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0; margin: 1rem 0 0;
  list-style: none; }
nav a { display: inline-block; min-height: 1.5rem; padding: 0.1rem 0; }
dl.glance { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
  gap: 0.75rem; margin: 0; }
dl.glance div { background: var(--card); border: 1px solid var(--line); border-radius: 0.6rem;
  padding: 0.6rem 0.8rem; }
dl.glance dt { color: var(--muted); font-size: 0.875rem; }
dl.glance dd { margin: 0; font-size: 1.35rem; font-weight: 600; }
figure { margin: 0 0 1rem; background: var(--card); border: 1px solid var(--line);
  border-radius: 0.6rem; padding: 0.5rem; }
figure img { display: block; max-width: 100%; height: auto; border-radius: 0.3rem; }
figcaption { color: var(--muted); font-size: 0.875rem; margin: 0.4rem 0.25rem 0; }
.table-wrap { overflow-x: auto; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; background: var(--card); font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.4rem; }
th, td { border: 1px solid var(--line); padding: 0.35rem 0.55rem; vertical-align: top; }
thead th { background: var(--head); text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody th { text-align: left; font-weight: 600; white-space: nowrap; }
td.words { overflow-wrap: anywhere; }
.empty { color: var(--muted); font-style: italic; }
.note { color: var(--muted); font-size: 0.875rem; }
footer.site { color: var(--muted); font-size: 0.85rem; margin-top: 2.5rem;
  border-top: 1px solid var(--line); padding-top: 0.75rem; }
@page { size: A4; margin: 15mm; }
@media print {
  :root { color-scheme: light; --bg: #ffffff; --fg: #000000; --muted: #3d434b;
    --card: #ffffff; --line: #9a9a9a; --accent: #1f4d36; --head: #eeeeee; }
  body { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  .skip, nav { display: none; }
  h2 { break-after: avoid; margin-top: 1.25rem; }
  figure, tr, dl.glance div { break-inside: avoid; }
  figure { border: 0; padding: 0; }
  .table-wrap { overflow: visible; }
  table { font-size: 9pt; }
  thead { display: table-header-group; }
}
"""
CSP = (
    f"default-src 'none'; img-src data:; style-src {style_source(_CSS)}; "
    "base-uri 'none'; form-action 'none'"
)
CHART_PLACES = ("ratings-attendance", "outcomes")  # charts this page knows where to put
NO_SESSIONS = "No sessions were held in this period."
_NUM = ' class="num"'
_NONE_GIVEN = '<span class="empty">none given</span>'


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def to_html(figures: ReportFigures, charts: Sequence[Chart]) -> str:
    shown = figures.anonymous()
    by_name = {c.name: c for c in charts}
    other_charts = [c for c in charts if c.name not in CHART_PLACES]
    sections = [
        ("glance", "At a glance", _glance(shown)),
        (
            "ratings",
            "Attendance and ratings",
            _figure(by_name.get("ratings-attendance")) + _attendance_ratings_table(shown),
        ),
        ("words", "The words people gave", _words_table(shown)),
        ("outcomes", "Action outcomes", _figure(by_name.get("outcomes")) + _outcomes_table(shown)),
        ("updates", "Updates before the next session", _updates_table(shown)),
        ("dos", "Do's saved", _dos_table(shown)),
        ("nudges", "Nudges", _nudges_table(shown)),
    ]
    if other_charts:
        sections.append(
            ("more", "More pictures", "".join(_figure(c, note="") for c in other_charts))
        )
    body = "\n".join(
        f'<section id="{key}" aria-labelledby="{key}-title">\n'
        f'<h2 id="{key}-title">{heading}</h2>\n{content}\n</section>'
        for key, heading, content in sections
    )
    contents = "".join(f'<li><a href="#{key}">{heading}</a></li>' for key, heading, _ in sections)
    title = f"How {shown.title} is doing"
    return f"""{page_head(f"{_e(title)} · report", CSP, _CSS)}
<body>
<a class="skip" href="#main">Skip to the figures</a>
<div class="page">
<header>
<h1>{_e(title)}</h1>
<p class="lede">The set's report for {_e(words.period_words(shown))}: \
{counted(len(shown.sessions), "session")} held.</p>
<p class="lede">Made {_e(words.made_words(shown))}.</p>
<nav aria-label="Contents"><ul>{contents}</ul></nav>
</header>
<main id="main" tabindex="-1">
{body}
</main>
<footer class="site">Made by alsbot from the set's own records. Nobody is named: \
attendance and ratings are counts, and the words people gave are shown without who gave \
them. Ratings are 1 (low) to 5 (high); the spread is the standard deviation of a \
session's ratings.</footer>
</div>
</body>
</html>
"""


# --------------------------------------------------------------------------- parts


def _figure(chart: Chart | None, note: str = " The same figures are in the table below.") -> str:
    if chart is None:
        return ""
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure id="chart-{_e(chart.name)}">\n'
        f'<img src="data:image/png;base64,{data}" alt="{_e(chart.alt)}" '
        f'width="{chart.width}" height="{chart.height}">\n'
        f"<figcaption>{_e(chart.title)}.{note}</figcaption>\n"
        "</figure>\n"
    )


def _table(
    key: str, caption: str, head: Sequence[tuple[str, bool]], rows: Iterable[str], foot: str = ""
) -> str:
    """A table in a labelled region that scrolls sideways on a narrow screen (and can be
    scrolled by keyboard: it takes the focus); `head` is (text, numeric?) per column."""
    cells = "".join(f'<th scope="col"{_NUM if num else ""}>{_e(text)}</th>' for text, num in head)
    return (
        f'<div class="table-wrap" role="region" aria-labelledby="{key}-caption" tabindex="0">\n'
        f'<table id="{key}-table">\n<caption id="{key}-caption">{_e(caption)}</caption>\n'
        f"<thead><tr>{cells}</tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n{foot}</table>\n</div>\n"
    )


def _session_cells(session: SessionFigures) -> str:
    day = session.held_on
    return (
        f'<th scope="row">Session {session.number}</th>'
        f'<td><time datetime="{day.isoformat()}">{_e(words.day_month(day, with_year=True))}'
        "</time></td>"
    )


def _num(value: int | str) -> str:
    return f'<td class="num">{_e(str(value))}</td>'


def _glance(figures: ReportFigures) -> str:
    sessions = figures.sessions
    ratings = sum(s.ratings.count for s in sessions)
    rated = [
        (s.ratings.mean, s.ratings.count)
        for s in sessions
        if s.ratings.count and s.ratings.mean is not None
    ]
    overall = sum(m * n for m, n in rated) / ratings if rated and ratings else None
    presenters = sum(s.presenters for s in sessions)
    updated = sum(s.presenters_updated for s in sessions)
    items = [
        ("Sessions held", str(len(sessions))),
        ("People attending, in all", str(sum(s.attendance for s in sessions))),
        ("Ratings given", str(ratings)),
        ("Mean rating (1–5)", words.one_decimal(overall)),
        ("Actions agreed", str(sum(words.actions_total(s) for s in sessions))),
        ("Presenters who updated before the next session", f"{updated} of {presenters}"),
        ("Do's saved", str(sum(n for _, n in figures.dos_by_month))),
        ("Nudges answered", f"{figures.nudges_answered} of {figures.nudges_sent}"),
    ]
    return (
        '<dl class="glance">'
        + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in items)
        + "</dl>"
    )


def _attendance_ratings_table(figures: ReportFigures) -> str:
    if not figures.sessions:
        return f'<p class="empty">{NO_SESSIONS}</p>'
    rows = (
        f"<tr>{_session_cells(s)}{_num(s.attendance)}{_num(s.ratings.count)}"
        f"{_num(words.one_decimal(s.ratings.mean if s.ratings.count else None))}"
        f"{_num(words.one_decimal(s.ratings.spread if s.ratings.count else None))}"
        f"{_num(words.range_words(s.ratings.lowest, s.ratings.highest))}</tr>\n"
        for s in figures.sessions
    )
    head = [
        ("Session", False),
        ("Date", False),
        ("People attending", True),
        ("Ratings", True),
        ("Mean rating", True),
        ("Spread", True),
        ("Lowest–highest", True),
    ]
    return _table("ratings", "Attendance and ratings (1 to 5) by session", head, rows)


def _words_table(figures: ReportFigures) -> str:
    if not figures.sessions:
        return f'<p class="empty">{NO_SESSIONS}</p>'
    rows = (
        f'<tr>{_session_cells(s)}<td class="words">'
        f"{_e(tally(s.ratings.words)) or _NONE_GIVEN}</td></tr>\n"
        for s in figures.sessions
    )
    head = [("Session", False), ("Date", False), ("Words (most given first)", False)]
    return (
        _table("words", "The words people gave with their ratings, by session", head, rows)
        + '<p class="note">Shown without who gave them; a word given more than once is counted (×2).</p>'
    )


def _outcomes_table(figures: ReportFigures) -> str:
    if not figures.sessions:
        return f'<p class="empty">{NO_SESSIONS}</p>'
    rows = (
        f"<tr>{_session_cells(s)}"
        + "".join(_num(s.outcomes.get(k, 0)) for k in OUTCOMES)
        + f"{_num(words.actions_total(s))}</tr>\n"
        for s in figures.sessions
    )
    head = [
        ("Session", False),
        ("Date", False),
        *((OUTCOME_LABELS[k], True) for k in OUTCOMES),
        ("Total", True),
    ]
    return _table("outcomes", "Outcomes of the actions agreed at each session", head, rows)


def _updates_table(figures: ReportFigures) -> str:
    if not figures.sessions:
        return f'<p class="empty">{NO_SESSIONS}</p>'
    rows = (
        f"<tr>{_session_cells(s)}{_num(s.presenters)}{_num(s.presenters_updated)}</tr>\n"
        for s in figures.sessions
    )
    head = [
        ("Session", False),
        ("Date", False),
        ("Presenters", True),
        ("Gave an update before the next session", True),
    ]
    return _table("updates", "Presenters who gave an update before the next session", head, rows)


def _dos_table(figures: ReportFigures) -> str:
    if not figures.dos_by_month:
        return '<p class="empty">No do\'s were saved in this period.</p>'
    rows = (
        f'<tr><th scope="row">{_e(words.month_words(month))}</th>{_num(n)}</tr>\n'
        for month, n in figures.dos_by_month
    )
    total = sum(n for _, n in figures.dos_by_month)
    foot = f'<tfoot><tr><th scope="row">In all</th>{_num(total)}</tr></tfoot>\n'
    return _table(
        "dos",
        "Do's saved to the toolkit, by month",
        [("Month", False), ("Do's saved", True)],
        rows,
        foot,
    )


def _nudges_table(figures: ReportFigures) -> str:
    rows = [
        f'<tr><th scope="row">Nudges sent</th>{_num(figures.nudges_sent)}</tr>\n',
        f'<tr><th scope="row">Answered with an update before the next session</th>'
        f"{_num(figures.nudges_answered)}</tr>\n",
    ]
    return _table(
        "nudges",
        "Nudges sent to presenters between sessions",
        [("Nudges", False), ("Count", True)],
        rows,
    )

"""The HTML report read as a parser reads it: every figure in a table with a caption and
header cells, the charts embedded with their text alternative, user text escaped, nobody
named, and a Content-Security-Policy that allows the page's own style and nothing else."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

from PIL import Image

from bot.reports.figures import Chart, ReportFigures
from bot.reports.html_report import to_html
from tests.bot.reports.figure_samples import EMPTY, FULL, NASTY, SIX, report


def tiny_png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


CHARTS = (
    Chart(
        "ratings-attendance",
        "Ratings and attendance by session",
        tiny_png("#0072B2"),
        "Ratings alt: session 3 4.2",
        12,
        8,
    ),
    Chart(
        "outcomes",
        "Action outcomes by session",
        tiny_png("#007A5A"),
        "Outcomes alt: session 3 2 done",
        12,
        8,
    ),
)


@dataclass
class Table:
    id: str
    caption: str = ""
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    foot: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    """What the report says, as a parser reads it: tables, images, links and the head."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self.images: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.metas: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.ths: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self.title = ""
        self.style = ""
        self.text: list[str] = []
        self._table: Table | None = None
        self._part = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        self._in.append(tag)
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if a.get(name):
                self.urls.append(a[name] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "meta":
            self.metas.append(a)
        elif tag == "img":
            self.images.append(a)
            self._in.pop()
        elif tag == "table":
            self._table = Table(id=a.get("id") or "")
            self.tables[self._table.id] = self._table
        elif tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "th":
                self.ths.append(a)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._part == "thead":
                self._table.head = self._row
            elif self._part == "tfoot":
                self._table.foot.append(self._row)
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "title":
            self.title += data
        elif where == "style":
            self.style += data
            return
        if self._cell is not None:
            self._cell.append(data)
        elif where == "caption" and self._table is not None:
            self._table.caption += data
        self.text.append(data)

    def meta(self, http_equiv: str) -> str:
        return next(m["content"] or "" for m in self.metas if m.get("http-equiv") == http_equiv)

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def page_of(figures: ReportFigures = FULL, charts: tuple[Chart, ...] = CHARTS) -> tuple[str, Page]:
    text = to_html(figures, charts)
    return text, Page(text)


def test_attendance_and_ratings_by_session_in_a_table() -> None:
    table = page_of()[1].tables["ratings-table"]
    assert table.caption == "Attendance and ratings (1 to 5) by session"
    assert table.head == [
        "Session",
        "Date",
        "People attending",
        "Ratings",
        "Mean rating",
        "Spread",
        "Lowest–highest",
    ]
    assert table.rows == [
        ["Session 3", "4 Nov 2026", "7", "6", "4.2", "0.7", "3–5"],
        ["Session 4", "11 Nov 2026", "5", "4", "3.3", "1.1", "2–5"],
        ["Session 5", "18 Nov 2026", "3", "0", "–", "–", "–"],
        ["Session 6", "25 Nov 2026", "8", "8", "4.6", "0.5", "4–5"],
        ["Session 7", "2 Dec 2026", "6", "1", "5.0", "0.0", "5"],
        ["Session 8", "3 Dec 2026", "4", "3", "2.0", "0.8", "1–3"],
    ]


def test_outcomes_updates_dos_and_nudges_in_tables() -> None:
    tables = page_of()[1].tables
    outcomes = tables["outcomes-table"]
    assert outcomes.head == [
        "Session",
        "Date",
        "Done",
        "Partly",
        "Not yet",
        "Dropped",
        "No update",
        "Total",
    ]
    assert [r[2:] for r in outcomes.rows] == [
        ["2", "1", "0", "0", "1", "4"],
        ["0", "0", "2", "1", "0", "3"],
        ["0", "0", "0", "0", "0", "0"],
        ["3", "2", "1", "1", "2", "9"],
        ["1", "0", "0", "0", "0", "1"],
        ["0", "0", "0", "0", "4", "4"],
    ]
    updates = tables["updates-table"]
    assert [r[0] + ": " + "/".join(r[2:]) for r in updates.rows] == [
        "Session 3: 2/1",
        "Session 4: 2/1",
        "Session 5: 1/0",
        "Session 6: 3/3",
        "Session 7: 2/2",
        "Session 8: 2/0",
    ]
    assert tables["dos-table"].rows == [["November 2026", "4"], ["December 2026", "1"]]
    assert tables["dos-table"].foot == [["In all", "5"]]
    assert tables["nudges-table"].rows == [
        ["Nudges sent", "9"],
        ["Answered with an update before the next session", "6"],
    ]


def test_the_words_people_gave_unnamed_and_the_period_and_when_it_was_made() -> None:
    _, page = page_of()
    words = page.tables["words-table"]
    assert [r[2] for r in words.rows] == [
        "energising ×2, focused",
        f"slow, {' '.join(NASTY.lower().split())}",
        "none given",
        "clear",
        "none given",
        "tired, rushed",
    ]
    text = page.all_text()
    assert "4 November 2026 to 3 December 2026" in text
    assert "Made 5 December 2026, 09:30 (Europe/London)" in text
    assert "6 sessions held" in text
    glance = text[text.index("At a glance") :]
    for said in (
        "Sessions held 6",
        "People attending, in all 33",
        "Ratings given 22",
        "Mean rating (1–5) 3.9",
        "Actions agreed 21",
        "next session 7 of 12",
        "Do's saved 5",
        "Nudges answered 6 of 9",
    ):
        assert said in glance


def test_every_table_has_a_caption_and_scoped_header_cells() -> None:
    _, page = page_of()
    assert set(page.tables) == {
        "ratings-table",
        "words-table",
        "outcomes-table",
        "updates-table",
        "dos-table",
        "nudges-table",
    }
    assert all(t.caption for t in page.tables.values())
    assert page.ths and all(th.get("scope") in ("col", "row") for th in page.ths)


def test_the_charts_are_embedded_with_their_alt_text() -> None:
    _, page = page_of()
    assert [i["alt"] for i in page.images] == [c.alt for c in CHARTS]
    for image, chart in zip(page.images, CHARTS, strict=True):
        src = image["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == chart.png
    extra = Chart("by-month", "More", tiny_png("#000000"), "more alt", 12, 8)
    _, with_extra = page_of(charts=(*CHARTS, extra))
    assert [i["alt"] for i in with_extra.images][-1] == "more alt"
    assert "More pictures" in with_extra.all_text()
    _, without = page_of(charts=())
    assert without.images == [] and len(without.tables) == 6


def test_user_text_is_escaped_everywhere() -> None:
    text, page = page_of(report(title=NASTY))
    assert "<script" not in text.lower()
    assert "script" not in page.tags
    assert page.title == f"How {NASTY} is doing · report"
    assert NASTY in page.all_text()


def test_nobody_is_named_even_when_the_figures_carry_attendees() -> None:
    assert any(s.attendees for s in FULL.sessions)
    text, _ = page_of()
    for s in SIX:
        for key in s.attendees:
            assert key not in text
    assert "slack:" not in text


def test_a_policy_that_allows_only_the_pages_own_style_and_data_images() -> None:
    _, page = page_of()
    assert page.html_lang == "en"
    policy = page.meta("Content-Security-Policy")
    assert "default-src 'none'" in policy and "img-src data:" in policy
    assert "script-src" not in policy and "unsafe" not in policy
    digest = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy  # the hash is of the style as sent
    assert all(u.startswith(("data:", "#")) for u in page.urls), page.urls
    assert {"header", "main", "nav", "footer"} <= set(page.tags)
    assert "@page { size: A4; margin: 15mm; }" in page.style
    assert "break-inside: avoid" in page.style


def test_no_sessions_still_makes_a_page_that_says_so() -> None:
    _, page = page_of(EMPTY)
    text = page.all_text()
    assert "No sessions were held in this period." in text
    assert "No do's were saved in this period." in text
    assert "no sessions held yet" in text
    assert set(page.tables) == {"nudges-table"}

"""The report's pictures, decoded with Pillow: the size promised, something drawn, an opaque
light card, the outcomes' colours and their text alternative; the same bytes every time,
in a worker thread too; and matplotlib loaded by nothing else in the bot."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.reports import charts
from bot.reports.figures import Chart, ReportFigures
from tests.bot.reports.figure_samples import ALL_ZERO, EMPTY, FULL, NASTY, SIX, report, session

ROOT = Path(__file__).resolve().parents[3]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def luminance(colour: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def decode(chart: Chart) -> Image.Image:
    image = Image.open(io.BytesIO(chart.png))
    assert image.format == "PNG"
    return image


def colours(image: Image.Image) -> Counter[tuple[int, int, int]]:
    flat = image.convert("RGB")
    found = flat.getcolors(flat.width * flat.height) or []
    return Counter({colour: n for n, colour in found})


def by_name(figures: ReportFigures) -> dict[str, Chart]:
    return {c.name: c for c in charts.draw(figures)}


@pytest.fixture(scope="module")
def drawn() -> dict[str, Chart]:
    return by_name(FULL)


def test_two_charts_of_the_promised_size_on_an_opaque_light_card(drawn: dict[str, Chart]) -> None:
    assert list(drawn) == ["ratings-attendance", "outcomes"]
    for chart in drawn.values():
        image = decode(chart)
        assert image.size == (chart.width, chart.height) == (1200, 675)
        if image.mode in ("RGBA", "LA") or "transparency" in image.info:
            alpha = image.convert("RGBA").getchannel("A")
            assert alpha.getextrema() == (255, 255), "a transparent pixel shows the chat's theme"
        card = rgb(charts.CARD)
        rgb_image = image.convert("RGB")
        for corner in ((0, 0), (1199, 0), (0, 674), (1199, 674)):
            assert rgb_image.getpixel(corner) == card
        assert luminance(card) > 0.9  # light, so the dark text reads on it in any chat theme


def test_each_chart_has_something_drawn_in_its_plot_area(drawn: dict[str, Chart]) -> None:
    for chart in drawn.values():
        plot = decode(chart).convert("RGB").crop((100, 80, 1180, 600))
        seen = colours(plot)
        background = seen[rgb(charts.CARD)]
        drawn_share = 1 - background / (plot.width * plot.height)
        assert len(seen) > 200, chart.name  # anti-aliased text, lines, bars: many colours
        assert drawn_share > 0.05, (chart.name, drawn_share)


def test_the_data_is_drawn_in_its_own_colours(drawn: dict[str, Chart]) -> None:
    ratings = colours(decode(drawn["ratings-attendance"]))
    assert ratings[rgb(charts.RATING)] > 500
    assert ratings[rgb(charts.ATTENDANCE)] > 5000
    outcomes = colours(decode(drawn["outcomes"]))
    for key, colour in charts.OUTCOME_COLOURS.items():
        assert outcomes[rgb(colour)] > 300, key  # each outcome present in the sample is drawn


def test_every_colour_keeps_its_contrast_on_the_card_and_under_white_counts() -> None:
    data = [charts.RATING, charts.ATTENDANCE, *charts.OUTCOME_COLOURS.values()]
    for colour in [charts.INK, charts.MUTED, *data]:
        assert contrast(colour, charts.CARD) >= 4.5, colour
    for colour in charts.OUTCOME_COLOURS.values():
        assert contrast(colour, "#FFFFFF") >= 4.5, colour  # the count written on the bar
    hatches = list(charts.OUTCOME_HATCHES.values())
    assert len(set(hatches)) == len(hatches)  # outcomes told apart without colour, too


def test_the_alt_text_says_each_sessions_figures(drawn: dict[str, Chart]) -> None:
    ratings = drawn["ratings-attendance"].alt
    assert ratings == charts.alt_text("ratings-attendance", FULL)
    for expected in (
        "session 3 (4 Nov) 4.2 from 6 ratings (spread 0.7, lowest to highest 3–5)",
        "session 4 (11 Nov) 3.3 from 4 ratings (spread 1.1, lowest to highest 2–5)",
        "session 5 (18 Nov) no ratings",
        "session 7 (2 Dec) 5.0 from 1 rating (spread 0.0, lowest to highest 5)",
        "session 3 (4 Nov) 7 people",
        "session 8 (3 Dec) 4 people",
        "North West Leaders (4 November 2026 to 3 December 2026)",
    ):
        assert expected in ratings
    outcomes = drawn["outcomes"].alt
    for expected in (
        "session 3 (4 Nov): 4 actions: 2 done, 1 partly, 1 no update",
        "session 4 (11 Nov): 3 actions: 2 not yet, 1 dropped",
        "session 5 (18 Nov): no actions agreed",
        "session 6 (25 Nov): 9 actions: 3 done, 2 partly, 1 not yet, 1 dropped, 2 no update",
        "session 7 (2 Dec): 1 action: 1 done",
    ):
        assert expected in outcomes
    for s in SIX:
        assert f"session {s.number} (" in ratings and f"session {s.number} (" in outcomes


def test_no_sessions_and_no_actions_are_said_in_the_picture_not_an_empty_axis() -> None:
    for figures, name, says in (
        (EMPTY, "ratings-attendance", "No sessions were held in this period."),
        (EMPTY, "outcomes", "No sessions were held in this period."),
        (ALL_ZERO, "outcomes", "No actions were agreed at these sessions."),
    ):
        chart = by_name(figures)[name]
        image = decode(chart).convert("RGB")
        assert image.size == (1200, 675)
        assert says in chart.alt
        middle = colours(image.crop((250, 300, 950, 380)))
        dark = sum(n for c, n in middle.items() if luminance(c) < 0.1)
        assert dark > 500, name  # the sentence is written across the middle
        everything = colours(image)
        for colour in charts.OUTCOME_COLOURS.values():
            assert everything[rgb(colour)] == 0  # and no bar, no axis of nothing
    unrated = by_name(ALL_ZERO)["ratings-attendance"]
    assert "session 5 (18 Nov) no ratings" in unrated.alt
    assert colours(decode(unrated))[rgb(charts.ATTENDANCE)] > 5000  # attendance is still drawn


def test_the_same_figures_draw_the_same_bytes_in_any_thread() -> None:
    first = [c.png for c in charts.draw(FULL)]
    assert first == [c.png for c in charts.draw(FULL)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda _: [c.png for c in charts.draw(FULL)], range(4)))
    assert all(pngs == first for pngs in together)
    changed = report(SIX[:-1])
    assert [c.png for c in charts.draw(changed)] != first


def test_a_set_name_is_text_not_a_formula_and_long_ones_are_shortened() -> None:
    long_name = NASTY * 3  # `$x^2$` would be mathtext if it were parsed
    drawn = by_name(report(title=long_name))
    assert long_name in drawn["outcomes"].alt  # whole in words, shortened in the picture
    assert all(decode(c).size == (1200, 675) for c in drawn.values())


def test_many_sessions_over_a_new_year_draw_and_name_their_years() -> None:
    many = tuple(
        session(
            n + 1,
            date(2025, 12, 1) + timedelta(days=14 * n),
            attendance=5 + n % 4,
            ratings=SIX[n % 6].ratings,
            actions=dict(SIX[n % 6].outcomes),
        )
        for n in range(20)
    )
    drawn = by_name(report(many))
    assert "session 1 (1 Dec 2025)" in drawn["ratings-attendance"].alt
    assert "session 20 (" in drawn["outcomes"].alt
    assert all(decode(c).size == (1200, 675) for c in drawn.values())


def test_the_charts_name_nobody() -> None:
    assert any(s.attendees for s in FULL.sessions)
    for chart in charts.draw(FULL):
        assert "slack:" not in chart.alt


def test_nothing_else_in_the_bot_imports_the_charts_or_matplotlib() -> None:
    """matplotlib costs ~0.4 s and ~40 MB: only `charts.py` may import it, and nothing may
    import `charts.py` (its caller loads it lazily, in a worker thread)."""
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path == ROOT / "bot" / "reports" / "charts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.startswith("matplotlib") or n == "bot.reports.charts"
            ]
    assert offenders == []


def test_loading_the_bot_and_the_html_report_loads_no_matplotlib() -> None:
    code = (
        "import sys, bot.compose, bot.reports.html_report, bot.reports.figure_words;"
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_name_the_font_cannot_draw_is_drawn_without_those_characters_and_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each missing glyph
        for title in ("Leaders 🚀 北京 set", "🚀北京", "tab\tand\nnewline"):
            drawn = by_name(report(title=title))
            assert title in drawn["outcomes"].alt
            assert all(decode(c).size == (1200, 675) for c in drawn.values())

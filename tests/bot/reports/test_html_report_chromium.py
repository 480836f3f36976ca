"""The HTML report as a funder sees it, in Debian's headless Chromium: its figures on the
screen, its charts loaded with their text alternatives, nothing asked of another origin, no
console errors, axe-core's WCAG 2.2 A/AA rules met in light and dark, reachable by keyboard,
and printed to PDF on A4 pages with nothing cut off."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image
from playwright.async_api import Browser

from bot.reports import charts
from bot.reports.html_report import to_html
from testkit import browser
from tests.bot.reports.figure_samples import EMPTY, NASTY, report

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is absent"),
]
FIGURES = report(title=f"North West Leaders {NASTY}")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(to_html(FIGURES, charts.draw(FIGURES)), encoding="utf-8")
    return path


@pytest_asyncio.fixture
async def chrome() -> AsyncIterator[Browser]:
    async with browser.browser() as launched:
        yield launched


async def test_the_figures_and_the_charts_are_shown_with_no_errors_or_requests(
    chrome: Browser, report_file: Path
) -> None:
    async with browser.open_page(chrome, report_file.as_uri()) as (page, watch):
        shown = await page.inner_text("main")
        for figure in (
            "Session 3",
            "4 Nov 2026",
            "4.2",
            "3–5",
            "energising ×2, focused",
            "November 2026",
            "Nudges sent",
            "7 of 12",
            "6 of 9",
        ):
            assert figure in shown
        assert "slack:" not in await page.content()
        images = await browser.images_loaded(page)
        assert [i["alt"] for i in images] == [c.alt for c in charts.draw(FIGURES)]
        assert all(i["complete"] and i["width"] == 1200 and i["height"] == 675 for i in images)
        assert await page.title() == f"How {FIGURES.title} is doing · report"  # no script ran
        assert await page.evaluate("document.scripts.length") == 0
        assert watch.problems() == []


async def test_the_page_passes_axe_in_light_and_dark(
    chrome: Browser, report_file: Path, axe: str
) -> None:
    for scheme in ("light", "dark"):
        async with browser.open_page(
            chrome, report_file.as_uri(), bypass_csp=True, color_scheme=scheme
        ) as (page, _):
            violations = await browser.axe_violations(page, axe)
            assert violations == [], f"{scheme}: {browser.describe(violations)}"


async def test_a_report_with_no_sessions_passes_too(
    chrome: Browser, tmp_path: Path, axe: str
) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text(to_html(EMPTY, charts.draw(EMPTY)), encoding="utf-8")
    async with browser.open_page(chrome, empty.as_uri()) as (page, watch):
        assert "No sessions were held in this period." in await page.inner_text("main")
        assert all(i["width"] == 1200 for i in await browser.images_loaded(page))
        assert watch.problems() == []
        assert await browser.overflowing_in_print(page) == []
    async with browser.open_page(chrome, empty.as_uri(), bypass_csp=True) as (page, _):
        violations = await browser.axe_violations(page, axe)
        assert violations == [], browser.describe(violations)


async def test_a_keyboard_reaches_the_figures_and_every_table(
    chrome: Browser, report_file: Path
) -> None:
    async with browser.open_page(chrome, report_file.as_uri()) as (page, _):
        await page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert await page.evaluate("document.activeElement.className") == "skip"
        box = await skip.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0  # visible when focused
        assert await skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "main"
        assert await browser.tab_to(page, "div.table-wrap[aria-labelledby='outcomes-caption']")
        focused = "getComputedStyle(document.activeElement).outlineStyle"
        assert await page.evaluate(focused) == "solid"  # the focus is seen, too


async def test_on_a_phone_the_page_never_scrolls_sideways(
    chrome: Browser, report_file: Path
) -> None:
    async with browser.open_page(chrome, report_file.as_uri(), width=390, height=844) as (
        page,
        _,
    ):
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        widths = await page.eval_on_selector_all("img", "imgs => imgs.map(i => i.clientWidth)")
        assert widths and all(0 < w <= 390 for w in widths)


async def test_it_prints_on_a4_with_nothing_cut_off(chrome: Browser, report_file: Path) -> None:
    async with browser.open_page(chrome, report_file.as_uri()) as (page, _):
        pdf = await browser.pdf_a4(page)
        sizes = browser.pdf_page_sizes(pdf)
        assert len(sizes) >= 2  # the whole report, over more than one page
        for width, height in sizes:
            assert (
                abs(width - browser.A4_POINTS[0]) < 1.5 and abs(height - browser.A4_POINTS[1]) < 1.5
            )
        assert await browser.overflowing_in_print(page) == []
        # …and at the printable width itself: A4 less 15 mm each side is 180 mm, 680 px
        await page.set_viewport_size({"width": 680, "height": 1000})
        assert await page.evaluate("document.documentElement.scrollWidth") <= 680


async def test_a_screenshot_shows_the_report_and_its_charts(
    chrome: Browser, report_file: Path, tmp_path: Path
) -> None:
    async with browser.open_page(chrome, report_file.as_uri(), height=900) as (page, _):
        shot = Image.open(io.BytesIO(await page.screenshot(full_page=True))).convert("RGB")
    assert shot.width == 1024 and shot.height > 2000
    found = dict((colour, n) for n, colour in shot.getcolors(shot.width * shot.height) or [])
    assert len(found) > 500  # text, tables and charts, not a blank page
    for colour in (charts.RATING, *charts.OUTCOME_COLOURS.values()):
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert found.get(rgb, 0) > 100, colour  # the charts' own colours reached the screen

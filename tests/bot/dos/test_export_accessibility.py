"""The exported toolkit page passes axe-core's WCAG 2.2 A/AA rules in headless Chromium, with
no console errors and no request leaving the page (issue 17 keeps it so)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dos.export import to_html
from testkit import browser
from tests.bot.dos.test_export import ALL, WHEN

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is absent"),
]


async def test_the_exported_toolkit_passes_axe_with_no_console_errors(
    tmp_path: Path, axe: str
) -> None:
    page_file = tmp_path / "toolkit.html"
    page_file.write_text(to_html(ALL, title="Do's toolkit · general", exported_at=WHEN))
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, page_file.as_uri()) as (page, watch):
            assert await page.locator("article.do").count() == len(ALL)
            assert watch.problems() == []
        async with browser.open_page(chrome, page_file.as_uri(), bypass_csp=True) as (page, _):
            violations = await browser.axe_violations(page, axe)
            assert violations == [], browser.describe(violations)


async def test_the_checks_can_fail(tmp_path: Path, axe: str) -> None:
    """The same checks on a page that breaks them: an image with no text alternative, grey on
    grey, a form field with no label, and a request to another origin."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>'
        '<p style="color:#bbb;background:#ccc">faint</p><input type="text">'
        '<img src="http://192.0.2.1/x.png"></main></body></html>'
    )
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, bad.as_uri(), bypass_csp=True) as (page, watch):
            ids = {v["id"] for v in await browser.axe_violations(page, axe)}
            assert {"image-alt", "color-contrast", "label"} <= ids
            assert watch.external_requests == ["http://192.0.2.1/x.png"]

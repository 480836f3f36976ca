"""The served toolkit page in headless Chromium, as a reader uses it: names and not ids, search
and tag filters by keyboard alone (and with scripts switched off), no console errors, no
request leaving the server, and axe-core's WCAG 2.2 A/AA rules with 0 violations on the page
and on a filtered page, in light and dark."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from testkit import browser
from tests.adapters.web.conftest import NAMES, Site, add_dos

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is absent"),
]


async def shown(page: Page) -> list[str]:
    return [t.strip() for t in await page.locator("article.do p.text").all_inner_texts()]


async def press_enter_and_wait(page: Page) -> None:
    async with page.expect_navigation(wait_until="load"):
        await page.keyboard.press("Enter")


async def test_the_page_names_people_and_asks_nothing_of_anyone_else(site: Site) -> None:
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, site.url("A")) as (page, watch):
            assert len(await shown(page)) == 3
            meta = " ".join(await page.locator("article.do p.meta").all_inner_texts())
            assert NAMES["alice"] in meta and NAMES["bob"] in meta
            assert "alice" not in meta.lower().replace(NAMES["alice"].lower(), "")
            assert "console:" not in await page.content()
            assert await page.title() == "Do's toolkit · Action Learning Set"
            assert watch.problems() == []  # no console error (the policy let the style in)


async def test_search_by_keyboard_alone(site: Site) -> None:
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, site.url("A")) as (page, watch):
            assert await browser.tab_to(page, "input#q")
            await page.keyboard.type("pause")
            await press_enter_and_wait(page)
            assert page.url.endswith("/toolkit?q=pause")
            assert await shown(page) == ["Pause for ten seconds before answering #listening #pace"]
            assert await page.locator("input#q").input_value() == "pause"
            assert await page.locator("h2#results-title").inner_text() == "1 do matches “pause”"
            assert watch.problems() == []


async def test_a_tag_by_keyboard_alone_and_a_search_within_it(site: Site) -> None:
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, site.url("A")) as (page, watch):
            assert await browser.tab_to(page, 'nav a[href="toolkit?tag=listening"]')
            await press_enter_and_wait(page)
            assert len(await shown(page)) == 2
            current = page.locator('nav a[aria-current="page"]')
            assert (await current.inner_text()).startswith("#listening")
            # The search keeps the tag: Tab to the box, type, Enter.
            assert await browser.tab_to(page, "input#q")
            await page.keyboard.type("ask")
            await press_enter_and_wait(page)
            assert await shown(page) == ["Ask what they have tried already #listening"]
            assert "tag=listening" in page.url
            # "All do's" lifts the tag, by keyboard too.
            assert await browser.tab_to(page, "nav li:first-child a")
            await press_enter_and_wait(page)
            assert len(await shown(page)) == 1  # the search stays, the tag goes
            assert "tag=" not in page.url
            assert watch.problems() == []


async def test_search_works_with_scripts_switched_off(site: Site) -> None:
    async with browser.browser() as chrome:
        context = await chrome.new_context(java_script_enabled=False)
        try:
            page = await context.new_page()
            await page.goto(site.url("A"), wait_until="load")
            assert await browser.tab_to(page, "input#q")
            await page.keyboard.type("words")
            await press_enter_and_wait(page)
            assert await shown(page) == ["Write the action down in the presenter's own words"]
        finally:
            await context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_axe_finds_nothing_on_the_page_or_a_filtered_page(
    site: Site, axe: str, scheme: str
) -> None:
    many = tuple(
        ("carol", f"Another small thing to try, number {n} #practice", ()) for n in range(25)
    )
    await add_dos(site.h, site.set_ids["B"], many, site.h.clock.now())
    urls = [
        site.url("A"),
        site.url("A", query="?q=pause&tag=listening"),
        site.url("A", query="?q=nothing+matches+this"),
        site.url("B", query="?page=2"),  # with the pages' links
        site.base + "/s/no-such-link/toolkit",  # the 404 page
    ]
    async with browser.browser() as chrome:
        for url in urls:
            async with browser.open_page(chrome, url, bypass_csp=True, color_scheme=scheme) as (
                page,
                _,
            ):
                violations = await browser.axe_violations(page, axe)
                assert violations == [], f"{url}\n{browser.describe(violations)}"

"""The report page as served at a set's link, made from the set's real history: its own
figures and charts (never another set's), loaded in headless Chromium with no console
errors, no outside requests and no axe-core violations; gone once the link is rotated."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from adapters.web.server import WebServer
from adapters.web.service import pages_for
from bot.clock import FakeClock
from testkit import browser
from testkit.harness import GENERAL, Harness, private_to
from tests.adapters.web.conftest import OTHER

pytestmark = pytest.mark.asyncio


async def a_session(h: Harness, channel: object, *ratings: tuple[str, str]) -> None:
    await h.cmd("alice", "start @bob", channel)  # type: ignore[arg-type]
    for _ in range(6):
        await h.cmd("alice", "next", channel)  # type: ignore[arg-type]
    for who, rating in ratings:
        await h.say(who, rating)
    await h.cmd("alice", "next", channel)  # type: ignore[arg-type]


async def link(h: Harness, channel: object, command: str = "link") -> str:
    said = private_to(await h.cmd("alice", command, channel), "alice")[0]  # type: ignore[arg-type]
    return "/s/" + said.split("/s/", 1)[1].split("/", 1)[0] + "/report"


@pytest_asyncio.fixture
async def served(sqlite_url: str, clock: FakeClock) -> AsyncIterator[tuple[Harness, str]]:
    h = await Harness.open(sqlite_url, clock, ALSBOT_WEB_ENABLED="true")
    server = WebServer(pages_for(h.app, h.app.config))
    try:
        await a_session(h, GENERAL, ("carol", "4 grounded"), ("dave", "5 lighter"))
        await h.cmd("alice", "settings name Riverside carers")
        await h.cmd("alice", "setup", OTHER)
        await h.cmd("alice", "settings name Hillside nurses", OTHER)
        await server.start("127.0.0.1", 0)
        yield h, f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        await h.close()


async def test_the_served_report_is_the_set_s_own(served: tuple[Harness, str]) -> None:
    h, base = served
    async with aiohttp.ClientSession() as http:
        async with http.get(base + await link(h, GENERAL)) as response:
            assert response.status == 200
            page = html.unescape(await response.text())
        assert "Riverside carers" in page and "Hillside nurses" not in page
        assert "grounded" in page and "lighter" in page
        assert page.count("data:image/png;base64,") == 2
        async with http.get(base + await link(h, OTHER)) as response:
            other = html.unescape(await response.text())
        assert "Hillside nurses" in other and "grounded" not in other
        old = await link(h, GENERAL)
        await link(h, GENERAL, "link rotate")
        async with http.get(base + old) as response:
            assert response.status == 404


@pytest.mark.chromium
@pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is absent")
async def test_the_served_report_in_a_browser(served: tuple[Harness, str]) -> None:
    h, base = served
    url = base + await link(h, GENERAL)
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, url) as (page, watch):
            images = await browser.images_loaded(page)
            assert len(images) == 2 and all(i["width"] > 0 and i["alt"] for i in images)
            assert "Riverside carers" in await page.inner_text("body")
            assert watch.problems() == []


@pytest.mark.chromium
@pytest.mark.skipif(browser.chromium_path() is None, reason="Debian's chromium is absent")
async def test_the_served_report_passes_axe(served: tuple[Harness, str], axe: str) -> None:
    h, base = served
    url = base + await link(h, GENERAL)
    async with browser.browser() as chrome:
        async with browser.open_page(chrome, url, bypass_csp=True) as (page, _):
            violations = await browser.axe_violations(page, axe)
            assert violations == [], browser.describe(violations)

"""Pages looked at as a person would: Debian's headless `chromium`, driven by Playwright.

Playwright never downloads a browser here: it launches `/usr/bin/chromium` (or `chromium` on
PATH).  `open_page` watches what a page does while it loads — console errors, uncaught
exceptions, failed requests and every request that leaves the page's own origin — so a
test can say "no console errors, no external requests" as facts, not hopes.

`axe_violations` runs axe-core (from the npm registry: `axe_script()` installs it once into
a cache folder with the machine's npm) against the WCAG 2.2 A/AA rules; tests skip with a
clear reason when node/npm or the network to the registry is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
AXE_VERSION = "4"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
A4_POINTS = (595.28, 841.89)  # 210 × 297 mm


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found else ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


class AxeMissing(Exception):
    """axe-core could not be had here; the message says why (for a test's skip)."""


def axe_script() -> str:
    """axe-core's `axe.min.js`, installed once with npm into a cache folder; `AxeMissing`
    when node or npm is missing or the install failed."""
    cache = Path(os.environ.get("ALSBOT_TEST_CACHE", Path.home() / ".cache" / "alsbot-tests"))
    script = cache / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return str(script)
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise AxeMissing("node and npm are not installed, so axe-core cannot be fetched")
    (cache / "axe").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund", f"axe-core@{AXE_VERSION}"],
        cwd=cache / "axe",
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not script.exists():
        raise AxeMissing(f"npm could not install axe-core: {done.stderr.strip()[-300:]}")
    return str(script)


@dataclass
class PageWatch:
    """What a page did while a test looked at it."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request: Request) -> None:
        url = request.url
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob", "about"):
            return
        if scheme == "file" and self.origin == "file://":
            return
        if _origin(url) != self.origin:
            self.external_requests.append(url)

    def on_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.url} ({request.failure})")

    def problems(self) -> list[str]:
        return [
            *(f"console error: {e}" for e in self.console_errors),
            *(f"page error: {e}" for e in self.page_errors),
            *(f"external request: {u}" for u in self.external_requests),
            *(f"failed request: {u}" for u in self.failed_requests),
        ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return "file://"
    return f"{parts.scheme}://{parts.netloc}"


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
        try:
            yield launched
        finally:
            await launched.close()


@asynccontextmanager
async def open_page(
    chrome: Browser,
    url: str,
    *,
    width: int = 1024,
    height: int = 768,
    bypass_csp: bool = False,
    color_scheme: str = "light",
) -> AsyncIterator[tuple[Page, PageWatch]]:
    """The page at `url`, loaded, with a `PageWatch` that saw it load.  `bypass_csp` only for
    injecting axe-core: a page's own checks must run under its own policy."""
    context = await chrome.new_context(
        viewport={"width": width, "height": height},
        bypass_csp=bypass_csp,
        color_scheme=color_scheme,  # type: ignore[arg-type]
    )
    page = await context.new_page()
    watch = PageWatch(origin=_origin(url))
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.on("request", watch.on_request)
    page.on("requestfailed", watch.on_failed)
    try:
        await page.goto(url, wait_until="load")
        yield page, watch
    finally:
        await context.close()


async def images_loaded(page: Page) -> list[dict[str, Any]]:
    """Every <img>: its alt text and natural size (0 × 0 for one that did not load)."""
    found: list[dict[str, Any]] = await page.eval_on_selector_all(
        "img",
        "imgs => imgs.map(i => ({alt: i.alt, width: i.naturalWidth, height: i.naturalHeight,"
        " complete: i.complete, src: i.src.slice(0, 40)}))",
    )
    return found


async def axe_violations(page: Page, script: str) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.2 A/AA rules on the page as it is now."""
    await page.add_script_tag(path=script)
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
        list(AXE_TAGS),
    )
    return list(result)


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1)


async def pdf_a4(page: Page) -> bytes:
    """The page printed to PDF as a browser's "Save as PDF" on A4 would, with its own CSS."""
    await page.emulate_media(media="print")
    return await page.pdf(format="A4", prefer_css_page_size=True, print_background=True)


_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page box a PDF declares."""
    return [
        (float(m[3]) - float(m[1]), float(m[4]) - float(m[2])) for m in _MEDIA_BOX.finditer(pdf)
    ]


async def overflowing_in_print(page: Page) -> list[str]:
    """Elements wider than the printed page's content box, laid out at A4's printable width
    (what "cut-off" means in print): with print media emulated and the viewport at the
    width of an A4 page in CSS pixels."""
    await page.emulate_media(media="print")
    await page.set_viewport_size({"width": 794, "height": 1123})  # 210 × 297 mm at 96 dpi
    found: list[str] = await page.evaluate(
        """() => {
            const limit = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('img, svg, table, figure, canvas')) {
                const box = el.getBoundingClientRect();
                if (box.right > limit + 1 || box.left < -1) {
                    out.push(`${el.tagName} ${el.getAttribute('alt') || el.id || ''}`
                             + ` ${Math.round(box.left)}..${Math.round(box.right)} > ${limit}`);
                }
            }
            if (document.documentElement.scrollWidth > limit + 1) {
                out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${limit}`);
            }
            return out;
        }"""
    )
    return found


async def tab_to(page: Page, selector: str, *, limit: int = 60) -> bool:
    """Press Tab until the element matching `selector` has the focus (as a keyboard user
    would reach it); False if it never does within `limit` presses."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return True
    return False

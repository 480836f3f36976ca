"""The exported toolkit page in a real browser: Debian's headless `chromium`.

What a reader sees: every do's text, as text; a `<script>` typed into a do never runs
(it would have changed `document.title`); the page fits a phone's width with readable type
and loads nothing from outside.  Skipped when `chromium` is not installed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.dos.export import to_html
from tests.bot.dos.test_export import ALL, NASTY, WHEN, parse_html

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is absent"),
]
TITLE = "Do's toolkit · general"
PHONE = "--window-size=390,844"

# Headless Chromium will not make a window narrower than 500 px for --dump-dom, so the page
# is measured in a 390 × 844 iframe (a phone), whose viewport drives the media queries.  The
# copy in `srcdoc` has its Content-Security-Policy taken out, so only the escaping stands
# between a do's `<script>` and the browser; a srcdoc frame shares the harness's origin, so
# the harness can read what a reader would see and report it through document.title.
HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harness</title></head>
<body style="margin:0">
<iframe id="phone" style="border:0" width="390" height="844" srcdoc="{page}"></iframe>
<script>
const frame = document.getElementById("phone");
frame.addEventListener("load", () => {{
  const doc = frame.contentDocument, win = frame.contentWindow;
  const texts = [...doc.querySelectorAll("article.do p.text")];
  document.title = "MEASURE" + JSON.stringify({{
    title: doc.title,
    innerWidth: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    fontSize: texts.length ? parseFloat(win.getComputedStyle(texts[0]).fontSize) : 0,
    narrowest: Math.min(...texts.map(t => t.getBoundingClientRect().width)),
    articles: doc.querySelectorAll("article.do").length,
    scripts: doc.scripts.length,
    shown: texts.map(t => t.innerText),
  }});
}});
</script>
</body></html>"""


def chromium(tmp_path: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def page_html() -> str:
    return to_html(ALL, title=TITLE, exported_at=WHEN)


def test_the_page_as_exported_shows_every_do_as_text(tmp_path: Path, page_html: str) -> None:
    page = tmp_path / "toolkit.html"
    page.write_text(page_html, encoding="utf-8")
    dom = chromium(tmp_path, PHONE, "--dump-dom", page.as_uri())
    seen = parse_html(dom)
    assert seen.found == {r.id: r.text for r in ALL}
    assert "script" not in seen.tags, "no script element came out of a do's text"
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title and title[1] == "Do's toolkit · general"


def measure(tmp_path: Path, page: str) -> dict:
    stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page)
    assert "Content-Security-Policy" not in stripped
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.format(page=html.escape(stripped, quote=True)), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", harness.as_uri())
    raw = re.search(r"<title>MEASURE(.*?)</title>", dom, re.S)
    assert raw, "the measuring script did not run"
    return json.loads(html.unescape(raw[1]))


def test_the_harness_would_see_a_script_run(tmp_path: Path) -> None:
    """A control: an unescaped `<script>` in the page does run in the harness."""
    broken = to_html(ALL[:1], title=TITLE, exported_at=WHEN).replace(
        "</main>", "<script>document.title='pwned'</script></main>"
    )
    assert measure(tmp_path, broken)["title"] == "pwned"


def test_without_its_csp_the_page_still_runs_nothing_and_fits_a_phone(
    tmp_path: Path, page_html: str
) -> None:
    seen = measure(tmp_path, page_html)
    assert seen["title"] == TITLE, "a <script> inside a do ran"
    assert seen["scripts"] == 0
    assert seen["articles"] == len(ALL)
    assert sorted(seen["shown"]) == sorted(r.text for r in ALL)
    assert any("<script>" in shown for shown in seen["shown"]), "shown as text, visibly"
    assert set(NASTY) <= set(seen["shown"]), "<!channel>, @everyone… shown exactly as typed"
    assert seen["innerWidth"] == 390
    assert seen["scrollWidth"] <= seen["innerWidth"], "nothing scrolls sideways on a phone"
    assert seen["fontSize"] >= 16, "body text is readable without zooming"
    assert seen["narrowest"] >= 300, "cards use the phone's width"


def test_a_phone_screenshot_is_drawn(tmp_path: Path, page_html: str) -> None:
    page = tmp_path / "toolkit.html"
    page.write_text(page_html, encoding="utf-8")
    shot = tmp_path / "phone.png"
    chromium(tmp_path, PHONE, f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (390, 844)
    assert len(data) > 20_000, "the page drew text and cards, not a blank screen"

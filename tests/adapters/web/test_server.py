"""The pages' server over a real loopback socket and a real SQLite file: each set's link shows
that set's pages and nothing of another's; whatever is not a live link is the same 404; the
pages can only be read; every answer carries the guards; and `alsbot run` serves them on
their own port or on the Slack HTTP server's."""

from __future__ import annotations

import asyncio
import html
import secrets
from pathlib import Path

import aiohttp
import pytest

from adapters.runtime import serve
from adapters.web.server import WebPages, WebServer, WebServerError
from bot.clock import FakeClock
from bot.preflight import config_findings, ports_to_bind, web_on_slack_server
from bot.reports import links
from bot.reports.toolkit_page import PER_PAGE
from testkit.config import START_OF_TESTS, make_config
from testkit.eventually import eventually
from testkit.harness import GENERAL, Harness, private_to
from testkit.slack.web_api import SlackWebApi
from testkit.slack.world import slack_config
from testkit.worlds.live import free_port
from tests.adapters.web.conftest import OTHER, Site, add_dos


async def fetch(site: Site, url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    async with site.http.request(method, url, allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def read(site: Site, url: str) -> str:
    """The page's text as a reader sees it (entities decoded)."""
    status, body, _ = await fetch(site, url)
    assert status == 200
    return html.unescape(body)


def assert_guarded(headers: dict[str, str]) -> None:
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # none at all: default-src 'none' forbids every script
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"].startswith("noindex")


@pytest.mark.asyncio
async def test_a_set_s_toolkit_shows_its_do_s_with_names_and_the_guards(site: Site) -> None:
    status, body, headers = await fetch(site, site.url("A"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert_guarded(headers)
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert '<meta name="referrer" content="no-referrer">' in body
    assert body.count('<article class="do"') == 3
    assert "Ask what they have tried already #listening" in body
    assert "from Ada Lovelace" in body and "saved by Grace Hopper" in body
    assert "console:local" not in body and "@alice" not in body and "from alice" not in body
    assert 'href="report"' in body  # to its own report, by the same link


@pytest.mark.asyncio
async def test_a_set_s_report_comes_from_the_injected_page(site: Site) -> None:
    for which in ("A", "B"):
        status, body, headers = await fetch(site, site.url(which, "report"))
        assert status == 200 and f"Report of set {site.set_ids[which]}</h1>" in body
        assert_guarded(headers)


@pytest.mark.asyncio
async def test_a_link_never_shows_another_set_s_data(site: Site) -> None:
    for query in ("", "?q=SECRET", "?tag=listening", "?q=set+b+keeps"):
        _, body, _ = await fetch(site, site.url("A", query=query))
        assert "SECRET-B" not in body and "Katherine Johnson" not in body
    _, body, _ = await fetch(site, site.url("B"))
    assert "SECRET-B" in body and body.count('<article class="do"') == 1
    assert "Ask what they have tried" not in body
    _, body, _ = await fetch(site, site.url("B", "report"))
    assert f"set {site.set_ids['A']}<" not in body


@pytest.mark.asyncio
async def test_search_and_tags_are_answered_by_the_server(site: Site) -> None:
    body = await read(site, site.url("A", query="?q=pause"))
    assert body.count('<article class="do"') == 1 and "Pause for ten seconds" in body
    assert "1 do matches “pause”" in body
    body = await read(site, site.url("A", query="?tag=listening"))
    assert body.count('<article class="do"') == 2 and "2 do's tagged #listening" in body
    body = await read(site, site.url("A", query="?tag=pace&q=seconds"))
    assert body.count('<article class="do"') == 1 and "“seconds” in #pace" in body
    body = await read(site, site.url("A", query="?q=nothing+like+this"))
    assert '<article class="do"' not in body and "No do matches that" in body


@pytest.mark.asyncio
async def test_many_do_s_come_a_page_at_a_time(site: Site) -> None:
    many = tuple((("carol", f"Small thing {n:02d} #practice", ())) for n in range(45))
    await add_dos(site.h, site.set_ids["B"], many, site.h.clock.now())
    first = await read(site, site.url("B", query="?tag=practice"))
    assert first.count('<article class="do"') == PER_PAGE
    assert "Small thing 44" in first and "Page 1 of 3" in first
    assert 'href="toolkit?tag=practice&page=2" rel="next"' in first and 'rel="prev"' not in first
    last = await read(site, site.url("B", query="?tag=practice&page=3"))
    assert last.count('<article class="do"') == 5 and "Small thing 00" in last
    assert 'href="toolkit?tag=practice&page=2" rel="prev"' in last and 'rel="next"' not in last
    beyond = await read(site, site.url("B", query="?tag=practice&page=99"))
    assert beyond == last  # an old link past the end shows the last page


@pytest.mark.asyncio
async def test_the_set_s_name_heads_its_page(site: Site) -> None:
    await site.h.cmd("alice", 'settings name "Leeds Housing Set"', OTHER)
    body = await read(site, site.url("B"))
    assert "<title>Do's toolkit · Leeds Housing Set</title>" in body
    assert '<p class="kicker">Leeds Housing Set</p>' in body
    assert "<title>Do's toolkit · Action Learning Set</title>" in await read(site, site.url("A"))


@pytest.mark.asyncio
async def test_what_a_reader_types_comes_back_inert(site: Site) -> None:
    query = "?q=%3Cscript%3Ealert(1)%3C/script%3E%22%3E&tag=%3Cb%3E&page=x"
    status, body, _ = await fetch(site, site.url("A", query=query))
    assert status == 200
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;" in body
    assert "<b>" not in body


@pytest.mark.asyncio
async def test_head_answers_like_get_without_a_body(site: Site) -> None:
    status, body, headers = await fetch(site, site.url("A"), "HEAD")
    assert status == 200 and body == ""
    assert_guarded(headers)


@pytest.mark.asyncio
async def test_anything_that_is_not_a_live_link_is_the_same_404(site: Site) -> None:
    token = site.tokens["A"]
    unknown = secrets.token_urlsafe(24)
    paths = [
        f"/s/{unknown}/toolkit",
        f"/s/{unknown}/report",
        f"/s/{token[:-1]}/toolkit",
        "/s/short/toolkit",
        f"/s/{token}",
        f"/s/{token}/",
        f"/s/{token}/admin",
        f"/s/{token}/toolkit/more",
        "/s/",
        "/",
        "/favicon.ico",
        "/healthz",
        f"/S/{token}/toolkit",
    ]
    bodies = set()
    for path in paths:
        status, body, headers = await fetch(site, site.base + path)
        assert status == 404, path
        assert_guarded(headers)
        assert token not in body and "SECRET" not in body
        bodies.add(body)
    assert len(bodies) == 1  # a dead link and a mistyped one cannot be told apart


@pytest.mark.asyncio
async def test_after_rotate_the_old_links_answer_404_at_once(site: Site) -> None:
    old = site.tokens["A"]
    new = await site.token(GENERAL, "link rotate")
    assert new != old
    for page in ("toolkit", "report"):
        assert (await fetch(site, f"{site.base}/s/{old}/{page}"))[0] == 404
        assert (await fetch(site, f"{site.base}/s/{new}/{page}"))[0] == 200
    assert (await fetch(site, site.url("B")))[0] == 200  # the other set's links live on
    _, body_404, _ = await fetch(site, f"{site.base}/s/{old}/toolkit")
    _, body_unknown, _ = await fetch(site, f"{site.base}/s/{secrets.token_urlsafe(24)}/toolkit")
    assert body_404 == body_unknown


@pytest.mark.asyncio
async def test_the_pages_can_only_be_read(site: Site) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for url in (site.url("A"), site.url("A", "report"), f"{site.base}/s/x/toolkit"):
            status, _, headers = await fetch(site, url, method)
            assert status == 405, (method, url)
            assert headers["Allow"] == "GET, HEAD"
            assert_guarded(headers)


@pytest.mark.asyncio
async def test_without_a_report_page_the_report_link_is_404(site: Site) -> None:
    pages = site.server.pages
    server = WebServer(WebPages(pages.find_set, pages.toolkit))
    await server.start("127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.port}/s/{site.tokens['A']}"
        assert (await fetch(site, base + "/report"))[0] == 404
        assert (await fetch(site, base + "/toolkit"))[0] == 200
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_a_failure_is_a_plain_500_that_says_nothing_of_the_link(site: Site) -> None:
    async def broken(_token: str) -> int | None:
        raise RuntimeError("the database is gone")

    server = WebServer(WebPages(broken, site.server.pages.toolkit))
    await server.start("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/s/{site.tokens['A']}/toolkit"
        status, body, headers = await fetch(site, url)
        assert status == 500 and site.tokens["A"] not in body and "database" not in body
        assert_guarded(headers)
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_a_taken_port_is_one_line(site: Site) -> None:
    server = WebServer(site.server.pages)
    with pytest.raises(WebServerError, match=r"cannot listen on \[web\] 127.0.0.1:"):
        await server.start("127.0.0.1", site.server.port)


def test_check_config_binds_the_web_port_unless_slack_serves_the_pages() -> None:
    alone = make_config("sqlite+aiosqlite:///x.db", ALSBOT_WEB_ENABLED="true")
    assert ("web", "127.0.0.1", 8080) in ports_to_bind(alone)
    off = make_config("sqlite+aiosqlite:///x.db")
    assert all(section != "web" for section, _, _ in ports_to_bind(off))
    shared = make_config(
        "sqlite+aiosqlite:///x.db",
        ALSBOT_WEB_ENABLED="true",
        ALSBOT_SLACK_ENABLED="true",
        ALSBOT_WEB_PORT="3000",
    )
    assert web_on_slack_server(shared)
    assert all(section != "web" for section, _, _ in ports_to_bind(shared))
    lines = [f.line() for f in config_findings(alone)]
    assert any(line.startswith("⚠ [web] base_url is empty") for line in lines), lines
    public = make_config(
        "sqlite+aiosqlite:///x.db", ALSBOT_WEB_ENABLED="true", ALSBOT_WEB_BASE_URL="https://a.b"
    )
    assert not any("[web]" in f.line() for f in config_findings(public))


async def a_set_with_a_token(db_url: str) -> str:
    """A set and its link, written before `alsbot run` starts on the same file."""
    h = await Harness.open(db_url, FakeClock(START_OF_TESTS), ALSBOT_WEB_ENABLED="true")
    try:
        await h.cmd("alice", "setup")
        said = private_to(await h.cmd("alice", "link"), "alice")[0]
    finally:
        await h.close()
    return said.split("/s/", 1)[1].split("/", 1)[0]


@pytest.mark.parametrize("shared", [True, False], ids=["on-slack-server", "own-port"])
@pytest.mark.asyncio
async def test_alsbot_run_serves_the_pages(tmp_path: Path, shared: bool) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'alsbot.db'}"
    token = await a_set_with_a_token(db_url)
    async with SlackWebApi() as api:
        slack_port = free_port()
        web_port = slack_port if shared else free_port()
        config = slack_config(
            api,
            db_url,
            "http",
            ALSBOT_SLACK_PORT=str(slack_port),
            ALSBOT_WEB_ENABLED="true",
            ALSBOT_WEB_PORT=str(web_port),
        )
        assert web_on_slack_server(config) is shared
        stop = asyncio.Event()
        running = asyncio.create_task(serve(config, stop_event=stop))
        try:
            async with aiohttp.ClientSession() as http:

                async def served() -> bool:
                    try:
                        url = f"http://127.0.0.1:{web_port}/s/{token}/toolkit"
                        async with http.get(url) as response:
                            return response.status == 200 and "Do's toolkit" in (
                                await response.text()
                            )
                    except aiohttp.ClientError:
                        return False

                await eventually(served, within=10.0, every=0.05, what="the toolkit page")
                url = f"http://127.0.0.1:{slack_port}/slack/events"
                async with http.post(url, data=b"{}") as response:
                    assert response.status == 401  # Slack's endpoint is still Slack's
                url = f"http://127.0.0.1:{web_port}/s/{secrets.token_urlsafe(24)}/toolkit"
                async with http.get(url) as response:
                    assert response.status == 404
                    assert_guarded(dict(response.headers))
                url = f"http://127.0.0.1:{web_port}/s/{token}/toolkit"
                async with http.post(url) as response:
                    assert response.status == 405
        finally:
            stop.set()
            await asyncio.wait_for(running, 10)


def test_tokens_are_long_and_unpredictable() -> None:
    made = {links.new_token() for _ in range(1000)}
    assert len(made) == 1000
    assert all(links.TOKEN_SHAPE.fullmatch(t) and len(t) == 32 for t in made)

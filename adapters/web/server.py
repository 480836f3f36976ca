"""The set's pages online: `GET /s/{token}/toolkit` and `/s/{token}/report`, nothing else.

A link is a capability (`bot.reports.links`): the token is looked up on its unique index,
and whatever does not name a set — a token never made, one rotated away, any other path —
is the same plain 404, so a reader cannot tell a dead link from a mistyped one.  The pages
are read-only: GET and HEAD, and 405 for every other method on a page's path.

Every answer carries the same guards: a Content-Security-Policy (no scripts, no outside
requests, forms only back here, no framing), `nosniff`, `Referrer-Policy: no-referrer` (a
link on the page must not hand the capability to another site through `Referer`),
`Cache-Control: no-store` (a rotated link must not live on in a shared cache) and
`noindex`.

`WebPages.mount` adds the routes to an aiohttp application: `WebServer`'s own, or, in
Slack HTTP mode on the same host and port, the Slack server's (`adapters.runtime`), so
one listener serves both.  What a page says is the core's (`bot.reports.web_pages`); the
report's HTML comes from an injected `report_page(set_id)`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.preflight import Refused
from bot.reports.toolkit_page import CSP as TOOLKIT_CSP

log = logging.getLogger(__name__)

FindSet = Callable[[str], Awaitable[int | None]]  # a token → its set's id, or None
ToolkitPage = Callable[[int, Mapping[str, str]], Awaitable[str | None]]
ReportPage = Callable[[int], Awaitable[str | None]]

PREFIX = "/s/"
PAGE_PATH = re.compile(r"/s/[^/]+/(toolkit|report)/?")
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "base-uri 'none'"
)
PLAIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
IDLE_SECONDS = 15.0
MAX_BODY = 1024  # pages are read, never sent to


def guarded(response: web.Response, csp: str) -> web.Response:
    headers = response.headers
    headers["Content-Security-Policy"] = f"{csp}; frame-ancestors 'none'"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cache-Control"] = "no-store"
    headers["X-Frame-Options"] = "DENY"
    headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _plain(status: int, title: str, said: str) -> web.Response:
    body = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
<style>body {{ font: 1.0625rem/1.55 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
padding: 0 1rem; color: #1f2328; background: #fbfaf7; }}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{said}</p>
</main>
</body>
</html>
"""
    response = web.Response(status=status, text=body, content_type="text/html", charset="utf-8")
    return guarded(response, PLAIN_CSP)


def not_found() -> web.Response:
    return _plain(
        404,
        "Page not found",
        "This link does not lead to a page. It may have been mistyped, or replaced by a new "
        "one: ask the set's facilitator for the current link.",
    )


def not_allowed() -> web.Response:
    response = _plain(405, "Not allowed", "These pages can only be read.")
    response.headers["Allow"] = "GET, HEAD"
    return response


def failed() -> web.Response:
    return _plain(500, "Something went wrong", "The page could not be made just now; try again.")


class WebPages:
    """The two pages' routes and answers, for any aiohttp application."""

    def __init__(
        self, find_set: FindSet, toolkit: ToolkitPage, report: ReportPage | None = None
    ) -> None:
        self.find_set = find_set
        self.toolkit = toolkit
        self.report = report

    def mount(self, app: web.Application) -> None:
        app.router.add_get(PREFIX + "{token}/{page:toolkit|report}", self.page)
        app.router.add_route("*", PREFIX + "{tail:.*}", self.other)

    async def page(self, request: web.Request) -> web.Response:
        info = request.match_info
        try:
            return await self._page(info["token"], info["page"], request.query)
        except Exception as error:  # one line, never the request (its path is a capability)
            log.error("a web page failed: %s (answered 500)", type(error).__name__)
            log.debug("the failure in full", exc_info=error)
            return failed()

    async def _page(self, token: str, which: str, query: Mapping[str, str]) -> web.Response:
        set_id = await self.find_set(token)
        if set_id is None:
            return not_found()
        if which == "toolkit":
            body, csp = await self.toolkit(set_id, query), TOOLKIT_CSP
        elif self.report is not None:
            body, csp = await self.report(set_id), REPORT_CSP
        else:
            body, csp = None, ""
        if body is None:
            return not_found()
        response = web.Response(text=body, content_type="text/html", charset="utf-8")
        return guarded(response, csp)

    async def other(self, request: web.Request) -> web.Response:
        if PAGE_PATH.fullmatch(request.path) and request.method not in ("GET", "HEAD"):
            return not_allowed()
        return not_found()


async def _anything_else(request: web.Request) -> web.Response:
    return not_found()


class WebServer:
    """The pages' own listener, for when no Slack HTTP server shares their address."""

    def __init__(self, pages: WebPages) -> None:
        self.pages = pages
        self.web_app = web.Application(client_max_size=MAX_BODY)
        pages.mount(self.web_app)
        self.web_app.router.add_route("*", "/{tail:.*}", _anything_else)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port (0 asks for an ephemeral one)."""
        self._runner = web.AppRunner(
            self.web_app, access_log=None, keepalive_timeout=IDLE_SECONDS
        )  # no access log: every request's path carries a link's token
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise WebServerError(
                f"cannot listen on [web] {host}:{port} ({error.strerror or error})",
                "choose a free [web] port (or the [slack] host and port, to share its server)",
            ) from None
        addresses = self._runner.addresses
        self.port = int(addresses[0][1]) if addresses else port
        log.info("the set's pages online listening on http://%s:%s", host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
            self._runner = None


class WebServerError(Refused):
    """The pages' server could not listen: `alsbot run` prints the one line and exits 2."""

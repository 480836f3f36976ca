"""The set's toolkit as a web page: search and tag filters that need no script at all.

Pure: what to show (`ToolkitView`, read by `bot.reports.web_pages`) and people's names in,
one HTML page out.  Searching is a GET form (`?q=…`) and each tag a plain link
(`?tag=…`), answered by the server, so the page works by keyboard alone (Tab to the box,
type, Enter; Tab to a tag, Enter), with scripts off, and in any browser; the policy
forbids scripts anyway (`CSP`: no script source at all, the one style block by its hash,
forms only to this server).

It has the exported toolkit's look (`bot.dos.export.CSS`) and escaping: a do's text is
whatever someone typed, so every value goes through `html.escape`, and every link the page
makes is relative and built with `urlencode`.  It shows only saved do's, with the names
their platforms give (never an id), and no link into the chat.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.counts import counted
from bot.dos.common import DoInfo
from bot.dos.export import CSS as TOOLKIT_CSS
from bot.dos.export import page_head, style_source
from bot.reports.names import UNNAMED

PER_PAGE = 20
MAX_QUERY = 200  # characters of a search kept
MAX_PAGE = 10_000
SAVERS_SHOWN = 3  # names of those who saved a do; the rest are counted
TAG_SHAPE = re.compile(r"[\w-]{1,50}")

PAGE_CSS = (
    TOOLKIT_CSS
    + """
.kicker { color: var(--muted); margin: 0.5rem 0 0; font-weight: 600; }
form.search { margin: 1.25rem 0 0.5rem; }
form.search label { display: block; font-weight: 600; margin-bottom: 0.35rem; }
form.search .row { display: flex; gap: 0.5rem; flex-wrap: wrap; }
form.search input { flex: 1 1 14rem; min-height: 2.75rem; font: inherit; padding: 0.4rem 0.7rem;
  border: 2px solid var(--muted); border-radius: 0.5rem; background: var(--card);
  color: var(--fg); }
form.search button, .pages a { min-height: 2.75rem; font: inherit; font-weight: 600;
  padding: 0.4rem 1.1rem; border: 2px solid var(--accent); border-radius: 0.5rem;
  background: var(--accent); color: var(--bg); cursor: pointer; }
.pages a { display: inline-block; text-decoration: none; line-height: 1.6; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current] { background: var(--accent); color: var(--bg); }
nav a[aria-current] span { color: var(--bg); }
.pages { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin: 1.5rem 0; }
.results-title { color: var(--fg); }
a:focus-visible, input:focus-visible, button:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 3px; }
footer.site a { color: var(--accent); }
"""
)
# The page's own policy, also sent as a header (with `frame-ancestors`, which a <meta>
# cannot carry) by `adapters.web`.
CSP = (
    f"default-src 'none'; style-src {style_source(PAGE_CSS)}; img-src data:; "
    "form-action 'self'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class ToolkitQuery:
    """What a reader asked for in the page's query string, made safe: unusable values are
    dropped, never an error."""

    q: str = ""
    tag: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ToolkitQuery:
        q = " ".join(str(params.get("q", "")).split())[:MAX_QUERY]
        tag = str(params.get("tag", "")).strip().lstrip("#").casefold()
        raw_page = str(params.get("page", "1")).strip()
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() else 1
        return cls(
            q=q,
            tag=tag if TAG_SHAPE.fullmatch(tag) else "",
            page=min(max(page, 1), MAX_PAGE),
        )

    def url(self, **change: str | int) -> str:
        """This page's relative link with `change` applied (empty values left out)."""
        wanted: dict[str, str | int] = {"q": self.q, "tag": self.tag, "page": self.page, **change}
        kept = {k: v for k, v in wanted.items() if v and not (k == "page" and v == 1)}
        return "toolkit" + ("?" + urlencode(kept) if kept else "")


@dataclass(frozen=True, slots=True)
class ToolkitView:
    title: str  # the set's name
    tz: ZoneInfo
    total: int  # every saved do of the set
    tags: Sequence[tuple[str, int]]  # every tag in use, with its do's, by name
    query: ToolkitQuery
    found: int  # the do's matching the query
    items: Sequence[DoInfo]  # this page of them, newest first
    made_at: datetime
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.found // self.per_page))


def people_in(view: ToolkitView) -> list[str]:
    """The user keys the page names (authors, and the first savers of each do)."""
    keys: list[str] = []
    for do in view.items:
        keys += [do.author_key] if do.author_key else []
        keys += do.saved_by[:SAVERS_SHOWN]
    return list(dict.fromkeys(keys))


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y}"


def _name(names: Mapping[str, str], key: str | None) -> str:
    return names.get(key, UNNAMED) if key else "someone"


def _do(do: DoInfo, names: Mapping[str, str], tz: ZoneInfo) -> str:
    meta = [f'<span class="num">#{do.id}</span>', f"from {_e(_name(names, do.author_key))}"]
    savers = [_name(names, k) for k in do.saved_by[:SAVERS_SHOWN]]
    if savers:
        more = len(do.saved_by) - len(savers)
        meta.append(
            "saved by " + _e(", ".join(savers)) + (f" and {counted(more, 'other')}" if more else "")
        )
    meta.append(
        f'<time datetime="{_e(do.created_at.astimezone(UTC).isoformat())}">'
        f"{_e(_day(do.created_at, tz))}</time>"
    )
    tags = "".join(f'<span class="tag">#{_e(t)}</span>' for t in do.tags)
    return (
        f'<article class="do" id="do-{do.id}">\n'
        f'<p class="text">{_e(do.text)}</p>\n'
        f'<p class="meta">{" · ".join(meta)}{" " + tags if tags else ""}</p>\n'
        "</article>"
    )


def _tag_links(view: ToolkitView) -> str:
    query = view.query
    every = f'<li><a href="{_e(query.url(tag="", page=1))}"'
    every += ' aria-current="page"' if not query.tag else ""
    every += f">All do's<span>{view.total}</span></a></li>"
    links = [every]
    for tag, count in view.tags:
        current = ' aria-current="page"' if tag == query.tag else ""
        links.append(
            f'<li><a href="{_e(query.url(tag=tag, page=1))}"{current}>#{_e(tag)}'
            f"<span>{count}</span></a></li>"
        )
    return '<nav aria-label="Filter by tag">\n<ul>\n' + "\n".join(links) + "\n</ul>\n</nav>"


def _heading(view: ToolkitView) -> str:
    query = view.query
    if not query.q and not query.tag:
        return "Every do, newest first"
    said = counted(view.found, "do", "do's")
    if not query.q:
        return f"{said} tagged #{query.tag}"
    out = f"{said} {'match' if view.found != 1 else 'matches'} “{query.q}”"
    return out + (f" in #{query.tag}" if query.tag else "")


def _pages(view: ToolkitView) -> str:
    if view.pages <= 1:
        return ""
    page = min(view.query.page, view.pages)
    parts = []
    if page > 1:
        parts.append(f'<a href="{_e(view.query.url(page=page - 1))}" rel="prev">Newer do\'s</a>')
    parts.append(f"<span>Page {page} of {view.pages}</span>")
    if page < view.pages:
        parts.append(f'<a href="{_e(view.query.url(page=page + 1))}" rel="next">Older do\'s</a>')
    return '<nav class="pages" aria-label="Pages">' + "\n".join(parts) + "</nav>"


def render(view: ToolkitView, names: Mapping[str, str]) -> str:
    query = view.query
    if view.items:
        body = "\n".join(_do(do, names, view.tz) for do in view.items)
    elif view.total:
        body = (
            '<p class="empty">No do matches that. Try fewer or shorter words, '
            'or <a href="toolkit">see every do</a>.</p>'
        )
    else:
        body = '<p class="empty">No do\'s have been saved yet.</p>'
    hidden = f'<input type="hidden" name="tag" value="{_e(query.tag)}">' if query.tag else ""
    searching = f"{_heading(view)} · " if query.q or query.tag else ""
    count = counted(view.total, "do", "do's")
    title = f"{_e(searching)}Do's toolkit · {_e(view.title)}"
    return f"""{page_head(title, CSP, PAGE_CSS, robots=True)}
<body>
<div class="page">
<header>
<p class="kicker">{_e(view.title)}</p>
<h1>Do's toolkit</h1>
<p class="lede">{count}: small, practical things anyone can start doing, saved by the set.</p>
</header>
<main>
<form class="search" method="get" action="toolkit" role="search">
<label for="q">Search the do's</label>
<div class="row">
<input type="search" id="q" name="q" value="{_e(query.q)}" maxlength="{MAX_QUERY}">
{hidden}<button type="submit">Search</button>
</div>
</form>
{_tag_links(view) if view.tags else ""}
<section aria-labelledby="results-title">
<h2 id="results-title" class="results-title">{_e(_heading(view))}</h2>
{body}
</section>
{_pages(view)}
</main>
<footer class="site">
<p>Anyone with this page's link can read it: the do's the set chose to save, never what was \
said in its sessions. <a href="report">The set's report</a>.</p>
<p>Collected with alsbot, one reaction at a time. Shown {_e(_day(view.made_at, view.tz))}.</p>
</footer>
</div>
</body>
</html>
"""

"""The do's toolkit as a file: Markdown, CSV or one self-contained HTML page.

Pure functions from records to text.  A do's text is whatever someone typed, so each
format escapes it its own way and nothing in it can act:

- HTML: every character that matters is escaped (`html.escape`), links are only ever
  http(s), and a Content-Security-Policy forbids scripts and outside requests anyway.
- Markdown: ASCII punctuation that Markdown (or a chat that renders it) would read as
  markup is backslash-escaped, `<` and `@` included, so `<script>` stays text and
  `\\@everyone` pasted into Discord pings nobody.  The escaping is reversible.
- CSV: a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
  gets a leading `'`, as OWASP recommends; one leading `'` is added to a cell that
  already starts with `'` too, so the original is always recoverable.

Every do appears exactly once: grouped by its first tag (untagged do's last), newest
first within a group.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.counts import counted

FORMATS = ("md", "csv", "html")
UNTAGGED = "More do's"
CSV_COLUMNS = ("id", "text", "tags", "author", "saved_by", "saved_at", "links")


@dataclass(frozen=True, slots=True)
class DoRecord:
    id: int
    text: str
    tags: tuple[str, ...]
    author: str
    saved_by: tuple[str, ...]
    saved_at: datetime
    links: tuple[str, ...] = ()


def group_by_tag(records: Iterable[DoRecord]) -> list[tuple[str | None, list[DoRecord]]]:
    """[(tag or None, do's)], tags alphabetically, untagged last; each do once."""
    groups: dict[str | None, list[DoRecord]] = {}
    for record in records:
        groups.setdefault(record.tags[0] if record.tags else None, []).append(record)
    named = sorted((k for k in groups if k is not None), key=str.casefold)
    return [(k, groups[k]) for k in named] + ([(None, groups[None])] if None in groups else [])


def _day(moment: datetime, tz: ZoneInfo | None) -> str:
    local = moment.astimezone(tz or UTC)
    return f"{local.day} {local:%B %Y}"


def _safe_link(link: str) -> str | None:
    return link if re.match(r"https?://[^\s<>\"']+$", link) else None


def render(
    fmt: str,
    records: Sequence[DoRecord],
    *,
    title: str,
    exported_at: datetime,
    tz: ZoneInfo | None = None,
) -> tuple[str, bytes]:
    """(file name, bytes) for `fmt` in `FORMATS`."""
    stamp = exported_at.astimezone(tz or UTC).strftime("%Y-%m-%d")
    if fmt == "md":
        body = to_markdown(records, title=title, exported_at=exported_at, tz=tz)
    elif fmt == "csv":
        body = to_csv(records)
    elif fmt == "html":
        body = to_html(records, title=title, exported_at=exported_at, tz=tz)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return f"dos-{stamp}.{fmt}", body.encode("utf-8")


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = frozenset("\\`*_[]()<>#|!~&{}@$")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md_escape(line: str) -> str:
    out = "".join("\\" + c if c in _MD_SPECIAL else c for c in line)
    if out[:1] in ("-", "+", "="):
        out = "\\" + out
    return _MD_ORDERED.sub(r"\1\\\2", out)


def md_unescape(line: str) -> str:
    return re.sub(r"\\(.)", r"\1", line)


def _md_meta(record: DoRecord, tz: ZoneInfo | None) -> str:
    parts = [f"#{record.id}", f"from {record.author}"]
    if record.saved_by:
        parts.append("saved by " + ", ".join(record.saved_by))
    parts.append(_day(record.saved_at, tz))
    meta = "_" + md_escape(" · ".join(parts)) + "_"
    for n, link in enumerate(x for x in record.links if _safe_link(x)):
        meta += f" · [{'message' if n == 0 else f'message {n + 1}'}](<{link}>)"
    return meta


def to_markdown(
    records: Sequence[DoRecord], *, title: str, exported_at: datetime, tz: ZoneInfo | None = None
) -> str:
    out = [f"# {md_escape(title)}", ""]
    count = counted(len(records), "do", "do's")
    out += [f"{count} · exported {_day(exported_at, tz)}", ""]
    for tag, group in group_by_tag(records):
        out += [f"## {md_escape('#' + tag) if tag else md_escape(UNTAGGED)}", ""]
        for record in group:
            lines = record.text.split("\n")
            out.append("- " + md_escape(lines[0]) + "  ")
            out += ["  " + md_escape(line) + "  " for line in lines[1:]]
            out.append("  " + _md_meta(record, tz))
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def to_csv(records: Sequence[DoRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for tag_group in group_by_tag(records):
        for r in tag_group[1]:
            writer.writerow(
                csv_guard(cell)
                for cell in (
                    str(r.id),
                    r.text,
                    " ".join("#" + t for t in r.tags),
                    r.author,
                    " ".join(r.saved_by),
                    r.saved_at.astimezone(UTC).isoformat(),
                    " ".join(r.links),
                )
            )
    return buffer.getvalue()


# --------------------------------------------------------------------------- HTML

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
# The toolkit's look, shared by its page online (`bot.reports.toolkit_page`).
CSS = """
:root { color-scheme: light dark; --bg: #fbfaf7; --fg: #1f2328; --muted: #5c6370;
  --card: #ffffff; --line: #e3e0d8; --accent: #2f6f4f; --chip: #e8f1ec; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --fg: #e8e6e3; --muted: #a3a9b3; --card: #1f2227;
    --line: #30343b; --accent: #7cc4a0; --chip: #23352c; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.page { max-width: 46rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
h1 { font-size: 1.75rem; line-height: 1.2; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; color: var(--accent); }
.lede { color: var(--muted); margin: 0 0 1rem; }
nav { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 1rem 0 0; padding: 0; }
nav a { display: inline-block; padding: 0.35rem 0.75rem; border-radius: 999px;
  background: var(--chip); color: var(--fg); text-decoration: none; min-height: 2.25rem;
  line-height: 1.6; }
nav a span { color: var(--muted); font-size: 0.85em; margin-left: 0.25rem; }
.do { background: var(--card); border: 1px solid var(--line); border-radius: 0.75rem;
  padding: 0.9rem 1rem; margin: 0 0 0.75rem; }
.do .text { margin: 0 0 0.5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.do .meta { color: var(--muted); font-size: 0.875rem; overflow-wrap: anywhere; margin: 0; }
.do .meta time { white-space: nowrap; }
.do .meta a { color: var(--accent); }
.tag { display: inline-block; background: var(--chip); border-radius: 0.4rem;
  padding: 0 0.4rem; margin-right: 0.25rem; }
.empty { color: var(--muted); font-style: italic; }
footer.site { color: var(--muted); font-size: 0.8rem; margin-top: 2.5rem; }
@media (max-width: 30rem) {
  .page { padding: 0.75rem 0.75rem 2rem; }
  h1 { font-size: 1.45rem; }
  .do { padding: 0.75rem; }
}
@media print { nav { display: none; } .do { break-inside: avoid; } }
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def style_source(css: str) -> str:
    """The CSP source that allows exactly this one `<style>` block (its SHA-256), so a
    page needs no `'unsafe-inline'`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def page_head(title_html: str, csp: str, css: str, *, robots: bool = False) -> str:
    """The start of every page alsbot makes, to the end of `<head>`: a language, a phone's
    viewport, the page's policy, no referrer, its style inline.  `title_html` is escaped
    by the caller; `robots` keeps a page at a private link out of search engines."""
    noindex = '<meta name="robots" content="noindex, nofollow">\n' if robots else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
{noindex}<title>{title_html}</title>
<style>{css}</style>
</head>"""


def _html_do(record: DoRecord, tz: ZoneInfo | None) -> str:
    meta = [f'<span class="num">#{record.id}</span>', f"from {_e(record.author)}"]
    if record.saved_by:
        meta.append("saved by " + _e(", ".join(record.saved_by)))
    meta.append(
        f'<time datetime="{_e(record.saved_at.astimezone(UTC).isoformat())}">'
        f"{_e(_day(record.saved_at, tz))}</time>"
    )
    for n, link in enumerate(x for x in record.links if _safe_link(x)):
        label = "where it was said" if n == 0 else f"also said here ({n + 1})"
        meta.append(f'<a href="{_e(link)}" rel="noopener noreferrer">{label}</a>')
    tags = "".join(f'<span class="tag">#{_e(t)}</span>' for t in record.tags)
    return (
        f'<article class="do" id="do-{record.id}">\n'
        f'<p class="text">{_e(record.text)}</p>\n'
        f'<p class="meta">{" · ".join(meta)}{" " + tags if tags else ""}</p>\n'
        "</article>"
    )


def to_html(
    records: Sequence[DoRecord], *, title: str, exported_at: datetime, tz: ZoneInfo | None = None
) -> str:
    groups = group_by_tag(records)
    nav = "".join(
        f'<a href="#group-{n}">{_e("#" + tag) if tag else _e(UNTAGGED)}'
        f"<span>{len(group)}</span></a>"
        for n, (tag, group) in enumerate(groups, 1)
    )
    sections = []
    for n, (tag, group) in enumerate(groups, 1):
        heading = _e("#" + tag) if tag else _e(UNTAGGED)
        body = "\n".join(_html_do(r, tz) for r in group)
        sections.append(
            f'<section id="group-{n}" aria-labelledby="group-{n}-title">\n'
            f'<h2 id="group-{n}-title">{heading}</h2>\n{body}\n</section>'
        )
    count = counted(len(records), "do", "do's")
    main = "\n".join(sections) or '<p class="empty">No do\'s have been saved yet.</p>'
    return f"""{page_head(_e(title), _CSP, CSS)}
<body>
<div class="page">
<header>
<h1>{_e(title)}</h1>
<p class="lede">{count}: small, practical things anyone can start doing. \
Exported {_e(_day(exported_at, tz))}.</p>
{f'<nav aria-label="Tags">{nav}</nav>' if nav else ""}
</header>
<main>
{main}
</main>
<footer class="site">Collected with alsbot, one reaction at a time.</footer>
</div>
</body>
</html>
"""

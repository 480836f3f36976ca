"""The toolkit files: every do exactly once in md, csv and html (parsed back), and text
that could act — `<script>`, `<!channel>`, `@everyone`, spreadsheet formulas — inert."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from bot.dos.do_text import fts5_query, hashtags, normalise_text, search_terms, tsquery
from bot.dos.export import (
    CSV_COLUMNS,
    DoRecord,
    csv_unguard,
    group_by_tag,
    md_escape,
    md_unescape,
    render,
    to_csv,
    to_html,
    to_markdown,
)

WHEN = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)

NASTY = [
    "<script>document.title='pwned'</script>",
    "<!channel> and <!here> and @everyone @here",
    '=HYPERLINK("http://evil.example","click")',
    "'=1+1",
    "-2+3 is a formula too",
    "+44 is a phone number",
    "@SUM(A1:A2)",
    "two lines\n\n- not a list\n1. not ordered\n# not a heading\n> not a quote",
    "back\\slash `code` *bold* _it_ [link](http://x.example) ![img](http://x.example/i.png)",
    "&amp; &lt;b&gt; &#60;script&#62; </p></article><article>",
    "Été — ✓ 🙂 #français",
    "tabs\tand | pipes | in | it",
]
PLAIN = [
    "Ask what they have already tried #listening",
    "Write the action down with a date #actions #habits",
    "Start each session with a one-word check-in",
]


def records(texts: list[str]) -> list[DoRecord]:
    return [
        DoRecord(
            id=n,
            text=t,
            tags=tuple(hashtags(t)),
            author="@dave",
            saved_by=("@carol", "@erin"),
            saved_at=WHEN,
            links=(f"https://discord.com/channels/1/2/{n}",) if n % 2 else (),
        )
        for n, t in enumerate(texts, 1)
    ]


ALL = records(PLAIN + NASTY)


# --------------------------------------------------------------------------- parsing back


def parse_markdown(body: str) -> dict[int, str]:
    found: dict[int, str] = {}
    current: list[str] | None = None
    for line in body.split("\n"):
        if line.startswith("- "):
            current = [line[2:]]
        elif current is not None and line.startswith("  _\\#"):
            number = int(re.match(r"  _\\#(\d+)", line)[1])
            assert number not in found, f"do #{number} appears twice"
            found[number] = "\n".join(md_unescape(part.removesuffix("  ")) for part in current)
            current = None
        elif current is not None and line.startswith("  "):
            current.append(line[2:])
    return found


def parse_csv(body: str) -> dict[int, str]:
    reader = csv.DictReader(io.StringIO(body, newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    found: dict[int, str] = {}
    for row in reader:
        number = int(csv_unguard(row["id"]))
        assert number not in found
        found[number] = csv_unguard(row["text"])
    return found


class _Dos(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[int, str] = {}
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self._article: int | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        self.refs += [(tag, k, v or "") for k, v in attrs if k in ("src", "href", "srcset")]
        if tag == "article":
            self._article = int((a.get("id") or "do-0").removeprefix("do-"))
        if tag == "p" and a.get("class") == "text":
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self._text is not None:
            assert self._article not in self.found
            self.found[self._article or 0] = "".join(self._text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse_html(body: str) -> _Dos:
    parser = _Dos()
    parser.feed(body)
    return parser


def _expected(rs: list[DoRecord], *, md: bool = False) -> dict[int, str]:
    if md:  # Markdown cannot keep spaces at the end of a line
        return {r.id: "\n".join(x.rstrip(" ") for x in r.text.split("\n")) for r in rs}
    return {r.id: r.text for r in rs}


# --------------------------------------------------------------------------- tests


def test_every_do_appears_exactly_once_in_every_format() -> None:
    md = to_markdown(ALL, title="Do's · general", exported_at=WHEN)
    assert parse_markdown(md) == _expected(ALL, md=True)
    assert parse_csv(to_csv(ALL)) == _expected(ALL)
    page = parse_html(to_html(ALL, title="Do's · general", exported_at=WHEN))
    assert page.found == _expected(ALL)


def test_grouped_by_first_tag_untagged_last() -> None:
    groups = group_by_tag(records(PLAIN))
    assert [(tag, [r.id for r in rs]) for tag, rs in groups] == [
        ("actions", [2]),
        ("listening", [1]),
        (None, [3]),
    ]
    md = to_markdown(records(PLAIN), title="t", exported_at=WHEN)
    assert md.index("## \\#actions") < md.index("## \\#listening") < md.index("## More do's")


def test_html_is_inert_and_self_contained() -> None:
    body = to_html(ALL, title="<b>title</b>", exported_at=WHEN)
    page = parse_html(body)
    assert "script" not in page.tags and "b" not in page.tags
    assert "<script" not in body.lower() and "<!channel>" not in body
    assert "&lt;script&gt;" in body and "&lt;!channel&gt;" in body
    refs = [(tag, name, value) for tag, name, value in page.refs]
    assert refs and all(
        name == "href" and tag == "a" and value.startswith(("#group-", "https://discord.com/"))
        for tag, name, value in refs
    ), "no outside assets: the only links are the do's sources and in-page anchors"
    assert "link" not in page.tags and "@import" not in body and "url(" not in body
    assert "Content-Security-Policy" in body and "default-src 'none'" in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert "@media (max-width" in body


def test_html_only_links_to_http() -> None:
    [r] = records(["a tip"])
    bad = DoRecord(r.id, r.text, r.tags, r.author, r.saved_by, r.saved_at, ("javascript:alert(1)",))
    assert "javascript:" not in to_html([bad], title="t", exported_at=WHEN)
    assert "javascript:" not in to_markdown([bad], title="t", exported_at=WHEN)


def test_markdown_renders_harmlessly() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = to_markdown(records(NASTY), title="t", exported_at=WHEN)
    html = markdown_it.MarkdownIt("commonmark").render(md)  # raw HTML allowed: the worst case
    page = parse_html(html)
    assert "script" not in page.tags and "img" not in page.tags
    assert page.tags.count("ul") == page.tags.count("h2"), "a do's text never starts a list"
    assert not {"h3", "h4", "blockquote", "ol", "code", "strong"} & set(page.tags)
    assert page.tags.count("em") == len(NASTY), "only each do's line of details is emphasised"
    assert "<!channel>" not in html and "&lt;!channel&gt;" in html
    assert "\\@everyone" in md, "escaped, so pasting it into Discord pings nobody"


def test_csv_cells_never_start_a_formula() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(records(NASTY)), newline="")))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("line", ["-x", "1. a", "#h", "a\\b", "*", "", "@", "2)", "`x`"])
def test_markdown_escaping_round_trips(line: str) -> None:
    assert md_unescape(md_escape(line)) == line


@pytest.mark.parametrize("fmt", ["md", "csv", "html"])
def test_render_names_the_file(fmt: str) -> None:
    name, content = render(fmt, ALL, title="t", exported_at=WHEN)
    assert name == f"dos-2026-01-12.{fmt}" and content.decode("utf-8")


def test_empty_toolkit_page() -> None:
    assert "No do's have been saved yet" in to_html([], title="t", exported_at=WHEN)


# --------------------------------------------------------------------------- text helpers


def test_normalised_text_hashtags_and_search_terms() -> None:
    assert normalise_text("Ask open questions!") == normalise_text("  ask OPEN   questions #x")
    assert normalise_text("Use #silence well") == "use silence well"
    assert hashtags("a #b-c #12 <#C1|x> &#39; #Été #b-c") == ["b-c", "été"]
    assert search_terms('"NEAR(a b)" OR -x*') == ["near", "a", "b", "or", "x"]
    assert fts5_query(["it's", "a"]) == '"it\'s"* "a"*'
    assert tsquery(["listen", "feel"]) == "listen:* & feel:*"


@pytest.mark.parametrize(("n", "count"), [(1, "1 do ·"), (2, "2 do's ·")])
def test_the_count_reads_naturally(n: int, count: str) -> None:
    md = to_markdown(records(PLAIN[:n]), title="t", exported_at=WHEN)
    assert md.split("\n")[2].startswith(count)
    page = to_html(records(PLAIN[:n]), title="t", exported_at=WHEN)
    assert f"{count[:-2]}: small, practical things" in page

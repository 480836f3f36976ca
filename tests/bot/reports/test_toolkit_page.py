"""The toolkit page's pieces: what a reader's query string may ask for, the page as rendered
(escaped, named, allowed by its own policy), and what it reads on either database (the
set's search with a tag, tags counted, a page past the end)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import insert

from bot.config import Config
from bot.dos.common import DOS, SAVED, DoInfo
from bot.dos.do_text import hashtags, normalise_text
from bot.reports import toolkit_page as page
from bot.reports.names import UNNAMED
from bot.reports.web_pages import tag_counts, toolkit_page
from bot.store.db import Store, open_store
from bot.store.models import Set as SetRow
from testkit.config import START_OF_TESTS, make_config

WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def a_do(n: int, body: str, author: str | None = "k:alice", savers: tuple[str, ...] = ()) -> DoInfo:
    return DoInfo(n, 1, body, author, list(savers), hashtags(body), WHEN)


def a_view(
    items: list[DoInfo], query: page.ToolkitQuery | None = None, **kw: object
) -> page.ToolkitView:
    values: dict[str, object] = {
        "title": "Leeds <Set>",
        "tz": ZoneInfo("Europe/London"),
        "total": len(items),
        "tags": [("listening", 2)],
        "query": query or page.ToolkitQuery(),
        "found": len(items),
        "items": items,
        "made_at": WHEN,
    }
    values.update(kw)
    return page.ToolkitView(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, page.ToolkitQuery()),
        ({"q": "  ask   open \n questions ", "tag": "#Listening", "page": "3"},
         page.ToolkitQuery("ask open questions", "listening", 3)),
        ({"q": "x" * 500}, page.ToolkitQuery("x" * page.MAX_QUERY)),
        ({"tag": "<b>", "page": "-2"}, page.ToolkitQuery()),
        ({"tag": "a b", "page": "٣"}, page.ToolkitQuery()),  # Arabic-Indic three is not a page
        ({"page": "0"}, page.ToolkitQuery()),
        ({"page": "99999999"}, page.ToolkitQuery(page=page.MAX_PAGE)),
        ({"tag": "café-au-lait"}, page.ToolkitQuery(tag="café-au-lait")),
    ],
)  # fmt: skip
def test_a_query_string_is_read_safely(params: dict[str, str], expected: page.ToolkitQuery) -> None:
    assert page.ToolkitQuery.from_params(params) == expected


def test_links_keep_the_query_and_drop_what_is_empty() -> None:
    query = page.ToolkitQuery("ask & tell", "pace", 2)
    assert query.url() == "toolkit?q=ask+%26+tell&tag=pace&page=2"
    assert query.url(page=1) == "toolkit?q=ask+%26+tell&tag=pace"
    assert query.url(tag="", page=1) == "toolkit?q=ask+%26+tell"
    assert page.ToolkitQuery().url() == "toolkit"


def test_the_page_escapes_what_people_typed_and_names_people() -> None:
    items = [
        a_do(1, 'Say "no" <script>alert(1)</script> #listening', "k:alice", ("k:bob",)),
        a_do(2, "Ask first", None, ("k:a", "k:b", "k:c", "k:d", "k:e")),
        a_do(3, "Breathe", "k:unknown"),
    ]
    names = {"k:alice": "Ada <b>Lovelace</b>", "k:bob": "Bob", "k:a": "A", "k:b": "B", "k:c": "C"}
    query = page.ToolkitQuery('"><script>', "listening")
    body = page.render(a_view(items, query), names)
    assert "<script>" not in body and "<b>" not in body
    assert "Say &quot;no&quot; &lt;script&gt;alert(1)&lt;/script&gt; #listening" in body
    assert 'value="&quot;&gt;&lt;script&gt;"' in body
    assert "from Ada &lt;b&gt;Lovelace&lt;/b&gt;" in body and "saved by Bob" in body
    assert "from someone · saved by A, B, C and 2 others" in body
    assert f"from {UNNAMED}" in body
    assert "k:alice" not in body and "k:d" not in body
    assert '<input type="hidden" name="tag" value="listening">' in body
    assert "<title>" + html.escape("3 do's match “\"><script>” in #listening · ") in body
    assert "Leeds &lt;Set&gt;" in body


def test_people_in_a_page_are_its_authors_and_first_savers() -> None:
    items = [a_do(1, "x", "k:1", ("k:2", "k:3", "k:4", "k:5")), a_do(2, "y", None, ("k:1",))]
    assert page.people_in(a_view(items)) == ["k:1", "k:2", "k:3", "k:4"]


def test_the_policy_allows_exactly_the_page_s_own_style() -> None:
    body = page.render(a_view([a_do(1, "x")]), {})
    style = re.search(r"<style>(.*?)</style>", body, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style[1].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page.CSP
    assert f'content="{page.CSP}"' in body
    assert "script" not in page.CSP and "form-action 'self'" in page.CSP
    assert body.count("<style>") == 1 and "style=" not in body  # no inline style attribute


def test_an_empty_toolkit_and_an_empty_search_say_so() -> None:
    assert "No do's have been saved yet." in page.render(a_view([]), {})
    none_found = a_view([], page.ToolkitQuery("zebra"), total=4)
    assert "No do matches that" in page.render(none_found, {})


# ------------------------------------------------------------------ on the database


@pytest_asyncio.fixture
async def db(any_db_url: str) -> AsyncIterator[Store]:
    store = await open_store(any_db_url)
    try:
        yield store
    finally:
        await store.close()


async def a_set(store: Store, channel: str, bodies: list[str]) -> int:
    async with store.write() as conn:
        made = await conn.execute(
            insert(SetRow.__table__).values(
                workspace_key="console:local",
                channel_key=f"console:local:{channel}",
                timezone="Europe/London",
                settings={"name": f"Set {channel}"},
                created_at=START_OF_TESTS,
            )
        )
        set_id = int(made.inserted_primary_key[0])
        for n, body in enumerate(bodies):
            await conn.execute(
                DOS.insert().values(
                    set_id=set_id, text=body, norm_text=normalise_text(body), author_key=None,
                    saved_by=[], tags=hashtags(body), status=SAVED,
                    created_at=START_OF_TESTS + timedelta(minutes=n),
                )
            )  # fmt: skip
    return set_id


def no_names(_platform: object) -> None:
    return None


async def show(store: Store, set_id: int, config: Config, **params: str) -> str:
    body = await toolkit_page(
        store, set_id, params, config=config, directory_of=no_names, now=START_OF_TESTS
    )
    assert body is not None
    return html.unescape(body)


@pytest.mark.asyncio
async def test_tags_are_exact_on_either_database(db: Store, any_db_url: str) -> None:
    config = make_config(any_db_url)
    ours = await a_set(
        db,
        "a",
        ["Listen fully #listen", "Keep listening #listening", "Un café #café", "No tag at all"],
    )
    theirs = await a_set(db, "b", ["Theirs #listen"])
    async with db.read() as conn:
        assert await tag_counts(conn, ours) == [("café", 1), ("listen", 1), ("listening", 1)]
    body = await show(db, ours, config, tag="listen")
    assert "Listen fully" in body and "Keep listening" not in body and "Theirs" not in body
    assert "Un café" in await show(db, ours, config, tag="café")
    assert "Keep listening" in await show(db, ours, config, q="listen", tag="listening")
    assert "<title>Do's toolkit · Set a</title>" in await show(db, ours, config)
    assert (
        await toolkit_page(
            db, theirs + 1, {}, config=config, directory_of=no_names, now=START_OF_TESTS
        )
        is None
    )  # a set that is gone


@pytest.mark.asyncio
async def test_a_page_past_the_end_is_the_last(db: Store, any_db_url: str) -> None:
    config = make_config(any_db_url)
    set_id = await a_set(db, "a", [f"Thing {n:02d}" for n in range(page.PER_PAGE + 3)])
    last = await show(db, set_id, config, page="2")
    assert last.count('<article class="do"') == 3 and "Page 2 of 2" in last
    assert await show(db, set_id, config, page="7") == last

"""The pure rules of offers and wants (`bot/network/item_words.py`): tags, limits, search,
dates and list lines."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands.network_commands import OFFER_ASK
from bot.network import item_words as w
from bot.refs import UserRef
from bot.replies import Mention, Strong
from testkit.harness import WS

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 1, 12, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "body", "tags"),
    [
        (
            "I can help with #Funding bids #writing.",
            "I can help with bids.",
            ("funding", "writing"),
        ),
        ("#research I can run a focus group", "I can run a focus group", ("research",)),
        ("help with bids, #funding, #FUNDING", "help with bids", ("funding",)),
        ("see <#C123|general> and C# code", "see <#C123|general> and C# code", ()),
        ("plain   words  here", "plain words here", ()),
        ("mentoring #peer-support!", "mentoring!", ("peer-support",)),
    ],
)
def test_tags_are_cut_out_lower_cased_and_once(raw: str, body: str, tags: tuple[str, ...]) -> None:
    assert w.split_tags(raw) == w.Words(body, tags)


def test_the_form_and_the_typed_command_read_the_same() -> None:
    typed = w.split_tags("I can help with grant applications #funding #writing")
    asked = OFFER_ASK.words(
        {"text": "I can help with grant applications", "tags": "Funding, writing"}
    )
    assert w.split_tags(asked) == typed


def test_the_limits() -> None:
    assert w.problem(w.split_tags("ok!")) is None
    assert "Say a little more" in (w.problem(w.split_tags("hi #funding")) or "")
    assert w.problem(w.Words("x" * 500, ())) is None
    assert "501 characters" in (w.problem(w.Words("x" * 501, ())) or "")
    assert "11 tags" in (w.problem(w.Words("fine words", tuple(f"t{n}" for n in range(11)))) or "")
    assert "up to 40 characters" in (w.problem(w.Words("fine words", ("x" * 41,))) or "")


def test_every_term_must_be_in_the_text_or_a_tag() -> None:
    terms = w.terms_of("Grant #FUNDING")
    assert terms == ["grant", "funding"]
    assert w.matches(terms, "Help with grants", ["funding"])
    assert not w.matches(terms, "Help with grants", ["writing"])
    assert not w.matches(w.terms_of("focus"), "Help with grants", ["funding"])
    assert w.matches([], "anything", [])


def test_days_show_the_year_only_when_it_is_not_this_one() -> None:
    assert w.day(datetime(2026, 3, 4, 23, 30, tzinfo=UTC), LONDON, NOW) == "4 March"
    assert w.day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), LONDON, NOW) == "1 July"  # BST
    assert w.day(datetime(2027, 1, 2, 12, tzinfo=UTC), LONDON, NOW) == "2 January 2027"


def test_a_list_line_names_the_author_by_mention() -> None:
    bob = UserRef(WS, "bob")
    item = w.Shown(12, bob, "I can help with bids", ("funding",), datetime(2026, 3, 4, tzinfo=UTC))
    line = w.list_line(item, LONDON, NOW)
    assert line.parts[0] == Strong("12.") and Mention(bob) in line.parts
    assert line.plain() == "12. I can help with bids — @bob · #funding · expires 4 March"
    untagged = w.Shown(3, bob, "Bids", (), datetime(2026, 3, 4, tzinfo=UTC))
    assert w.list_line(untagged, LONDON, NOW).plain() == "3. Bids — @bob · expires 4 March"

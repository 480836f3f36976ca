"""Rendering core replies for Discord: escaping, allowed mentions, length, buttons."""

from __future__ import annotations

import re

import pytest

from adapters.discord.render import MAX_CONTENT, allowed_mentions, escape, render, render_text
from adapters.discord.views import AlsButton, custom_id, parse_custom_id, view_for
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import Button, Mention, Strong, text

WS = WorkspaceRef(Platform.DISCORD, "111111111111111111")
ANN = UserRef(WS, "555555555555555555")
SLACKER = UserRef(WorkspaceRef(Platform.SLACK, "T1"), "U2")


@pytest.mark.parametrize(
    "typed",
    [
        "@everyone",
        "@here",
        "<@555555555555555555>",
        "<@!555555555555555555>",
        "<@&777777777777777777>",
    ],
)
def test_typed_mentions_are_defused(typed: str) -> None:
    shown = escape(f"hey {typed} look")
    assert typed not in shown
    assert "\u200b" in shown  # discord.utils.escape_mentions' zero-width space


def test_other_tokens_and_markdown_show_as_typed() -> None:
    for typed in ("<#222222222222222222>", "</als start:1>", "<t:1700000000:R>", "<:blob:1>"):
        assert re.search(r"(?<!\\)<", escape(typed)) is None, typed
    assert escape("**bold** _it_ ||spoiler||\n# heading\n- item") == (
        "\\*\\*bold\\*\\* \\_it\\_ \\|\\|spoiler\\|\\|\n\\# heading\n\\- item"
    )
    assert escape("use `/als join`") == "use `/als join`"  # the core's command spans stay
    assert escape("[click](https://evil.example)") == r"\[click](https://evil.example)"


def test_parts_render_natively_and_only_mentions_ping() -> None:
    content, mentioned = render_text(
        text(Strong("Round"), " for ", Mention(ANN), " · @everyone ", Mention(SLACKER))
    )
    assert content.startswith("**Round** for <@555555555555555555> · @\u200beveryone @U2")
    assert mentioned == (555555555555555555,)
    assert render(text(Mention(ANN), Mention(ANN))).mentioned == (555555555555555555,)
    assert allowed_mentions(mentioned).to_dict() == {"parse": [], "users": [555555555555555555]}
    assert allowed_mentions().to_dict() == {"parse": []}


def test_long_text_is_shortened_with_the_whole_text_kept() -> None:
    shown = render(text(Strong("x" * 1990), "y" * 100))
    assert len(shown.content) <= MAX_CONTENT and "full text is attached" in shown.content
    assert shown.content.count("**") % 2 == 0
    assert shown.full_text == "x" * 1990 + "y" * 100
    assert render(text("short")).full_text is None


def test_custom_ids_round_trip_and_refuse_what_cannot_fit() -> None:
    button = Button("round:rate", "4", "12:4", "primary")
    assert custom_id(button) == "als|round:rate|12:4"
    assert parse_custom_id("als|round:rate|12:4") == ("round:rate", "12:4")
    assert parse_custom_id("als|a|b|c") is None and parse_custom_id("other") is None
    with pytest.raises(ValueError):
        custom_id(Button("round:next", "Next", "x" * 120))
    with pytest.raises(ValueError):
        custom_id(Button("a|b", "Next", "1"))


@pytest.mark.asyncio
async def test_views_are_persistent_and_laid_out_in_rows() -> None:
    buttons = tuple(Button("round:rate", str(n), f"1:{n}") for n in range(1, 10))
    view = view_for(buttons)
    assert view is not None and view.timeout is None and view.is_persistent()
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 4]
    assert all(isinstance(item, AlsButton) for item in view.children)
    styles = view_for(
        (Button("a", "A", "", "primary"), Button("b", "B", "", "danger"), Button("c", "C"))
    )
    assert styles is not None
    assert [c["style"] for c in styles.to_components()[0]["components"]] == [1, 4, 2]
    assert view_for(()) is None
    too_many = view_for(tuple(Button("x", str(n), str(n)) for n in range(30)))
    assert too_many is not None and len(too_many.children) == 25


@pytest.mark.parametrize("target", ["<!channel>", "everyone", "123abc", "١٢٣", "9" * 21, ""])
def test_a_mention_whose_target_is_no_snowflake_is_escaped_text(target: str) -> None:
    """Issue 14, point 8: only a snowflake becomes `<@id>` and is allowed to ping; anything
    else is shown as escaped text (`str.isdigit` would have let other scripts' digits in)."""
    content, mentioned = render_text(text("Round for ", Mention(UserRef(WS, target))))
    assert mentioned == ()
    assert content == "Round for " + escape("@" + target)
    assert "<@" not in content and "@everyone" not in content

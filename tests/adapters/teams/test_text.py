"""Teams' text and HTML → the core's text: mention tags replaced as the caller says, and
nothing typed ever reading as a mention."""

from __future__ import annotations

import pytest

from adapters.teams.text import CLOSE, OPEN, At, as_typed, plain


def linked(tag: At) -> str:
    return f"<@id{tag.index}>"


def test_tags_are_replaced_in_order_with_their_ids() -> None:
    seen: list[At] = []

    def note(tag: At) -> str:
        seen.append(tag)
        return linked(tag)

    html = '<div><at id="0">Ana <b>L</b></at> and <at id="7">Bob</at>&nbsp;&amp; co</div>'
    assert plain(html, note) == "<@id0> and <@id1> & co"
    assert seen == [At(0, "0", "Ana L"), At(1, "7", "Bob")]


def test_blocks_and_breaks_are_lines() -> None:
    html = "<p>one</p><p>two<br>three</p>\n\n\n\n<div>four</div>"
    assert plain(html, as_typed) == "one\ntwo\nthree\n\nfour"


@pytest.mark.parametrize(
    "typed",
    [
        "&lt;@U1&gt;",
        "<@U1>",
        "&lt;&lt;@@U1&gt;&gt;",
        "&lt;at&gt;Bob&lt;/at&gt;",
        f"{OPEN}0{CLOSE}",  # the marker itself, typed
        "<at>&lt;@U1&gt;</at>",  # a name that is markup
        # `<` typed just before a mention shown as typed: `<@U1>` once put together
        "&lt;<at>U1&gt;</at>",
        "<<at>>",
    ],
)
def test_nothing_typed_reads_as_a_mention(typed: str) -> None:
    assert "<@" not in plain(typed, as_typed)

    def only_bob(tag: At) -> str:
        return "<@B0B>" if tag.name == "Bob" else as_typed(tag)

    assert plain(f"<at>Bob</at> {typed}", only_bob).count("<@") == 1

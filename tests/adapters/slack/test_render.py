"""Core replies → Block Kit: escaping, mentions, buttons, Slack's size limits."""

from __future__ import annotations

import pytest

from adapters.slack import render
from adapters.slack.translate import decode_action_id
from bot.refs import Platform, UserRef, WorkspaceRef
from bot.replies import Button, Mention, Plain, Strong, Text, text

SLACK = WorkspaceRef(Platform.SLACK, "T1")
ANA = UserRef(SLACK, "U0ANA")

PINGS = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S0LEADS|@leads>", "<@U0EVE>"]


@pytest.mark.parametrize("ping", PINGS)
def test_user_text_can_never_ping(ping: str) -> None:
    body = text(Plain(f"a {ping} b"), Strong(ping))
    message = render.message(body, (Button("x", ping, ping),))
    sections = [b for b in message["blocks"] if b["type"] == "section"]
    for shown in [message["text"]] + [b["text"]["text"] for b in sections]:
        assert ping not in shown
        assert "&lt;" + ping[1:-1] + "&gt;" in shown
    assert all(b["text"]["verbatim"] is True for b in sections)
    # A label is plain_text, which Slack never parses for mentions; a value is never shown.
    label = message["blocks"][-1]["elements"][0]["text"]
    assert label == {"type": "plain_text", "text": ping, "emoji": True}


def test_escaping_is_exactly_amp_lt_gt() -> None:
    assert render.escape("a & b < c > d ' \" *") == "a &amp; b &lt; c &gt; d ' \" *"
    assert render.mrkdwn(text("&amp;")) == "&amp;amp;", "already-escaped text stays as typed"


def test_mentions_render_as_slack_markup_only_for_slack_users() -> None:
    other = UserRef(WorkspaceRef(Platform.DISCORD, "G1"), "<@123>")
    body = text("Hi ", Mention(ANA), " and ", Mention(other))
    assert render.mrkdwn(body) == "Hi <@U0ANA> and @&lt;@123&gt;"


def test_strong() -> None:
    assert render.mrkdwn(text(Strong("Opening"), "!")) == "*Opening*!"
    assert render.mrkdwn(text(Strong(" two words "))) == " *two words* "
    assert render.mrkdwn(text(Strong("  "))) == "  "
    assert render.mrkdwn(text(Strong("<b>"))) == "*&lt;b&gt;*"


def test_buttons_become_an_actions_block_with_unique_ids_that_round_trip() -> None:
    buttons = (
        Button("round:next", "Next phase", "7", "primary"),
        Button("round:end", "End", "7", "danger"),
        *(Button("round:rate", str(n), f"7:{n}") for n in range(1, 6)),
    )
    blocks = render.blocks(text("Header"), buttons)
    assert blocks[0]["type"] == "section"
    actions = blocks[1]
    assert actions["type"] == "actions"
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(set(ids)) == len(ids), "Slack refuses duplicate action_ids in a block"
    assert [decode_action_id(i) for i in ids] == [b.action_id for b in buttons]
    assert actions["elements"][0]["style"] == "primary"
    assert "style" not in actions["elements"][2]
    assert actions["elements"][3]["value"] == "7:2"
    assert actions["elements"][0]["text"] == {
        "type": "plain_text",
        "text": "Next phase",
        "emoji": True,
    }


def test_many_buttons_are_split_into_blocks_of_25() -> None:
    buttons = tuple(Button("pick", f"{n}", str(n)) for n in range(30))
    blocks = render.blocks(text("x"), buttons)
    sizes = [len(b["elements"]) for b in blocks if b["type"] == "actions"]
    assert sizes == [25, 5]
    assert blocks[1]["block_id"] != blocks[2]["block_id"]


def test_long_labels_are_shortened_and_bad_buttons_refused() -> None:
    element = render.blocks(text(), (Button("a", "x" * 200),))[0]["elements"][0]
    assert len(element["text"]["text"]) == 75
    with pytest.raises(render.RenderError):
        render.blocks(text(), (Button("", "empty id"),))
    with pytest.raises(render.RenderError):
        render.blocks(text(), (Button("a", "big", "v" * 2001),))


def test_long_text_is_split_into_sections_without_breaking_escapes_or_mentions() -> None:
    line = "a<b & " * 100 + "\n"
    body = Text((Plain(line * 30), Mention(ANA)))
    blocks = render.blocks(body)
    assert len(blocks) > 1 and all(len(b["text"]["text"]) <= 3000 for b in blocks)
    rendered = render.mrkdwn(body)
    assert "\n".join(render.split_sections(rendered)) == rendered, "cut at line breaks"
    unbroken = "&" * 5000
    pieces = render.split_sections(render.escape(unbroken))
    assert all(p.count("&amp;") * 5 == len(p) for p in pieces), "no entity is cut in half"
    mentions = "<@U0ANA>" * 600
    assert all(p.count("<") == p.count(">") for p in render.split_sections(mentions))


def test_fallback_text_is_escaped_and_bounded() -> None:
    assert render.fallback(text("<!here>")) == "&lt;!here&gt;"
    assert len(render.fallback(text("x" * 10_000))) <= 3000
    assert render.fallback(text()) == " "


def test_an_empty_text_with_buttons_has_only_the_actions() -> None:
    blocks = render.blocks(text(), (Button("a", "A"),))
    assert [b["type"] for b in blocks] == ["actions"]


@pytest.mark.parametrize(
    "target", ["<!channel", "<!channel>", "!here", "<!everyone>", "U1|x", "u0ana", "T0TEAM", ""]
)
def test_a_mention_whose_target_is_no_slack_user_id_is_escaped_text(target: str) -> None:
    """Issue 14, point 8: a `Mention` is markup only for a Slack user id (`U…`/`W…`); any
    other target (one typed as text and stored before the grammar checked it) is shown
    escaped, so `<@<!channel>` can never reach Slack as `<!channel>`."""
    shown = render.mrkdwn(text("Round for ", Mention(UserRef(SLACK, target))))
    assert shown == "Round for @" + render.escape(target)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@"):
        assert ping not in shown
    assert render.mrkdwn(text(Mention(UserRef(SLACK, "W0GRID1")))) == "<@W0GRID1>"

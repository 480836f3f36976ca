"""Core replies → Teams activities with an Adaptive Card: literal user text, mentions only
from `Mention`, buttons and forms by the listener's contract, the 28 KB limit, files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.forms import ASKING, form_id
from adapters.teams import render
from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import Button, File, Mention, Plain, Strong, Text, text

TENANT = WorkspaceRef(Platform.TEAMS, "6e4f2c1a-0000-4000-8000-000000000001")
BOB = UserRef(TENANT, "0b0b0b0b-0000-4000-8000-00000000b0b0")
ANA = UserRef(TENANT, "0a0a0a0a-0000-4000-8000-00000000a0a0")
NAMES = {BOB: render.Person("29:1bob", "Bob"), ANA: render.Person("29:1ana", "Ana Lima")}
CHANNEL = ChannelRef(TENANT, "19%3Aabc@thread.tacv2")

ECHOES = ["<at>Bob</at>", "<script>alert(1)</script>", "**x**", "[x](http://evil)", "@channel"]


def card(activity: dict[str, Any]) -> dict[str, Any]:
    assert activity["type"] == "message"
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
    return content


def runs(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [run for block in content["body"] for run in block.get("inlines", [])]


def shown(content: dict[str, Any]) -> str:
    """Every text the card shows, TextBlocks' and TextRuns' alike."""
    out = [block.get("text", "") for block in content["body"]]
    return "\n".join(out + [run["text"] for run in runs(content)])


@pytest.mark.parametrize("echo", ECHOES)
def test_typed_text_stays_literal_with_no_entity(echo: str) -> None:
    content = card(render.message(text(Plain(f"you said {echo}"), "\n", Strong(echo)), (), NAMES))
    assert "entities" not in content["msteams"]
    (plain_run,) = [r for r in runs(content) if "weight" not in r]
    (strong_run,) = [r for r in runs(content) if r.get("weight") == "Bolder"]
    # A TextRun is never Markdown: the text is as typed, except an <at> tag, broken by an
    # invisible word joiner so that it can never match a mention entity.
    assert plain_run["text"].replace(render.WORD_JOINER, "") == f"you said {echo}"
    assert strong_run["text"].replace(render.WORD_JOINER, "") == echo
    assert all(b["type"] == "RichTextBlock" for b in content["body"])
    assert "<at>" not in shown(content)


def test_commands_in_backticks_are_set_in_a_fixed_width_font_without_the_backticks() -> None:
    content = card(render.message(text("Type `/als help` or `/als dos`, not ` alone"), (), {}))
    assert [(r["text"], r.get("fontType")) for r in runs(content)] == [
        ("Type ", None),
        ("/als help", "Monospace"),
        (" or ", None),
        ("/als dos", "Monospace"),
        (", not ` alone", None),
    ]
    typed = card(render.message(text(Plain("`<at>Bob</at>`")), (), NAMES))
    assert "entities" not in typed["msteams"] and "<at>" not in shown(typed)


@pytest.mark.parametrize("echo", ECHOES)
def test_typed_text_beside_a_mention_is_escaped_markdown(echo: str) -> None:
    content = card(render.message(text(Mention(BOB), f" said {echo}"), (), NAMES))
    (block,) = content["body"]
    assert block["type"] == "TextBlock"
    assert block["text"].startswith("<at>Bob</at> said ")
    echoed = block["text"].removeprefix("<at>Bob</at> said ")
    assert "<at>" not in echoed and "**" not in echoed and "[x](" not in echoed
    if echo.startswith("<script"):
        assert echoed.startswith("\\<script>")
    assert echoed.replace("\\", "").replace(render.WORD_JOINER, "") == echo
    (entity,) = content["msteams"]["entities"]
    assert entity["text"] == "<at>Bob</at>"


def test_a_mention_makes_exactly_one_entity_with_the_stored_id() -> None:
    body = text("Over to ", Mention(BOB), ": ", Mention(BOB), " <at>Bob</at> **now**")
    content = card(render.message(body, (), NAMES))
    assert content["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:1bob", "name": "Bob"}}
    ]
    # The entity's text appears only where the core put a Mention, never from the echo.
    assert content["body"][0]["text"].count("<at>Bob</at>") == 2


def test_an_unmet_person_is_mentioned_by_entra_object_id() -> None:
    content = card(render.message(text("Hi ", Mention(ANA)), (), {}))
    (entity,) = content["msteams"]["entities"]
    assert entity["mentioned"]["id"] == ANA.id
    assert entity["text"] in content["body"][0]["text"]


def test_two_people_with_one_name_get_two_distinct_tags() -> None:
    names = {BOB: render.Person("29:1", "Sam"), ANA: render.Person("29:2", "Sam")}
    content = card(render.message(text(Mention(BOB), " and ", Mention(ANA)), (), names))
    tags = [e["text"] for e in content["msteams"]["entities"]]
    assert tags == ["<at>Sam</at>", "<at>Sam (2)</at>"]
    assert content["body"][0]["text"] == "<at>Sam</at> and <at>Sam (2)</at>"


def test_a_name_cannot_close_the_at_tag_early() -> None:
    names = {BOB: render.Person("29:1", "Eve</at><at>Bob")}
    content = card(render.message(text(Mention(BOB)), (), names))
    (entity,) = content["msteams"]["entities"]
    assert entity["text"] == "<at>Eve /at at Bob</at>"


def test_strong_and_lines() -> None:
    content = card(render.message(text("a ", Strong("b"), "\n\nc"), ()))
    first, second = content["body"]
    assert first["inlines"] == [
        {"type": "TextRun", "text": "a "},
        {"type": "TextRun", "text": "b", "weight": "Bolder"},
    ]
    assert second == {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": "c"}],
        "spacing": "Medium",
    }


def test_buttons_follow_the_listeners_contract() -> None:
    buttons = (
        Button("round:join", "Join", "7", "primary"),
        Button("round:stop", "Stop", "7", "danger"),
        Button("round:rate", "3", "7:3"),
    )
    content = card(render.message(text("x"), buttons))
    assert content["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Join",
            "data": {"als_action": "round:join", "als_value": "7"},
            "style": "positive",
        },
        {
            "type": "Action.Submit",
            "title": "Stop",
            "data": {"als_action": "round:stop", "als_value": "7"},
            "style": "destructive",
        },
        {
            "type": "Action.Submit",
            "title": "3",
            "data": {"als_action": "round:rate", "als_value": "7:3"},
        },
    ]


def test_more_than_six_buttons_go_in_rows_all_in_sight() -> None:
    buttons = tuple(Button("round:rate", str(n), f"7:{n}") for n in range(1, 9))
    content = card(render.message(text("Rate it"), buttons))
    assert "actions" not in content
    rows = [e["actions"] for e in content["body"] if e["type"] == "ActionSet"]
    assert [len(row) for row in rows] == [6, 2]
    assert [a["data"]["als_value"] for row in rows for a in row] == [f"7:{n}" for n in range(1, 9)]


def test_a_60_kb_text_stays_under_28_kb_and_says_it_was_cut() -> None:
    line = 'Ünïcode & <tags> "quoted" text, a long line of it ' * 3
    body = text(Mention(BOB), " wrote:\n") + text("\n".join([line] * 400))
    assert len(body.plain().encode()) > 60_000
    activity = render.message(body, (Button("a", "A", "1"),), NAMES)
    assert len(json.dumps(activity, ensure_ascii=False).encode()) < 28_000
    assert len(render.activity_bytes(activity)) <= render.BUDGET_BYTES
    content = card(activity)
    assert shown(content).rstrip().endswith("(cut short: too long for one Teams message)")
    assert content["actions"] and content["msteams"]["entities"]


def test_one_long_line_is_cut_too() -> None:
    activity = render.message(text(Strong("x" * 70_000)))
    assert len(render.activity_bytes(activity)) <= render.BUDGET_BYTES
    assert "cut short" in shown(card(activity))


def test_plain_names_mentions_for_reactions() -> None:
    assert render.plain(text("Hi ", Mention(BOB), " **x**"), NAMES) == "Hi @Bob **x**"


def test_form_card_has_the_fields_and_one_submit_naming_the_form() -> None:
    spec = ASKING["offer add"]
    content = card(render.form(spec, CHANNEL))
    inputs = [e for e in content["body"] if e["type"] == "Input.Text"]
    assert [(i["id"], i["isRequired"], i["maxLength"], i["isMultiline"]) for i in inputs] == [
        ("text", True, 500, True),
        ("tags", False, 200, False),
    ]
    (submit,) = content["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {"als_form": form_id(spec), "als_channel": CHANNEL.key}


def test_a_text_file_is_shown_as_text() -> None:
    reply = File(
        channel=CHANNEL,
        filename="dos.csv",
        content=b"what,who\n**ship** it,<at>Bob</at>\n",
        title="The set's do's (1)",
    )
    content = card(render.file(reply))
    assert "entities" not in content["msteams"]
    texts = [r["text"].replace(render.WORD_JOINER, "") for r in runs(content)]
    assert "**ship** it,<at>Bob</at>" in texts
    assert all(r.get("fontType") == "Monospace" for r in runs(content)[-2:])


def test_a_large_text_file_is_cut_pointing_to_the_sets_pages() -> None:
    reply = File(channel=CHANNEL, filename="dos.csv", content=b"a,b,c\n" * 20_000)
    activity = render.file(reply)
    assert len(render.activity_bytes(activity)) <= render.BUDGET_BYTES
    assert "/als link" in shown(card(activity))


def test_an_image_is_described_and_pointed_to() -> None:
    reply = File(
        channel=CHANNEL,
        filename="report-attendance.png",
        content=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100,
        title="Attendance",
        alt="Attendance rose from 5 to 7",
    )
    words = shown(card(render.file(reply)))
    assert "Attendance rose from 5 to 7" in words
    assert "/als link" in words and "alsbot export" in words


def test_empty_text_still_makes_a_valid_card() -> None:
    content = card(render.message(Text()))
    assert content["body"]

"""Slack payloads → core events: what is taken, what is refused, and why."""

from __future__ import annotations

import pytest

from adapters.slack.translate import (
    BotIdentity,
    HomeOpened,
    Ignored,
    Inbound,
    core_text,
    decode_action_id,
    from_block_actions,
    from_event_callback,
    from_slash_command,
)
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef
from testkit.slack import signing as sign

BOT = BotIdentity("T0TEST", "UBOT", "BBOT")
WS = WorkspaceRef(Platform.SLACK, "T0TEST")
TS = "1767225601.000100"
ROOT = "1767225600.000001"


def envelope(event: dict, **kwargs) -> dict:
    return sign.event_envelope(event, event_id=kwargs.pop("event_id", "Ev01"), **kwargs)


def inbound(outcome):
    assert isinstance(outcome, Inbound), outcome
    return outcome.event


# ---------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("start <@U123|ana> <@W9>", "start <@U123> <@W9>"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("&amp;lt;", "&lt;"),
        ("hi <!here> and <!channel> and <!everyone>", "hi @here and @channel and @everyone"),
        ("ping <!subteam^S1|@leads> <!subteam^S2>", "ping @leads @group"),
        ("see <#C1|general> or <#C2>", "see #general or #C2"),
        ("<https://x.org|the site> and <https://y.org>", "the site and https://y.org"),
        ("<!date^1392734382^{date}|Feb 18>", "Feb 18"),
        ("&lt;@U999&gt;", "<@U999>"),
        ("<@bad id>", "@someone"),
        ("unclosed <@U1 text", "unclosed <@U1 text"),
    ],
)
def test_core_text(raw: str, expected: str) -> None:
    assert core_text(raw) == expected


def test_core_text_is_bounded() -> None:
    assert len(core_text("x" * 100_000)) == 40_000


def test_decode_action_id_strips_only_the_renderers_suffix() -> None:
    assert decode_action_id("round:rate#3") == "round:rate"
    assert decode_action_id("round:next") == "round:next"
    assert decode_action_id("a#b#12") == "a#b"


# ---------------------------------------------------------------------- messages


def test_a_thread_message() -> None:
    event = sign.message_event(
        user="U1", channel="C1", text="What &amp; why?", ts=TS, thread_ts=ROOT
    )
    got = inbound(from_event_callback(envelope(event), BOT))
    channel = ChannelRef(WS, "C1")
    assert got == MessagePosted(
        key="slack:event:Ev01",
        user=UserRef(WS, "U1"),
        channel=channel,
        message=MessageRef(channel, TS),
        text="What & why?",
        thread=MessageRef(channel, ROOT),
    )


def test_a_thread_root_is_not_its_own_thread() -> None:
    event = sign.message_event(user="U1", channel="C1", text="x", ts=TS, thread_ts=TS)
    assert inbound(from_event_callback(envelope(event), BOT)).thread is None


def test_thread_broadcasts_and_file_shares_are_people_speaking() -> None:
    for subtype in ("thread_broadcast", "file_share", "me_message"):
        event = sign.message_event(user="U1", channel="C1", text="x", ts=TS, subtype=subtype)
        assert isinstance(from_event_callback(envelope(event), BOT), Inbound)


def test_a_dm_is_a_direct_message() -> None:
    event = sign.message_event(user="U1", channel="D1", text="done", ts=TS, channel_type="im")
    got = inbound(from_event_callback(envelope(event), BOT))
    assert isinstance(got, DirectMessage) and got.text == "done"


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ({"user": "UBOT"}, "own message"),
        ({"bot_id": "B2"}, "bot"),
        ({"subtype": "message_changed"}, "message_changed"),
        ({"subtype": "channel_join"}, "channel_join"),
        ({"subtype": "bot_message"}, "bot_message"),
        ({"hidden": True}, "bot"),
    ],
)
def test_messages_that_are_not_a_person_speaking_are_ignored(extra: dict, why: str) -> None:
    event = {**sign.message_event(user="U1", channel="C1", text="x", ts=TS), **extra}
    outcome = from_event_callback(envelope(event), BOT)
    assert isinstance(outcome, Ignored) and why in outcome.reason


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"user": ""}, "user is missing"),
        ({"user": None}, "user is missing"),
        ({"user": 42}, "user is not a string"),
        ({"user": "u1"}, "not a Slack id"),
        ({"user": "T0:U1"}, "not a Slack id"),
        ({"channel": ""}, "channel is missing"),
        ({"ts": ""}, "ts is missing"),
        ({"ts": "0000000000.000000"}, "not a message timestamp"),
        ({"ts": "later"}, "not a message timestamp"),
        ({"thread_ts": "nope"}, "thread_ts"),
    ],
)
def test_malformed_messages_name_the_reason(change: dict, why: str) -> None:
    event = {**sign.message_event(user="U1", channel="C1", text="x", ts=TS), **change}
    outcome = from_event_callback(envelope(event), BOT)
    assert isinstance(outcome, Ignored) and why in outcome.reason, outcome


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (None, "body is not an object"),
        ([], "body is not an object"),
        ({"type": "event_callback"}, "event is missing"),
        ({"event": "x", "event_id": "Ev1", "team_id": "T1"}, "event is missing"),
        ({"event": {"type": ""}, "event_id": "Ev1", "team_id": "T1"}, "type is missing"),
        ({"event": {"type": "message"}, "event_id": "", "team_id": "T1"}, "event_id"),
        ({"event": {"type": "message"}, "event_id": "Ev 1", "team_id": "T1"}, "event_id"),
        ({"event": {"type": "pin_added"}, "event_id": "Ev1", "team_id": "T1"}, "not one"),
    ],
)
def test_malformed_envelopes_name_the_reason(body, why: str) -> None:
    outcome = from_event_callback(body, BOT)
    assert isinstance(outcome, Ignored) and why in outcome.reason, outcome


def test_an_envelope_naming_no_workspace_is_malformed_unless_the_installation_is_known() -> None:
    body = envelope(sign.message_event(user="U1", channel="C1", text="x", ts=TS))
    body["team_id"], body["authorizations"] = "", []
    outcome = from_event_callback(body)
    assert isinstance(outcome, Ignored) and "team_id" in outcome.reason, outcome
    assert inbound(from_event_callback(body, BOT)).channel.workspace.id == BOT.team_id


# ---------------------------------------------------------------------- reactions & home


def test_reactions() -> None:
    added = sign.reaction_event(
        "reaction_added", user="U1", reaction="+1::skin-tone-3", channel="C1", ts=TS, item_user="U2"
    )
    got = inbound(from_event_callback(envelope(added), BOT))
    assert isinstance(got, ReactionAdded)
    assert got.emoji == "thumbsup" and got.author == UserRef(WS, "U2")
    assert got.message == MessageRef(ChannelRef(WS, "C1"), TS)
    removed = sign.reaction_event(
        "reaction_removed", user="U1", reaction="white_check_mark", channel="C1", ts=TS
    )
    assert isinstance(inbound(from_event_callback(envelope(removed), BOT)), ReactionRemoved)


def test_reactions_that_cannot_be_used() -> None:
    base = sign.reaction_event("reaction_added", user="U1", reaction="tada", channel="C1", ts=TS)
    for event in (
        {**base, "item": {"type": "file", "file": "F1"}},
        {**base, "user": "UBOT"},
        {**base, "reaction": ""},
        {**base, "item": {"type": "message", "channel": "", "ts": TS}},
        {**base, "item": None},
    ):
        assert isinstance(from_event_callback(envelope(event), BOT), Ignored), event


def test_app_home_opened() -> None:
    home = from_event_callback(envelope({"type": "app_home_opened", "user": "U1", "tab": "home"}))
    assert home == HomeOpened(UserRef(WS, "U1"))
    messages_tab = {"type": "app_home_opened", "user": "U1", "tab": "messages"}
    assert isinstance(from_event_callback(envelope(messages_tab)), Ignored)
    nobody = {"type": "app_home_opened", "user": "", "tab": "home"}
    assert isinstance(from_event_callback(envelope(nobody)), Ignored)


# ---------------------------------------------------------------------- commands


def test_a_slash_command() -> None:
    fields = sign.slash_command_fields(
        text=" start <@U2|bob> &amp; <@U3> ",
        user_id="U1",
        channel_id="C1",
        trigger_id="123.456.abc",
        response_url="https://hooks.slack.com/commands/T/1/x",
    )
    outcome = from_slash_command(fields)
    assert isinstance(outcome, Inbound)
    assert outcome.event == CommandInvoked(
        key="slack:command:123.456.abc",
        user=UserRef(WS, "U1"),
        channel=ChannelRef(WS, "C1"),
        text="start <@U2> & <@U3>",
    )
    assert outcome.response_url == "https://hooks.slack.com/commands/T/1/x"


@pytest.mark.parametrize("field", ["team_id", "user_id", "channel_id", "trigger_id"])
def test_a_slash_command_missing_an_id_is_ignored(field: str) -> None:
    fields = sign.slash_command_fields(text="help", user_id="U1", channel_id="C1")
    fields[field] = ""
    outcome = from_slash_command(fields)
    assert isinstance(outcome, Ignored) and field in outcome.reason


def test_a_bad_response_url_is_not_remembered() -> None:
    fields = sign.slash_command_fields(
        text="help", user_id="U1", channel_id="C1", response_url="javascript:alert(1)"
    )
    outcome = from_slash_command(fields)
    assert isinstance(outcome, Inbound) and outcome.response_url is None


# ---------------------------------------------------------------------- buttons


def test_a_button_click() -> None:
    payload = sign.block_actions_payload(
        user_id="U1",
        channel_id="C1",
        action_id="round:rate#3",
        value="7:4",
        message_ts=ROOT,
        trigger_id="9.9.z",
    )
    outcome = from_block_actions(payload)
    channel = ChannelRef(WS, "C1")
    assert isinstance(outcome, Inbound)
    assert outcome.event == ButtonPressed(
        key="slack:action:9.9.z",
        user=UserRef(WS, "U1"),
        channel=channel,
        action_id="round:rate",
        value="7:4",
        message=MessageRef(channel, ROOT),
    )


def test_a_click_without_trigger_id_is_keyed_by_message_and_action_ts() -> None:
    payload = sign.block_actions_payload(
        user_id="U1", channel_id="C1", action_id="round:next#0", value="7", message_ts=ROOT
    )
    payload["trigger_id"] = ""
    got = inbound(from_block_actions(payload))
    assert got.key == f"slack:action:{ROOT}:{payload['actions'][0]['action_ts']}"


def test_clicks_that_cannot_be_used() -> None:
    good = sign.block_actions_payload(
        user_id="U1", channel_id="C1", action_id="round:next#0", value="7", message_ts=ROOT
    )
    variants = [
        {**good, "actions": []},
        {**good, "actions": [{"type": "static_select", "action_id": "x"}]},
        {**good, "actions": [{**good["actions"][0], "action_id": ""}]},
        {**good, "user": {"id": ""}},
        {**good, "channel": None, "container": {"type": "view", "view_id": "V1"}},
        {**good, "type": "view_submission"},
        {**good, "team": None, "user": {"id": "U1"}},
    ]
    for payload in variants:
        assert isinstance(from_block_actions(payload), Ignored), payload

"""Replies survive the outbox: every kind round-trips through its JSON form."""

from __future__ import annotations

from bot.refs import ChannelRef, Platform, UserRef, WorkspaceRef
from bot.replies import (
    Button,
    Direct,
    Edit,
    Ephemeral,
    File,
    Mention,
    Post,
    Strong,
    reply_from_json,
    reply_to_json,
    text,
)

WS = WorkspaceRef(Platform.SLACK, "T1")
C = ChannelRef(WS, "C1")


def test_every_reply_kind_round_trips_through_json() -> None:
    u = UserRef(WS, "U1")
    replies = [
        Post(
            channel=C,
            text=text("a ", Mention(u), Strong("b")),
            buttons=(Button("x:y", "Go", "1", "primary"),),
            handle="h",
            thread_handle="t",
        ),
        Ephemeral(channel=C, user=u, text=text("private"), thread_handle="t"),
        Direct(user=u, text=text("dm"), handle="d"),
        Edit(handle="h", text=text("new"), buttons=()),
        File(channel=C, filename="f.csv", content=b"\x00\xff,\n", title="T", user=u),
    ]
    for reply in replies:
        assert reply_from_json(reply_to_json(reply)) == reply


def test_an_edit_serialised_under_its_former_name_still_reads() -> None:
    """Outbox rows written before `Update` became `Edit` carry `"type":"update"`."""
    old = '{"type":"update","handle":"h","text":[["p","new"],["m","slack:T1:U1"]],"buttons":[]}'
    assert reply_from_json(old) == Edit(handle="h", text=text("new", Mention(UserRef(WS, "U1"))))
    assert reply_to_json(reply_from_json(old)).startswith('{"type":"edit",')

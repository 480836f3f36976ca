"""Which workspace an outbox lane belongs to, and which events a departure stops."""

from __future__ import annotations

import pytest

from bot.departed import gated, lane_prefixes, lane_workspace
from bot.events import AppInstalled, AppRemoved, DirectMessage
from bot.refs import ChannelRef, MessageRef, UserRef, WorkspaceRef


@pytest.mark.parametrize(
    ("lane", "workspace"),
    [
        ("slack:T1:C1", "slack:T1"),
        ("eph:slack:T1:U2:C1", "slack:T1"),
        ("dm:slack:T1:U2", "slack:T1"),
        ("group:slack:T1:U1+slack:T1:U2", "slack:T1"),
        ("file:discord:42:7", "discord:42"),
        ("forgotten", None),
        ("", None),
    ],
)
def test_a_lane_names_its_workspace(lane: str, workspace: str | None) -> None:
    assert lane_workspace(lane) == workspace
    if workspace is not None:
        assert lane.startswith(lane_prefixes(workspace))


def test_a_lane_of_another_workspace_does_not_start_with_its_prefixes() -> None:
    assert not "dm:slack:T10:U2".startswith(lane_prefixes("slack:T1"))


def test_removal_and_installation_pass_the_gate_everything_else_is_stopped() -> None:
    ws = WorkspaceRef.from_key("slack:T1")
    bot = UserRef(ws, "UBOT")
    assert gated(AppRemoved(key="r", user=bot, reason="uninstalled")) is None
    assert gated(AppInstalled(key="i", user=bot)) is None
    channel = ChannelRef(ws, "D1")
    dm = DirectMessage(
        key="d",
        user=UserRef(ws, "U2"),
        channel=channel,
        message=MessageRef(channel, "1"),
        text="hi",
    )
    assert gated(dm) == "slack:T1"

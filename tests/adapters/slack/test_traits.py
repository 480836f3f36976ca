"""What the Slack adapter tells the core about Slack."""

from __future__ import annotations

from adapters.slack.traits import archive_link, slack_traits
from bot.config import SlackConfig
from bot.ports import UNREADABLE, Pacing
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef

CHANNEL = ChannelRef(WorkspaceRef(Platform.SLACK, "T1"), "C1")


def test_a_message_with_a_real_ts_gets_an_archive_link() -> None:
    link = archive_link(MessageRef(CHANNEL, "1767225600.000200"))
    assert link == "https://slack.com/archives/C1/p1767225600000200"


def test_a_message_without_a_ts_gets_no_link() -> None:
    assert archive_link(MessageRef(CHANNEL, "m1")) is None
    assert archive_link(MessageRef(CHANNEL, "1767225600")) is None


def test_pacing_is_the_configured_one_and_ids_are_per_workspace() -> None:
    traits = slack_traits(SlackConfig(channel_rate_per_second=0.5, channel_burst=2))
    assert traits.pacing == Pacing(0.5, 2)
    assert not traits.global_user_ids
    assert traits.unreadable == UNREADABLE


def test_a_reactor_is_told_where_slack_keeps_save_as_do() -> None:
    assert "Save as do" in slack_traits(SlackConfig()).save_as_do
    assert "⋯" in slack_traits(SlackConfig()).save_as_do

"""What the Discord adapter tells the core about Discord."""

from __future__ import annotations

from adapters.discord.traits import DISCORD_TRAITS
from bot.refs import ChannelRef, MessageRef, Platform, WorkspaceRef


def test_a_message_link_names_server_channel_and_message() -> None:
    message = MessageRef(ChannelRef(WorkspaceRef(Platform.DISCORD, "111"), "222"), "333")
    assert DISCORD_TRAITS.permalink(message) == "https://discord.com/channels/111/222/333"


def test_ids_are_global_and_pacing_is_left_to_discord_py() -> None:
    assert DISCORD_TRAITS.global_user_ids
    assert DISCORD_TRAITS.pacing is None


def test_withheld_text_is_explained_with_the_intent_to_turn_on() -> None:
    assert "Message Content Intent" in DISCORD_TRAITS.unreadable


def test_a_reactor_is_told_where_discord_keeps_save_as_do() -> None:
    assert "Apps → Save as do" in DISCORD_TRAITS.save_as_do

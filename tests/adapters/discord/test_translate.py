"""Discord payloads → core events: pure functions, checked against the core's own grammar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
import pytest
from discord import app_commands

from adapters.discord import translate as t
from adapters.discord.command_tree import AlsCommands
from bot.commands import grammar as g
from bot.commands import registry
from bot.commands import values as v
from bot.dates.recurrence import Recurrence
from bot.events import (
    ButtonPressed,
    DirectMessage,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    event_from_json,
    event_to_json,
)
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef

GUILD, CHANNEL, THREAD, USER = 111111111111111111, 222222222222222222, 333333333333333333, 444
WS = WorkspaceRef(Platform.DISCORD, str(GUILD))
IN_CHANNEL = t.Place(GUILD, CHANNEL)
IN_THREAD = t.Place(GUILD, THREAD, parent_id=CHANNEL)


def als(*path: str, **options: Any) -> dict[str, Any]:
    """An app command's `data` as Discord sends it for `/als <path…> option:value…`."""
    types = {bool: t.BOOLEAN, int: t.INTEGER, str: t.STRING}
    given = []
    for name, value in options.items():
        if isinstance(value, tuple):  # (type, value) for users and the like
            given.append({"name": name, "type": value[0], "value": value[1]})
        else:
            given.append({"name": name, "type": types[type(value)], "value": value})
    node: list[dict[str, Any]] = given
    for depth, name in enumerate(reversed(path)):
        kind = t.SUBCOMMAND if depth == 0 else t.GROUP
        node = [{"name": name, "type": kind, "options": node}]
    return {"id": "1", "name": "als", "type": 1, "options": node}


def parsed(data: dict[str, Any]) -> Any:
    said = t.command_text(data)
    assert said is not None
    return g.parse(said, now=datetime(2026, 1, 12, 10, tzinfo=UTC), tz=ZoneInfo("Europe/London"))


def test_typed_options_become_the_grammar_s_text() -> None:
    a, b = (t.USER, "555555555555555555"), (t.USER, "666666666666666666")
    assert t.command_text(als("start", presenter1=a, presenter2=b)) == (
        "start <@555555555555555555> <@666666666666666666>"
    )
    assert parsed(als("start", presenter1=a, presenter2=b)) == v.Start(
        presenters=("555555555555555555", "666666666666666666")
    )
    assert parsed(als("next")) == v.Next()
    assert parsed(als("facilitator", change="remove", person=a)) == v.FacilitatorChange(
        add=False, user="555555555555555555"
    )
    assert (
        t.command_text(als("action", "add", what="call Sam", due="friday"))
        == "action call Sam by friday"
    )
    assert parsed(als("action", "add", what="call Sam", due="friday")) == v.AddAction(
        "call Sam by friday"
    )
    assert parsed(als("action", "for", person=a, what="call Sam", due="friday")) == (
        v.AddActionFor("555555555555555555", "call Sam by friday")
    )
    assert parsed(als("action", "edit", number=12, what="call Sam")) == v.EditAction(12, "call Sam")
    assert parsed(als("action", "remove", number=12)) == v.RemoveAction(12)
    assert parsed(als("actions", person=a)) == v.ListActions(user="555555555555555555")
    assert parsed(als("update", what="It went  well\n")) == v.GiveUpdate(text="It went well")
    assert parsed(als("dos", "search", terms="listening", page=2)) == v.DosSearch("listening", 2)
    assert parsed(als("dos", "random")) == v.DosRandom()
    assert parsed(als("dos", "remove", number=12)) == v.DosRemove(12)
    assert parsed(als("dos", "export", format="csv")) == v.DosExport("csv")
    assert parsed(als("settings", key="do_emoji", value="✅")) == v.Settings("do_emoji", "✅")
    assert parsed(als("forget-me", confirm=True)) == v.ForgetMe(confirmed=True)
    assert parsed(als("forget-me", confirm=False)) == v.ForgetMe(confirmed=False)
    assert parsed(als("export-me")) == v.ExportMe()
    assert parsed(als("help", topic="schedule")) == v.Help(topic="schedule")
    schedule = parsed(als("schedule", when="thursday 10am", repeat="fortnightly"))
    assert isinstance(schedule, v.Schedule) and schedule.recurrence == Recurrence("weekly", 2)
    assert parsed(als("schedule", when="off")) == v.Schedule(clear=True)


def test_every_declared_subcommand_has_a_form_with_the_same_options() -> None:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    declared = AlsCommands().to_dict(tree)
    seen: dict[str, set[str]] = {}
    for option in declared["options"]:
        if option["type"] == t.GROUP:
            for sub in option["options"]:
                seen[f"{option['name']} {sub['name']}"] = {o["name"] for o in sub["options"]}
        else:
            seen[option["name"]] = {o["name"] for o in option["options"]}
    assert seen == {path: {name for name, _ in forms} for path, (_, forms) in t.FORMS.items()}
    assert len(declared["options"]) <= 25  # Discord's limit per level
    verbs = {words.split()[0] for words, _ in t.FORMS.values()}
    assert verbs == set(registry.BY_VERB)  # one subcommand (or group) per grammar verb


def test_where_a_command_was_used() -> None:
    event = t.command_event(9, USER, IN_THREAD, als("next"))
    assert event is not None
    assert event.key == "discord:interaction:9"
    assert event.channel == ChannelRef(WS, str(CHANNEL))
    assert event.thread == MessageRef(ChannelRef(WS, str(CHANNEL)), str(THREAD))
    assert event.user == UserRef(WS, str(USER))
    assert t.command_event(9, USER, t.Place(None, 5), als("next")) is None  # a DM
    assert t.command_event(9, USER, IN_CHANNEL, {"name": "other"}) is None
    assert t.command_text({"name": "als", "options": [{"name": "frobnicate", "type": 1}]}) == (
        "frobnicate"  # unknown: the grammar answers with its usual "did you mean"
    )


def test_the_invokers_admin_standing_rides_on_the_command() -> None:
    """Manage Channels or Administrator in the interaction's `member.permissions` make a
    server admin, who alone may name the facilitator of a set that has none (issue 14,
    point 6); anything else, or nothing said, is not one."""

    def standing(permissions: object) -> bool | None:
        event = t.command_event(9, USER, IN_CHANNEL, als("join"), permissions)  # type: ignore[arg-type]
        assert event is not None
        assert event_from_json(event_to_json(event)) == event  # stored in the inbox as such
        return event.invoker_is_admin

    assert standing(str(1 << 4)) is True  # MANAGE_CHANNELS, as the wire sends it
    assert standing(1 << 3) is True  # ADMINISTRATOR, as discord.py holds it
    assert standing(str((1 << 41) - 1 & ~(1 << 3) & ~(1 << 4))) is False  # everything else
    assert standing(0) is False
    for unknown in (None, "", "lots", "-8", True, "9" * 60):
        assert standing(unknown) is None, unknown


def test_buttons() -> None:
    event = t.button_event(7, USER, IN_CHANNEL, "als|round:rate|3:5", 99)
    assert isinstance(event, ButtonPressed)
    assert (event.action_id, event.value, event.key) == (
        "round:rate",
        "3:5",
        "discord:interaction:7",
    )
    assert event.message == MessageRef(ChannelRef(WS, str(CHANNEL)), "99")
    assert t.button_event(7, USER, IN_CHANNEL, "someone-elses-button", 99) is None


def test_a_button_in_a_dm_belongs_to_the_dm_s_server() -> None:
    """A nudge's [Done] or a match's [Let's talk] is pressed in a DM, which has no guild:
    the press is the DM's server's (as a DM's text is), and dropped only when none is known."""
    dm = t.Place(None, 555)
    event = t.button_event(8, USER, dm, "als|match:yes|12", 99, dm_workspace=str(GUILD))
    assert isinstance(event, ButtonPressed)
    assert event.user == UserRef(WS, str(USER)) and event.channel == ChannelRef(WS, "555")
    assert (event.action_id, event.value) == ("match:yes", "12")
    assert t.button_event(8, USER, dm, "als|match:yes|12", 99) is None


def test_messages() -> None:
    def message(place: t.Place, **kw: Any) -> Any:
        args = {"message_id": 5, "author_id": USER, "author_is_bot": False, "content": "hi"}
        return t.message_event(place=place, **{**args, **kw})

    in_thread = message(IN_THREAD)
    assert isinstance(in_thread, MessagePosted) and in_thread.key == "discord:message:5"
    assert in_thread.channel == ChannelRef(WS, str(CHANNEL))
    assert in_thread.thread == MessageRef(ChannelRef(WS, str(CHANNEL)), str(THREAD))
    assert in_thread.message == MessageRef(ChannelRef(WS, str(THREAD)), "5")
    assert message(IN_CHANNEL).thread is None
    assert message(IN_CHANNEL, author_is_bot=True) is None
    assert message(IN_CHANNEL, message_type=7) is None  # "X joined the server"
    assert message(IN_CHANNEL, message_type=19) is not None  # a reply is speech
    dm = message(t.Place(None, 77), dm_workspace=str(GUILD))
    assert isinstance(dm, DirectMessage) and dm.user == UserRef(WS, str(USER))
    assert message(t.Place(None, 77)) is None  # a DM from nowhere


def test_a_text_is_withheld_only_when_empty_without_the_intent() -> None:
    """Without the intent a server message's empty text is Discord's silence; a text that
    came through (the bot was mentioned) or any text with the intent is the person's."""

    def message(content: str, withheld: bool) -> Any:
        return t.message_event(
            message_id=5, author_id=USER, author_is_bot=False, content=content,
            place=IN_THREAD, withheld=withheld,
        )  # fmt: skip

    assert message("", True).withheld
    assert not message(f"<@{USER}> what have you tried?", True).withheld
    assert not message("", False).withheld  # with the intent: an image, a sticker
    assert not message("hi", False).withheld and not message("hi", False).via_form


@pytest.mark.parametrize(
    ("name", "custom", "code"),
    [
        ("✅", None, "white_check_mark"),
        ("👍", None, "thumbsup"),
        ("👍🏽", None, "thumbsup"),
        ("partyblob", 42, "custom:partyblob:42"),
        # A server's custom emoji named like ✅ is not ✅ (issue 14.14).
        ("white_check_mark", 43, "custom:white_check_mark:43"),
    ],
)
def test_reactions(name: str, custom: int | None, code: str) -> None:
    added = t.reaction_event(
        added=True, message_id=5, user_id=USER, emoji_name=name, emoji_id=custom,
        place=IN_THREAD, bot_id=1, message_author_id=8,
    )  # fmt: skip
    assert isinstance(added, ReactionAdded)
    assert added.key == f"discord:reaction:5:{code}:{USER}:add" and added.emoji == code
    assert added.author == UserRef(WS, "8") and added.message.channel.id == str(THREAD)
    assert added.variant == (name if custom is None else code)
    removed = t.reaction_event(
        added=False, message_id=5, user_id=USER, emoji_name=name, emoji_id=custom, place=IN_THREAD
    )
    assert isinstance(removed, ReactionRemoved)
    assert removed.key == f"discord:reaction:5:{code}:{USER}:remove"
    assert t.reaction_event(
        added=True, message_id=5, user_id=1, emoji_name=name, emoji_id=None, place=IN_CHANNEL,
        bot_id=1,
    ) is None  # fmt: skip


def test_a_burst_reaction_is_its_own_variant_with_its_own_key() -> None:
    def react(burst: bool, added: bool = True) -> Any:
        return t.reaction_event(
            added=added, message_id=5, user_id=USER, emoji_name="✅", emoji_id=None,
            place=IN_CHANNEL, occurrence="s:9", burst=burst,
        )  # fmt: skip

    normal, burst = react(False), react(True)
    assert (normal.variant, burst.variant) == ("✅", "✅|burst")
    assert normal.emoji == burst.emoji == "white_check_mark"
    assert burst.key == f"discord:reaction:5:white_check_mark:{USER}:add:burst:s:9"
    assert react(True, added=False).variant == "✅|burst"

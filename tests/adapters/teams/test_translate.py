"""Teams activities → the core's events, over every payload builder (each first parsed by
the Teams SDK's own activity model, so a builder cannot drift from what Teams sends)."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_teams.api.activities import ActivityTypeAdapter

from adapters.teams import ids
from adapters.teams.fields import KEY_ROOM, bot_ids, mentioned_people
from adapters.teams.reactions import emoji_name
from adapters.teams.translate import Resolved, translate
from bot.commands.words import mentions
from bot.config import Config
from bot.emoji_names import normalise_emoji
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
    MessageSaved,
    ReactionAdded,
    ReactionRemoved,
    event_from_json,
    event_to_json,
)
from bot.refs import ChannelRef, MessageRef
from testkit.teams import payloads as p

TENANT = "8a6d2a1c-5b7e-4e1f-9c3a-1f2e3d4c5b6a"
BOT = p.bot()
ANA = p.person("Ana Lopez")
BOB = p.person("Bob Smith")
CHANNEL = p.channel(TENANT, "Set A")
PRIVATE = p.channel(TENANT, "Set B", membership="private")
GROUP = p.group_chat(TENANT)
ANA_CHAT = p.personal_chat(TENANT)


def run(activity: dict[str, Any], people: dict[str, str] | None = None) -> list[Event]:
    ActivityTypeAdapter.validate_python(activity)  # a shape the SDK itself reads
    known = {BOB.teams_id: str(BOB.aad)} if people is None else people
    return translate(activity, Resolved(bot_ids(activity), known))


def one(activity: dict[str, Any], people: dict[str, str] | None = None) -> Event:
    events = run(activity, people)
    assert len(events) == 1, events
    # Each survives the inbox's serialisation.
    assert event_from_json(event_to_json(events[0])) == events[0]
    return events[0]


def at(member: p.Member) -> str:
    return f"<at>{member.name}</at>"


# ---------------------------------------------------------------------- commands


def test_a_channel_command_drops_the_bots_mention_and_links_a_resolved_person() -> None:
    activity = p.command(CHANNEL, ANA, f"start {at(BOB)}", to=BOT, people=(BOB,))
    event = one(activity)
    assert isinstance(event, CommandInvoked)
    assert event.text == f"start <@{BOB.aad}>"
    assert event.user == ids.person(TENANT, str(ANA.aad))
    assert event.channel == ids.channel(TENANT, CHANNEL.conversation)
    assert event.thread is None  # a new post is its own reply chain's root
    assert event.channel_private is False
    assert mentions(event.text).ids == [BOB.aad]


@pytest.mark.parametrize("prefix", ["als ", "/als ", "ALS "])
def test_an_als_word_after_the_mention_is_dropped(prefix: str) -> None:
    event = one(p.command(CHANNEL, ANA, f"{prefix}actions", to=BOT))
    assert isinstance(event, CommandInvoked) and event.text == "actions"


def test_slash_als_typed_in_a_channel_without_the_mention_is_a_command() -> None:
    root = p.activity_id()
    typed = one(p.message(CHANNEL, ANA, "/als next", to=BOT, root=root))
    assert isinstance(typed, CommandInvoked) and typed.text == "next"
    assert typed.thread == MessageRef(ids.channel(TENANT, CHANNEL.conversation), root)
    in_group = one(p.message(GROUP, ANA, "/als help", to=BOT))
    assert isinstance(in_group, CommandInvoked) and in_group.text == "help"
    # Words that merely begin with "als", or mention /als later, are a message.
    for words in ("als is a good way to learn", "try /als help", "/alsbot"):
        said = one(p.message(CHANNEL, ANA, words, to=BOT, root=root))
        assert isinstance(said, MessagePosted), words


def test_a_command_in_a_reply_chain_names_its_root() -> None:
    root = p.activity_id()
    event = one(p.command(CHANNEL, ANA, "next", to=BOT, root=root))
    assert isinstance(event, CommandInvoked)
    assert event.thread == MessageRef(ids.channel(TENANT, CHANNEL.conversation), root)


def test_privacy_comes_from_the_channels_membership_or_the_chat() -> None:
    assert one(p.command(PRIVATE, ANA, "start", to=BOT)).channel_private is True  # type: ignore[attr-defined]
    shared = p.channel(TENANT, membership="shared")
    assert one(p.command(shared, ANA, "start", to=BOT)).channel_private is True  # type: ignore[attr-defined]
    unsaid = p.channel(TENANT, membership=None)
    assert one(p.command(unsaid, ANA, "start", to=BOT)).channel_private is None  # type: ignore[attr-defined]
    group = one(p.command(GROUP, ANA, "start", to=BOT))
    assert isinstance(group, CommandInvoked) and group.channel_private is True
    assert group.channel == ids.channel(TENANT, GROUP.conversation) and group.thread is None


def test_a_personal_chat_command_and_a_direct_message() -> None:
    command = one(p.command(ANA_CHAT, ANA, "help", to=BOT))
    assert isinstance(command, CommandInvoked) and command.text == "help"
    assert command.channel == ids.channel(TENANT, ANA_CHAT.conversation)
    slashed = one(p.message(ANA_CHAT, ANA, "/als dos", to=BOT))
    assert isinstance(slashed, CommandInvoked) and slashed.text == "dos"
    mentioned = one(p.message(ANA_CHAT, ANA, f"{at(BOT)} help", to=BOT, mentions=(BOT,)))
    assert isinstance(mentioned, CommandInvoked) and mentioned.text == "help"
    said = one(p.message(ANA_CHAT, ANA, "Done: rang the council", to=BOT))
    assert isinstance(said, DirectMessage)
    assert said.text == "Done: rang the council"
    assert said.message.id == said.key.rsplit(":", 1)[1]
    also = one(p.message(ANA_CHAT, ANA, "alsatian photos", to=BOT))
    assert isinstance(also, DirectMessage)  # `als` is a word, not a prefix


@pytest.mark.parametrize("word", ["help", "Actions", " dos ", "export-me"])
def test_one_command_word_in_the_1to1_chat_is_that_command(word: str) -> None:
    """What the app's command menu inserts in the 1:1 chat is the bare word."""
    event = one(p.message(ANA_CHAT, ANA, word, to=BOT))
    assert isinstance(event, CommandInvoked) and event.text.strip().lower() == word.strip().lower()


@pytest.mark.parametrize("words", ["update I called the funder", "Update: done", "help me"])
def test_a_command_word_with_more_words_in_the_1to1_chat_stays_private(words: str) -> None:
    """Someone answering a nudge in their own words gets the private preview, never a
    shared update: only `als update …` is the command."""
    assert isinstance(one(p.message(ANA_CHAT, ANA, words, to=BOT)), DirectMessage)


# ---------------------------------------------------------------------- mentions


def test_an_at_with_no_entity_is_a_name_typed_not_a_person() -> None:
    # Bob's mention entity is missing: the <at> is only text Teams did not resolve.
    activity = p.message(
        CHANNEL,
        ANA,
        f"{at(BOT)} start {at(BOB)}",
        to=BOT,
        mentions=(BOT, BOB),
        entities=[p.mention(BOT)],
    )
    event = one(activity)
    assert isinstance(event, CommandInvoked)
    assert event.text == "start @Bob Smith"
    read = mentions(event.text)
    assert read.ids == [] and read.unlinked == ["@Bob"]


def test_an_unresolvable_person_is_left_unlinked() -> None:
    event = one(p.command(CHANNEL, ANA, f"start {at(BOB)}", to=BOT, people=(BOB,)), people={})
    assert isinstance(event, CommandInvoked)
    assert mentions(event.text).ids == [] and mentions(event.text).unlinked


@pytest.mark.parametrize(
    "typed",
    [
        "start &lt;@U123&gt;",
        "start <@U123>",
        "start &lt;@{aad}&gt;",
        "start @channel",
        "start <at>Bob Smith</at>",
        "start &lt;at&gt;Bob Smith&lt;/at&gt;",
        "start <<@@{aad}>>",
    ],
)
def test_typed_markup_never_becomes_a_person(typed: str) -> None:
    text = typed.format(aad=BOB.aad)
    activity = p.message(CHANNEL, ANA, f"{at(BOT)} {text}", to=BOT, mentions=(BOT,))
    event = one(activity)
    assert isinstance(event, CommandInvoked)
    assert mentions(event.text).ids == [], event.text
    assert "<@" not in event.text


def test_a_mention_of_a_channel_or_tag_is_only_its_name() -> None:
    tag = p.Member("19:abc@thread.tacv2", "Set A")
    activity = p.message(CHANNEL, ANA, f"{at(BOT)} start {at(tag)}", to=BOT, mentions=(BOT, tag))
    event = one(activity)
    assert isinstance(event, CommandInvoked) and event.text == "start @Set A"
    assert mentioned_people(activity, bot_ids(activity)) == []


def test_the_people_to_resolve_are_the_mentioned_not_the_bot() -> None:
    activity = p.command(CHANNEL, ANA, f"start {at(BOB)} {at(BOB)}", to=BOT, people=(BOB, BOB))
    assert mentioned_people(activity, bot_ids(activity)) == [BOB.teams_id]
    event = one(activity)
    assert isinstance(event, CommandInvoked)
    assert mentions(event.text).ids == [BOB.aad, BOB.aad]


def test_html_only_text_is_read_from_the_attachment() -> None:
    activity = p.command(CHANNEL, ANA, f"action call {at(BOB)} &amp; write", to=BOT, people=(BOB,))
    activity["text"] = ""
    event = one(activity)
    assert isinstance(event, CommandInvoked)
    assert event.text == f"action call <@{BOB.aad}> & write"


# ---------------------------------------------------------------------- messages


def test_a_channel_message_without_the_bot_is_posted_in_its_reply_chain() -> None:
    root = p.activity_id()
    activity = p.message(
        CHANNEL,
        ANA,
        f"Have you asked {at(BOB)}?<br>Or &quot;them&quot;?",
        to=BOT,
        mentions=(BOB,),
        root=root,
    )
    event = one(activity)
    assert isinstance(event, MessagePosted)
    assert event.text == f'Have you asked <@{BOB.aad}>?\nOr "them"?'
    channel = ids.channel(TENANT, CHANNEL.conversation)
    assert event.thread == MessageRef(channel, root)
    assert event.message == MessageRef(channel, activity["id"])


def test_the_bot_mentioned_later_in_a_message_is_not_a_command() -> None:
    activity = p.message(CHANNEL, ANA, f"thanks {at(BOT)}", to=BOT, mentions=(BOT,))
    event = one(activity)
    assert isinstance(event, MessagePosted) and event.text == "thanks @alsbot"


def test_a_group_chat_message_is_posted_without_a_thread() -> None:
    event = one(p.message(GROUP, ANA, "what would help?", to=BOT))
    assert isinstance(event, MessagePosted) and event.thread is None


def test_the_bots_own_and_anonymous_activities_make_nothing() -> None:
    own = p.message(CHANNEL, BOT, "hello", to=BOT)
    assert run(own) == []
    guest = p.Member(p.teams_id(), "Guest", None)
    assert run(p.message(CHANNEL, guest, f"{at(BOT)} start", to=BOT, mentions=(BOT,))) == []
    assert run(p.reaction(CHANNEL, guest, "1", to=BOT)) == []


# ---------------------------------------------------------------------- cards


def test_a_card_button_is_pressed_on_the_card() -> None:
    card = p.activity_id()
    event = one(p.button(CHANNEL, ANA, "round:next", "42", to=BOT, card=card))
    assert isinstance(event, ButtonPressed)
    assert (event.action_id, event.value) == ("round:next", "42")
    channel = ids.channel(TENANT, CHANNEL.conversation)
    assert event.channel == channel and event.message == MessageRef(channel, card)
    in_chat = one(p.button(ANA_CHAT, ANA, "nudge:done", "7", to=BOT, card="1"))
    assert isinstance(in_chat, ButtonPressed)
    assert in_chat.channel == ids.channel(TENANT, ANA_CHAT.conversation)


def test_a_form_card_becomes_the_command_its_answers_make() -> None:
    data = {"als_form": "als_form:offer add", "text": "help with grants", "tags": "funding"}
    event = one(p.submit(ANA_CHAT, ANA, data, to=BOT, card="1"))
    assert isinstance(event, CommandInvoked)
    assert event.text == "offer help with grants #funding"
    empty = {"als_form": "als_form:offer add", "text": "  "}
    assert run(p.submit(ANA_CHAT, ANA, empty, to=BOT, card="1")) == []
    unknown = {"als_form": "als_form:nothing", "text": "x"}
    assert run(p.submit(ANA_CHAT, ANA, unknown, to=BOT, card="1")) == []
    forged = {"als_form": "als_form:offer add", "text": f"with <@{BOB.aad}>"}
    made = one(p.submit(ANA_CHAT, ANA, forged, to=BOT, card="1"))
    assert isinstance(made, CommandInvoked) and mentions(made.text).ids == []


def test_a_form_answered_in_the_1to1_chat_is_the_command_of_the_channel_it_was_asked_in() -> None:
    asked_in = ids.channel(TENANT, CHANNEL.conversation)
    data = {"als_form": "als_form:offer add", "text": "grants", "als_channel": asked_in.key}
    event = one(p.submit(ANA_CHAT, ANA, data, to=BOT, card="1"))
    assert isinstance(event, CommandInvoked) and event.channel == asked_in
    # Another tenant's channel, or a key that is no channel, is not taken from the card.
    elsewhere = ChannelRef(ids.workspace("00000000-0000-0000-0000-00000000beef"), "x")
    for named in (elsewhere.key, "nonsense", ""):
        other = one(p.submit(ANA_CHAT, ANA, {**data, "als_channel": named}, to=BOT, card="1"))
        assert isinstance(other, CommandInvoked)
        assert other.channel == ids.channel(TENANT, ANA_CHAT.conversation)


# ---------------------------------------------------------------------- reactions


def test_reactions_on_the_bots_message() -> None:
    target = p.activity_id()
    added = one(p.reaction(CHANNEL, ANA, target, to=BOT, added=("like",)))
    assert isinstance(added, ReactionAdded)
    channel = ids.channel(TENANT, CHANNEL.conversation)
    assert added.message == MessageRef(channel, target) and added.emoji == "thumbsup"
    assert added.user == ids.person(TENANT, str(ANA.aad))
    removed = one(p.reaction(CHANNEL, ANA, target, to=BOT, added=(), removed=("heart",)))
    assert isinstance(removed, ReactionRemoved) and removed.emoji == "heart"
    root = p.activity_id()
    in_chain = one(p.reaction(CHANNEL, ANA, target, to=BOT, root=root))
    assert isinstance(in_chain, ReactionAdded) and in_chain.thread == MessageRef(channel, root)


def test_a_changed_reaction_is_two_events_with_their_own_keys() -> None:
    both = run(p.reaction(CHANNEL, ANA, "1", to=BOT, added=("heart",), removed=("like",)))
    assert [type(e) for e in both] == [ReactionRemoved, ReactionAdded]
    assert len({e.key for e in both}) == 2


def test_a_reaction_without_an_id_is_keyed_by_its_message_reactor_and_time() -> None:
    # The SDK's model requires an id (Teams sends one); this is only the fallback.
    activity = p.reaction(CHANNEL, ANA, "1", to=BOT)
    del activity["id"]
    resolved = Resolved(bot_ids(activity))
    [first] = translate(activity, resolved)
    assert [e.key for e in translate(dict(activity), resolved)] == [first.key]
    later = {**activity, "timestamp": "2026-12-05T09:00:00.000Z"}
    assert [e.key for e in translate(later, resolved)] != [first.key]


def test_the_default_do_emoji_is_reachable() -> None:
    default = normalise_emoji(Config().defaults.do_emoji)
    assert emoji_name("2705_whiteheavycheckmark") == default
    event = one(p.reaction(CHANNEL, ANA, "1", to=BOT, added=("2705_whiteheavycheckmark",)))
    assert isinstance(event, ReactionAdded) and event.emoji == default


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("like", "thumbsup"),
        ("heart", "heart"),
        ("laugh", "laughing"),
        ("surprised", "open_mouth"),
        ("sad", "cry"),
        ("angry", "angry"),
        ("1f440_eyes", "eyes"),
        ("1f44d-1f3fd_thumbsup", "thumbsup"),
        ("✅", "white_check_mark"),
        ("", ""),
    ],
)
def test_teams_reaction_names(raw: str, name: str) -> None:
    assert emoji_name(raw) == name


# ---------------------------------------------------------------------- save as do


def test_save_as_do_carries_the_message() -> None:
    said = p.message_payload(
        "1611060744833",
        '<div><div><at id="0">Bob Smith</at> will ring the council &amp; report back</div></div>',
        BOB,
        mentions=(BOB,),
    )
    event = one(p.save_as_do(CHANNEL, ANA, said, to=BOT))
    assert isinstance(event, MessageSaved)
    channel = ids.channel(TENANT, CHANNEL.conversation)
    assert event.message == MessageRef(channel, "1611060744833")
    assert event.text == f"<@{BOB.aad}> will ring the council & report back"
    assert event.author == ids.person(TENANT, str(BOB.aad))
    assert event.user == ids.person(TENANT, str(ANA.aad))
    assert event.thread is None  # the root of its own chain


def test_save_as_do_on_a_reply_and_on_a_bots_message() -> None:
    root = p.activity_id()
    reply = p.message_payload("1700000009999", "<p>I will write it up</p>", ANA, reply_to=root)
    event = one(p.save_as_do(CHANNEL, BOB, reply, to=BOT, fetch=False))
    assert isinstance(event, MessageSaved)
    assert event.thread == MessageRef(ids.channel(TENANT, CHANNEL.conversation), root)
    by_bot = one(p.save_as_do(GROUP, ANA, p.message_payload("5", "<p>hi</p>", None), to=BOT))
    assert isinstance(by_bot, MessageSaved) and by_bot.author is None
    other = p.save_as_do(CHANNEL, ANA, reply, to=BOT, command_id="somethingElse")
    assert run(other) == []


# ---------------------------------------------------------------------- nothing, keys


def test_events_that_are_only_references_make_nothing() -> None:
    for activity in (
        p.bot_added_to_team(CHANNEL, ANA, to=BOT, added=(BOB,)),
        p.members_added(CHANNEL, ANA, to=BOT, added=(BOB,)),
        p.channel_created(CHANNEL, ANA, to=BOT),
        p.installation_update(ANA_CHAT, ANA, to=BOT),
        p.installation_update(CHANNEL, ANA, to=BOT, action="remove"),
        p.typing(CHANNEL, ANA, to=BOT),
    ):
        assert run(activity) == []


def test_the_same_activity_twice_has_one_key_and_long_ones_are_hashed() -> None:
    activity = p.command(CHANNEL, ANA, "help", to=BOT)
    assert one(activity).key == one(dict(activity)).key
    other = p.command(CHANNEL, ANA, "help", to=BOT)
    assert one(other).key != one(activity).key
    long_place = p.Place(TENANT, "19:" + "x" * 240 + "@thread.v2", kind="groupChat")
    event = one(p.command(long_place, ANA, "help", to=BOT))
    assert len(event.key) <= KEY_ROOM and event.key.startswith("teams:h-")
    assert one(p.command(long_place, ANA, "help", to=BOT, ident="1")).key != event.key
    # Longer than any Teams id, the channel's key would not fit the core's columns.
    too_long = p.Place(TENANT, "19:" + "x" * 400 + "@thread.v2", kind="groupChat")
    assert translate(p.command(too_long, ANA, "help", to=BOT), Resolved()) == []


def test_a_tenant_id_that_is_not_a_guid_makes_no_event() -> None:
    """Entra tenant ids are GUIDs; anything else (5,000 characters of it, say) would make
    keys no column holds."""
    for tenant in ("not-a-guid", "T" * 5000, ""):
        activity = p.command(
            p.Place(tenant, "19:abc@thread.v2", kind="groupChat"), ANA, "help", to=BOT
        )
        assert translate(activity, Resolved()) == [], tenant
    upper = p.command(
        p.Place(TENANT.upper(), "19:abc@thread.v2", kind="groupChat"), ANA, "help", to=BOT
    )
    assert one(upper).user.workspace.id == TENANT.lower()


def test_an_id_with_a_control_character_is_no_id() -> None:
    """No Teams id holds one, and PostgreSQL refuses U+0000: the listener's references and
    lookups would fail (a 500, retried for ever) on such an id."""
    place = p.Place(TENANT, "19:a\x00b@thread.v2", kind="groupChat")
    assert translate(p.command(place, ANA, "help", to=BOT), Resolved()) == []
    bob = p.Member("29:\x00bob", "Bob", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    activity = p.command(p.group_chat(TENANT), ANA, "start <at>Bob</at>", to=BOT, people=(bob,))
    assert mentioned_people(activity, bot_ids(activity)) == []

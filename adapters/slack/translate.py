"""Slack payloads → core events.  Pure: a Bolt body dict in, an `Inbound` or `Ignored` out.

Slack payloads are untrusted input (the java-slack-sdk corpus in the fixtures has every
field blanked), so each function checks every field it uses and names the reason when it
gives up, instead of letting a `KeyError` become a 500 that Slack would retry forever.  An
id that is missing, empty, of the wrong type or not shaped like a Slack id never becomes a
reference: the core must never post on the strength of an empty id.

Idempotency keys are the ones Slack repeats on a retry: `event_id` for events; for
interactions, which Slack does not retry, `trigger_id` (or the message ts + `action_ts`).

Every ref is filed under the *installation* (the workspace alsbot is installed in), never
under the team a payload says the person belongs to.  In a Slack Connect channel the
envelope's `team_id` is often the other organisation's, and the person's own team is
missing (reactions), an enterprise id (`user_team` of a Grid member) or ambiguous (slash
commands); Slack user ids are unique across Slack, so the installation plus the id names
one person whichever payload they arrive in.  See docs/SLACK.md, "Slack Connect".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.forms import asked_by, command_text, missing, spec_for
from bot.commands.spec import CommandSpec
from bot.emoji_names import normalise_emoji
from bot.events import (
    AppRemoved,
    ButtonPressed,
    CommandInvoked,
    DirectMessage,
    Event,
    MessagePosted,
    MessageSaved,
    ReactionAdded,
    ReactionRemoved,
)
from bot.refs import ChannelRef, MessageRef, Platform, UserRef, WorkspaceRef

# Slack ids are upper-case alphanumerics (T…, U…/W…, C…/G…/D…).  Refusing anything else
# also keeps ':' out of the ref keys the core parses.
ID = re.compile(r"^[A-Z0-9]{2,40}$")
TS = re.compile(r"^[0-9]{1,12}\.[0-9]{1,9}$")
TOKENISH = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
# Message subtypes that are a person saying something; every other subtype is a join,
# an edit, a deletion, a bot or a channel notice, and is not a message to act on.
USER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
SUFFIX = re.compile(r"#[0-9]{1,3}$")
MAX_TEXT = 40_000


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is in its workspace (from `auth.test`), to ignore its own events."""

    team_id: str
    user_id: str
    bot_id: str


@dataclass(frozen=True, slots=True)
class Inbound:
    """A core event, plus the `response_url` Slack gave for answering it privately."""

    event: Event
    response_url: str | None = None


@dataclass(frozen=True, slots=True)
class HomeOpened:
    """`app_home_opened` on the Home tab: the adapter publishes the view itself."""

    user: UserRef


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


@dataclass(frozen=True, slots=True)
class Declined:
    """Not for alsbot, and the person should know why: answered privately, nothing kept."""

    answer: str


@dataclass(frozen=True, slots=True)
class OpenForm:
    """`/als offer` with no words: the adapter opens the command's form (a modal) with the
    command's `trigger_id`, which Slack lets it use for 3 s. Nothing is recorded: the
    command is what the form's submission makes (`from_view_submission`)."""

    spec: CommandSpec
    trigger_id: str
    user: UserRef
    channel: ChannelRef


@dataclass(frozen=True, slots=True)
class FormErrors:
    """A form sent back with required fields empty: shown beside each field, nothing kept."""

    errors: dict[str, str]


Outcome = Inbound | HomeOpened | Ignored | Declined | OpenForm | FormErrors
FILL_IN = "Please fill this in."
GROUP_DM = (
    "alsbot doesn't work in group DMs: Slack doesn't let apps into them, so nothing posted "
    "here would reach the group. Make a private channel for your set, `/invite` me there "
    "and use `/als` in it — or DM me."
)


# ---------------------------------------------------------------------- field helpers


class _Bad(Exception):
    """A payload field is unusable; the message says which and why."""


def _dict(body: Any, key: str) -> Mapping[str, Any]:
    value = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(value, Mapping):
        raise _Bad(f"{key} is missing or not an object")
    return value


def _maybe_dict(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _str(body: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise _Bad(f"{key} is missing or empty")
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{key} is not a string")
    return value


def _id(body: Mapping[str, Any], key: str) -> str:
    return _id_value(body.get(key), key)


def _id_value(value: Any, name: str) -> str:
    if value is None or value == "":
        raise _Bad(f"{name} is missing or empty")
    if not isinstance(value, str):
        raise _Bad(f"{name} is not a string")
    if not ID.match(value):
        raise _Bad(f"{name} {value[:40]!r} is not a Slack id")
    return value


def _ts(body: Mapping[str, Any], key: str) -> str:
    value = _str(body, key)
    if not TS.match(value) or int(value.split(".")[0]) == 0:
        raise _Bad(f"{key} {value[:40]!r} is not a message timestamp")
    return value


def _optional_ts(body: Mapping[str, Any], key: str) -> str | None:
    return _ts(body, key) if body.get(key) not in (None, "") else None


def _key_part(body: Mapping[str, Any], key: str) -> str:
    value = _str(body, key)
    if not TOKENISH.match(value):
        raise _Bad(f"{key} is not usable as an idempotency key")
    return value


def _team(team_id: str) -> WorkspaceRef:
    return WorkspaceRef(Platform.SLACK, team_id)


def _installation(body: Mapping[str, Any], bot: BotIdentity | None, *fallback: Any) -> WorkspaceRef:
    """The workspace alsbot is installed in, which owns every channel it hears from.

    `authorizations[0].team_id` names it on Events API envelopes (the envelope `team_id`
    and `context_team_id` follow the person in a shared channel).  Commands and actions
    carry no `authorizations`, and a command's `team_id` may be the invoker's, so the
    bot's own `auth.test` team decides; `fallback` (the payload's `team_id` / `team.id`)
    serves only where the identity is not known, as in the payload corpus.
    """
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations:
        first = authorizations[0]
        team_id = first.get("team_id") if isinstance(first, Mapping) else None
        if isinstance(team_id, str) and ID.match(team_id):
            return _team(team_id)
    if bot is not None:
        return _team(bot.team_id)
    for value in fallback:
        if value not in (None, ""):
            return _team(_id_value(value, "team_id"))
    raise _Bad("team_id is missing or empty")


# ---------------------------------------------------------------------- text


_ANGLE = re.compile(r"<([^<>\n]{1,500})>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def core_text(raw: str) -> str:
    """Slack's wire text → the core's: `<@U1|ana>` → `<@U1>`, everything else readable.

    Slack escapes `&`, `<` and `>` typed by people and uses real angle brackets only for
    its own markup, so entities are decoded outside markup only.  Channel, group and link
    markup becomes plain words (`@here`, `#general`), which can never fire again because
    the renderer escapes whatever the core echoes.
    """
    out: list[str] = []
    last = 0
    for match in _ANGLE.finditer(raw):
        out.append(unescape(raw[last : match.start()]))
        out.append(_markup(match.group(1)))
        last = match.end()
    out.append(unescape(raw[last:]))
    return "".join(out)[:MAX_TEXT]


def unescape(raw: str) -> str:
    """Slack escapes exactly these three; decoding more would alter what people typed."""
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _markup(inner: str) -> str:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        user = target[1:]
        return f"<@{user}>" if ID.match(user) else label or "@someone"
    if target.startswith("#"):
        return f"#{label}" if label else "#" + target[1:]
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        if word in _SPECIAL:
            return _SPECIAL[word]
        if word == "subteam":
            return label or "@group"
        return label or word
    return label or unescape(target)


def decode_action_id(rendered: str) -> str:
    """Undo the renderer's `#n` suffix (Slack wants action_ids unique within a block)."""
    return SUFFIX.sub("", rendered)


# ---------------------------------------------------------------------- events API


def from_event_callback(body: Any, bot: BotIdentity | None = None) -> Outcome:
    """An Events API envelope (`{"type": "event_callback", "event": {…}}`)."""
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        event = _dict(body, "event")
        kind = _str(event, "type")
        event_id = _key_part(body, "event_id")
        team = _installation(body, bot, body.get("team_id"))
        key = f"slack:event:{event_id}"
        if kind == "message":
            return _message(key, team, event, bot)
        if kind in ("reaction_added", "reaction_removed"):
            return _reaction(key, team, event, bot, added=kind == "reaction_added")
        if kind == "app_home_opened":
            if event.get("tab") not in ("home", None):
                return Ignored(f"app_home_opened on the {str(event.get('tab'))[:20]!r} tab")
            return HomeOpened(UserRef(team, _id(event, "user")))
        if kind in ("app_uninstalled", "tokens_revoked"):
            return from_app_removed(body, bot)
        return Ignored(f"event type {kind[:60]!r} is not one alsbot uses")
    except _Bad as bad:
        return Ignored(f"malformed event: {bad}")


def from_app_removed(body: Any, bot: BotIdentity | None = None) -> Inbound | Ignored:
    """`app_uninstalled`, or `tokens_revoked` naming a bot token: the app is gone from the
    workspace (`AppRemoved`).  A revocation of people's tokens alone changes nothing for
    alsbot, which acts with its bot token only.  The event names no person: `user` is the
    bot's own user there (from `authorizations`, else the bot's identity), or "app"."""
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        event = _dict(body, "event")
        kind = _str(event, "type")
        key = f"slack:event:{_key_part(body, 'event_id')}"
        team = _installation(body, bot, body.get("team_id"))
        if kind == "tokens_revoked":
            bots = _maybe_dict(event, "tokens").get("bot")
            if not (isinstance(bots, list) and any(bots)):
                return Ignored("tokens_revoked for people's tokens only, not the bot's")
            reason = "tokens_revoked"
        elif kind == "app_uninstalled":
            reason = "uninstalled"
        else:
            return Ignored(f"event type {kind[:60]!r} is not the app's removal")
        return Inbound(
            AppRemoved(key=key, user=UserRef(team, _bot_user(body, bot, team)), reason=reason)
        )
    except _Bad as bad:
        return Ignored(f"malformed event: {bad}")


def _bot_user(body: Mapping[str, Any], bot: BotIdentity | None, team: WorkspaceRef) -> str:
    authorizations = body.get("authorizations")
    if isinstance(authorizations, list) and authorizations:
        first = authorizations[0]
        user = first.get("user_id") if isinstance(first, Mapping) else None
        if isinstance(user, str) and ID.match(user):
            return user
    if bot is not None and bot.team_id == team.id:
        return bot.user_id
    return "app"


def _message(
    key: str, team: WorkspaceRef, event: Mapping[str, Any], bot: BotIdentity | None
) -> Outcome:
    subtype = event.get("subtype")
    if subtype not in USER_SUBTYPES:
        return Ignored(f"message subtype {str(subtype)[:40]!r} is not a person speaking")
    if event.get("bot_id") or event.get("hidden"):
        return Ignored("a bot's message")
    user_id = _id(event, "user")
    if bot is not None and user_id == bot.user_id:
        return Ignored("the bot's own message")
    channel = ChannelRef(team, _id(event, "channel"))
    ts = _ts(event, "ts")
    message = MessageRef(channel, ts)
    raw_text = event.get("text", "")
    text = core_text(raw_text) if isinstance(raw_text, str) else ""
    user = UserRef(team, user_id)
    if event.get("channel_type") == "im" or channel.id.startswith("D"):
        return Inbound(
            DirectMessage(key=key, user=user, channel=channel, message=message, text=text)
        )
    thread_ts = _optional_ts(event, "thread_ts")
    thread = MessageRef(channel, thread_ts) if thread_ts and thread_ts != ts else None
    return Inbound(
        MessagePosted(
            key=key, user=user, channel=channel, message=message, text=text, thread=thread
        )
    )


def _reaction(
    key: str,
    team: WorkspaceRef,
    event: Mapping[str, Any],
    bot: BotIdentity | None,
    *,
    added: bool,
) -> Outcome:
    item = _dict(event, "item")
    if item.get("type") != "message":
        return Ignored(f"reaction on a {str(item.get('type'))[:20]!r}, not a message")
    user_id = _id(event, "user")
    if bot is not None and user_id == bot.user_id:
        return Ignored("the bot's own reaction")
    raw = _str(event, "reaction")  # `thumbsup::skin-tone-2`: its variant
    emoji = normalise_emoji(raw)
    if not emoji:
        return Ignored("unreadable reaction name")
    user = UserRef(team, user_id)
    message = MessageRef(ChannelRef(team, _id(item, "channel")), _ts(item, "ts"))
    if not added:
        return Inbound(
            ReactionRemoved(key=key, user=user, message=message, emoji=emoji, variant=raw)
        )
    author_id = event.get("item_user")
    author = (
        UserRef(team, author_id) if isinstance(author_id, str) and ID.match(author_id) else None
    )
    return Inbound(
        ReactionAdded(key=key, user=user, message=message, emoji=emoji, author=author, variant=raw)
    )


# ---------------------------------------------------------------------- slash commands


def from_slash_command(body: Any, bot: BotIdentity | None = None) -> Outcome:
    """A slash command's form fields (Bolt has parsed the form into a dict)."""
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        team = _installation(body, bot, body.get("team_id"))
        user = UserRef(team, _id(body, "user_id"))
        channel = ChannelRef(team, _id(body, "channel_id"))
        if str(body.get("channel_name") or "").startswith("mpdm-"):  # Slack's name for one
            return Declined(GROUP_DM)
        trigger_id = _key_part(body, "trigger_id")
        key = f"slack:command:{trigger_id}"
        raw_text = body.get("text") or ""
        if not isinstance(raw_text, str):
            raise _Bad("text is not a string")
        form = asked_by(core_text(raw_text))
        if form is not None:
            return OpenForm(form, trigger_id, user, channel)
        event = CommandInvoked(
            key=key, user=user, channel=channel, text=core_text(raw_text).strip()
        )
        return Inbound(event, _response_url(body))
    except _Bad as bad:
        return Ignored(f"malformed slash command: {bad}")


def _response_url(body: Mapping[str, Any]) -> str | None:
    url = body.get("response_url")
    if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) < 2000:
        return url
    return None


# ---------------------------------------------------------------------- forms


def from_view_submission(body: Any, bot: BotIdentity | None = None) -> Outcome:
    """A form's modal sent back: its answers become the command's text, as if typed.

    The key is the view's id and its hash (each state of a view has its own hash), which
    Slack repeats if it sends the same submission again; the channel is the one the
    command was typed in, carried in `private_metadata` by `render.form_view`.
    """
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        if body.get("type") != "view_submission":
            raise _Bad("type is not view_submission")
        view = _dict(body, "view")
        spec = spec_for(str(view.get("callback_id") or ""))
        if spec is None:
            return Ignored(f"view {str(view.get('callback_id'))[:40]!r} is not an alsbot form")
        user_part = _dict(body, "user")
        team = _installation(
            body, bot, _maybe_dict(body, "team").get("id"), user_part.get("team_id")
        )
        user = UserRef(team, _id(user_part, "id"))
        try:
            metadata = json.loads(_str(view, "private_metadata"))
        except ValueError:
            raise _Bad("private_metadata is not JSON") from None
        channel_id = metadata.get("channel") if isinstance(metadata, dict) else None
        channel = ChannelRef(team, _id_value(channel_id, "private_metadata channel"))
        key = f"slack:view:{_key_part(view, 'id')}:{_key_part(view, 'hash')}"
        answers = _answers(view)
        empty = missing(spec, answers)
        if empty:
            return FormErrors({name: FILL_IN for name in empty})
        text = command_text(spec, answers)[:MAX_TEXT]
        return Inbound(CommandInvoked(key=key, user=user, channel=channel, text=text))
    except _Bad as bad:
        return Ignored(f"malformed view_submission: {bad}")


def form_answers(body: Any) -> dict[str, str]:
    """A `view_submission`'s answers by field name (none for anything unreadable)."""
    view = body.get("view") if isinstance(body, Mapping) else None
    return _answers(view) if isinstance(view, Mapping) else {}


def _answers(view: Mapping[str, Any]) -> dict[str, str]:
    """`view.state.values[block_id][action_id].value` of each plain-text input (a field's
    block and action ids are both its name; an empty input's value is null)."""
    values = _maybe_dict(_maybe_dict(view, "state"), "values")
    answers: dict[str, str] = {}
    for block_id, actions in values.items():
        element = actions.get(block_id) if isinstance(actions, Mapping) else None
        value = element.get("value") if isinstance(element, Mapping) else None
        if isinstance(block_id, str) and isinstance(value, str):
            answers[block_id] = value
    return answers


# ---------------------------------------------------------------------- block actions


def from_block_actions(body: Any, bot: BotIdentity | None = None) -> Outcome:
    """A `block_actions` payload from a button the renderer built.

    `team.id` is the installation whose message holds the button; `user.team_id` is the
    clicker's own team, which differs for a Slack Connect guest and is not used.
    """
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        if body.get("type") != "block_actions":
            raise _Bad("type is not block_actions")
        user_part = _dict(body, "user")
        container, message_part = _maybe_dict(body, "container"), _maybe_dict(body, "message")
        team = _installation(
            body, bot, _maybe_dict(body, "team").get("id"), user_part.get("team_id")
        )
        user = UserRef(team, _id(user_part, "id"))
        channel_id = _maybe_dict(body, "channel").get("id") or container.get("channel_id")
        channel = ChannelRef(team, _id_value(channel_id, "channel.id"))
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], Mapping):
            raise _Bad("actions is missing or empty")
        action = actions[0]
        if action.get("type") != "button":
            return Ignored(f"a {str(action.get('type'))[:30]!r} element, not a button")
        action_id = decode_action_id(_str(action, "action_id"))
        value = action.get("value") or ""
        if not isinstance(value, str):
            raise _Bad("value is not a string")
        message_ts = container.get("message_ts") or message_part.get("ts")
        message = (
            MessageRef(channel, _ts({"message_ts": message_ts}, "message_ts"))
            if message_ts
            else None
        )
        if body.get("trigger_id"):
            key = f"slack:action:{_key_part(body, 'trigger_id')}"
        elif message is not None:
            key = f"slack:action:{message.id}:{_key_part(action, 'action_ts')}"
        else:
            raise _Bad("neither trigger_id nor a message ts + action_ts to key it by")
        event = ButtonPressed(
            key=key, user=user, channel=channel, action_id=action_id, value=value, message=message
        )
        return Inbound(event, _response_url(body))
    except _Bad as bad:
        return Ignored(f"malformed block_actions: {bad}")


# ---------------------------------------------------------------------- message shortcuts

SAVE_AS_DO = "save_as_do"  # the message shortcut's callback_id (`manifest.py`)


def from_message_shortcut(body: Any, bot: BotIdentity | None = None) -> Outcome:
    """ "Save as do" chosen from a message's menu (`message_action`): the payload carries
    the message itself, so the do is saved with no `conversations.history` read.

    The text goes through `core_text`, as a fetched message's does; a bot's message (a
    `bot_id`, subtype `bot_message`, the bot itself) or one that is no person speaking has
    no author, which the core answers privately. `channel` is the channel the message is
    in; `thread` its thread's root, for a reply in a thread.
    """
    try:
        if not isinstance(body, Mapping):
            raise _Bad("body is not an object")
        if body.get("type") != "message_action":
            raise _Bad("type is not message_action")
        if body.get("callback_id") != SAVE_AS_DO:
            return Ignored(f"shortcut {str(body.get('callback_id'))[:40]!r} is not alsbot's")
        user_part = _dict(body, "user")
        team = _installation(
            body, bot, _maybe_dict(body, "team").get("id"), user_part.get("team_id")
        )
        user = UserRef(team, _id(user_part, "id"))
        channel = ChannelRef(team, _id(_dict(body, "channel"), "id"))
        said = _dict(body, "message")
        ts = _ts(said, "ts")
        message = MessageRef(channel, ts)
        if body.get("trigger_id"):
            key = f"slack:action:{_key_part(body, 'trigger_id')}"
        else:
            key = f"slack:action:{ts}:{_key_part(body, 'action_ts')}"
        raw_text = said.get("text")
        text = core_text(raw_text) if isinstance(raw_text, str) else ""
        thread_ts = _optional_ts(said, "thread_ts")
        thread = MessageRef(channel, thread_ts) if thread_ts and thread_ts != ts else None
        event = MessageSaved(
            key=key,
            user=user,
            channel=channel,
            message=message,
            text=text,
            author=_shortcut_author(team, said, bot),
            thread=thread,
        )
        return Inbound(event, _response_url(body))
    except _Bad as bad:
        return Ignored(f"malformed message_action: {bad}")


def _shortcut_author(
    team: WorkspaceRef, said: Mapping[str, Any], bot: BotIdentity | None
) -> UserRef | None:
    """The person who wrote the message, or None for a bot's or a channel notice."""
    author = said.get("user")
    if said.get("bot_id") or said.get("subtype") not in USER_SUBTYPES:
        return None
    if not isinstance(author, str) or not ID.match(author):
        return None
    if bot is not None and author == bot.user_id:
        return None
    return UserRef(team, author)

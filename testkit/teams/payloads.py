"""Teams activities, shaped as Teams sends them to a bot, for the tests and the stand-in.

Taken from Microsoft's documented JSON (Bot Framework activity schema; Teams "conversation
basics", "channel and group chat", "message reactions", conversation and installation
events; message extension action commands with `messagePayload`; Adaptive Card
Action.Submit): every field Teams sends that alsbot reads, and the ones around it that
make a payload real (`channelId`, `localTimestamp`, a `clientInfo` entity, `channelData`),
so a builder cannot drift into a shape no SDK would parse (`tests/adapters/teams`
validates each with the Teams SDK's own `ActivityTypeAdapter`).

Every builder takes the ids it uses (a `Place`, `Member`s, activity ids), so an end-to-end
test can build a world of tenants, teams, channels and people from them.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
_ids = itertools.count(1_700_000_000_000)


def activity_id() -> str:
    """Teams' message ids are epoch milliseconds; each call gives a new one."""
    return str(next(_ids))


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def object_id() -> str:
    return str(uuid.uuid4())


def teams_id() -> str:
    """An app-scoped user id (`29:…`), shaped like Teams' (base64-ish, ~90 chars)."""
    return "29:1" + uuid.uuid4().hex + uuid.uuid4().hex + "-" + uuid.uuid4().hex[:20]


@dataclass(frozen=True)
class Member:
    """A person (or the bot) as Teams names them in an activity."""

    teams_id: str  # `29:…` for people, `28:<app id>` for a bot
    name: str
    aad: str | None = None  # Entra object id; None for the bot or an anonymous guest

    def account(self) -> JSON:
        out: JSON = {"id": self.teams_id, "name": self.name}
        if self.aad is not None:
            out["aadObjectId"] = self.aad
        return out


def person(name: str, aad: str | None = None, ident: str | None = None) -> Member:
    return Member(ident or teams_id(), name, aad or object_id())


def bot(app_id: str = "00000000-0000-4000-8000-0000000a1500", name: str = "alsbot") -> Member:
    return Member(f"28:{app_id}", name)


@dataclass(frozen=True)
class Place:
    """A conversation: a team's channel, a group chat or a person's 1:1 chat with the bot."""

    tenant: str
    conversation: str  # without `;messageid=…`
    kind: str = "channel"  # "channel" | "groupChat" | "personal"
    team: str | None = None  # the team's id (its General channel's conversation id)
    team_name: str = "Action Learning"
    channel_name: str = "Set A"
    membership: str | None = "standard"  # a channel's: "standard" | "private" | "shared"
    service_url: str = SERVICE_URL
    aad_group: str | None = None


def channel(
    tenant: str,
    name: str = "Set A",
    *,
    membership: str | None = "standard",
    team: str | None = None,
    conversation: str | None = None,
) -> Place:
    team = team or f"19:{uuid.uuid4().hex}@thread.tacv2"
    return Place(
        tenant=tenant,
        conversation=conversation or f"19:{uuid.uuid4().hex}@thread.tacv2",
        team=team,
        channel_name=name,
        membership=membership,
        aad_group=object_id(),
    )


def group_chat(tenant: str) -> Place:
    return Place(tenant, f"19:{uuid.uuid4().hex}@thread.v2", kind="groupChat", membership=None)


def personal_chat(tenant: str) -> Place:
    return Place(tenant, "a:1" + uuid.uuid4().hex * 3, kind="personal", membership=None)


def _conversation(place: Place, root: str | None) -> JSON:
    out: JSON = {
        "conversationType": place.kind,
        "tenantId": place.tenant,
        "id": place.conversation + (f";messageid={root}" if root else ""),
    }
    if place.kind != "personal":
        out["isGroup"] = True
    if place.kind == "channel":
        out["name"] = place.channel_name
    return out


def _channel_data(place: Place, **extra: Any) -> JSON:
    data: JSON = {"tenant": {"id": place.tenant}}
    if place.kind == "channel" and place.team is not None:
        channel_info: JSON = {"id": place.conversation, "name": place.channel_name}
        if place.membership is not None:
            channel_info["membershipType"] = place.membership
        team: JSON = {"id": place.team, "name": place.team_name}
        if place.aad_group:
            team["aadGroupId"] = place.aad_group
        data.update(
            teamsChannelId=place.conversation,
            teamsTeamId=place.team,
            channel=channel_info,
            team=team,
        )
    data.update(extra)
    return data


def _base(
    kind: str, place: Place, sender: Member, recipient: Member, ident: str, root: str | None
) -> JSON:
    return {
        "type": kind,
        "id": ident,
        "timestamp": now_iso(),
        "localTimestamp": now_iso().replace("Z", "+01:00"),
        "serviceUrl": place.service_url,
        "channelId": "msteams",
        "from": sender.account(),
        "conversation": _conversation(place, root),
        "recipient": recipient.account(),
        "channelData": _channel_data(place),
        "locale": "en-GB",
    }


CLIENT_INFO: JSON = {
    "type": "clientInfo",
    "locale": "en-GB",
    "country": "GB",
    "platform": "Web",
    "timezone": "Europe/London",
}


def mention(member: Member, shown: str | None = None) -> JSON:
    """A mention entity, as Teams writes one for each `<at>` it resolved."""
    name = shown or member.name
    return {
        "type": "mention",
        "text": f"<at>{name}</at>",
        "mentioned": {"id": member.teams_id, "name": name},
    }


def message(
    place: Place,
    sender: Member,
    text: str,
    *,
    to: Member,
    mentions: tuple[Member, ...] = (),
    ident: str | None = None,
    root: str | None = None,
    entities: list[JSON] | None = None,
) -> JSON:
    """A message as the bot receives it. `text` holds `<at>Name</at>` for each mention
    (Teams' own form); `mentions` are the members Teams resolved them to, in order.

    In a channel, `root` is the reply chain's first message (a new post is its own
    root: `;messageid=` its own id). The `text/html` attachment is Teams' rendering."""
    ident = ident or activity_id()
    if place.kind == "channel":
        root = root or ident
    out = _base("message", place, sender, to, ident, root if place.kind == "channel" else None)
    rendered = text
    for n, member in enumerate(mentions):
        rendered = rendered.replace(
            f"<at>{member.name}</at>", f'<at id="{n}">{member.name}</at>', 1
        )
    out.update(
        text=text,
        textFormat="plain",
        attachments=[{"contentType": "text/html", "content": f"<p>{rendered}</p>"}],
        entities=(entities if entities is not None else [mention(m) for m in mentions])
        + [dict(CLIENT_INFO)],
    )
    if place.kind == "channel" and root != ident:
        out["replyToId"] = root
    return out


def command(
    place: Place,
    sender: Member,
    words: str,
    *,
    to: Member,
    people: tuple[Member, ...] = (),
    ident: str | None = None,
    root: str | None = None,
) -> JSON:
    """`@alsbot <words>` where `words` may hold `<at>Name</at>` for each of `people`; in a
    1:1 chat the bot is not mentioned (`als <words>` is typed instead)."""
    if place.kind == "personal":
        return message(place, sender, f"als {words}", to=to, mentions=people, ident=ident)
    return message(
        place,
        sender,
        f"<at>{to.name}</at> {words}",
        to=to,
        mentions=(to, *people),
        ident=ident,
        root=root,
    )


def submit(
    place: Place,
    sender: Member,
    data: JSON,
    *,
    to: Member,
    card: str,
    ident: str | None = None,
    root: str | None = None,
) -> JSON:
    """An Adaptive Card's Action.Submit: a message with no text, `value` = the action's
    `data` (and the card's inputs), `replyToId` = the card's activity id."""
    ident = ident or activity_id()
    out = _base(
        "message", place, sender, to, ident, (root or card) if place.kind == "channel" else None
    )
    out.update(
        replyToId=card,
        value=dict(data),
        entities=[dict(CLIENT_INFO)],
        channelData=_channel_data(place, source={"name": "message"}, legacy={"replyToId": card}),
    )
    return out


def button(
    place: Place, sender: Member, action: str, value: str = "", *, to: Member, card: str, **kw: Any
) -> JSON:
    return submit(place, sender, {"als_action": action, "als_value": value}, to=to, card=card, **kw)


def reaction(
    place: Place,
    sender: Member,
    target: str,
    *,
    to: Member,
    added: tuple[str, ...] = ("like",),
    removed: tuple[str, ...] = (),
    ident: str | None = None,
    root: str | None = None,
) -> JSON:
    """`messageReaction` on the bot's message `target`: Teams sends one per change."""
    ident = ident or f"f:{uuid.uuid4()}"
    out = _base(
        "messageReaction",
        place,
        sender,
        to,
        ident,
        (root or target) if place.kind == "channel" else None,
    )
    out["replyToId"] = target
    if added:
        out["reactionsAdded"] = [{"type": t} for t in added]
    if removed:
        out["reactionsRemoved"] = [{"type": t} for t in removed]
    return out


def bot_added_to_team(
    place: Place, by: Member, *, to: Member, added: tuple[Member, ...] = ()
) -> JSON:
    """`conversationUpdate` when the app is installed in a team: the bot (and any people
    named) in `membersAdded`, the conversation the team's General channel."""
    general = Place(**{**place.__dict__, "conversation": place.team or place.conversation})
    out = _base("conversationUpdate", general, by, to, f"f:{uuid.uuid4()}", None)
    out["membersAdded"] = [{"id": to.teams_id}, *(m.account() for m in added)]
    out["channelData"] = _channel_data(general, eventType="teamMemberAdded")
    return out


def members_added(place: Place, by: Member, *, to: Member, added: tuple[Member, ...]) -> JSON:
    """`conversationUpdate` with people added to a team or a chat the bot is in."""
    out = _base("conversationUpdate", place, by, to, f"f:{uuid.uuid4()}", None)
    out["membersAdded"] = [m.account() for m in added]
    out["channelData"] = _channel_data(place, eventType="teamMemberAdded")
    return out


def channel_created(place: Place, by: Member, *, to: Member) -> JSON:
    """`conversationUpdate` `channelCreated`: sent in the team's conversation, naming the
    new channel in `channelData.channel`."""
    general = Place(**{**place.__dict__, "conversation": place.team or place.conversation})
    out = _base("conversationUpdate", general, by, to, f"f:{uuid.uuid4()}", None)
    out["channelData"] = _channel_data(
        general,
        eventType="channelCreated",
        channel={"id": place.conversation, "name": place.channel_name},
    )
    return out


def installation_update(place: Place, by: Member, *, to: Member, action: str = "add") -> JSON:
    """`installationUpdate` (`add`/`remove`), personal scope or a team's."""
    if place.kind == "channel":
        place = Place(**{**place.__dict__, "conversation": place.team or place.conversation})
    out = _base("installationUpdate", place, by, to, f"f:{uuid.uuid4()}", None)
    out["action"] = action
    return out


def typing(place: Place, sender: Member, *, to: Member) -> JSON:
    return _base("typing", place, sender, to, f"f:{uuid.uuid4()}", None)


def message_payload(
    ident: str,
    html_body: str,
    author: Member | None,
    *,
    reply_to: str | None = None,
    mentions: tuple[Member, ...] = (),
    conversation: str = "",
) -> JSON:
    """A message as a message action receives it (`value.messagePayload`, Graph's
    `chatMessage` shape): its body as HTML, `<at id="n">` naming `mentions[n]`. `author`
    None is a bot's message (`from.application`)."""
    sender: JSON = {"device": None, "conversation": None, "user": None, "application": None}
    if author is None:
        # Graph also says "bot" for some; the SDK's model reads only these spellings.
        sender["application"] = {
            "applicationIdentityType": "aadApplication",
            "id": "app",
            "displayName": "A bot",
        }
    else:
        sender["user"] = {
            "userIdentityType": "aadUser",
            "id": author.aad,
            "displayName": author.name,
        }
    return {
        "linkToMessage": f"https://teams.microsoft.com/l/message/{conversation}/{ident}",
        "id": ident,
        "replyToId": reply_to,
        "createdDateTime": now_iso(),
        "lastModifiedDateTime": None,
        "deleted": False,
        "subject": None,
        "summary": None,
        "importance": "normal",
        "locale": "en-us",
        "body": {"contentType": "html", "content": html_body},
        "from": sender,
        "reactions": [],
        "mentions": [
            {
                "id": n,
                "mentionText": m.name,
                "mentioned": {
                    "device": None,
                    "conversation": None,
                    "user": {"userIdentityType": "aadUser", "id": m.aad, "displayName": m.name},
                    "application": None,
                },
            }
            for n, m in enumerate(mentions)
        ],
        "attachments": [],
    }


def save_as_do(
    place: Place,
    sender: Member,
    payload: JSON,
    *,
    to: Member,
    root: str | None = None,
    fetch: bool = True,
    command_id: str = "saveAsDo",
    ident: str | None = None,
) -> JSON:
    """The message action's invoke: `composeExtension/fetchTask` (the manifest's
    `fetchTask: true`) or `composeExtension/submitAction`, `value.messagePayload` the
    chosen message; in a channel the conversation names the message's reply chain."""
    ident = ident or f"f:{uuid.uuid4()}"
    chain = (root or payload.get("replyToId") or payload["id"]) if place.kind == "channel" else None
    out = _base("invoke", place, sender, to, ident, chain)
    out["name"] = "composeExtension/fetchTask" if fetch else "composeExtension/submitAction"
    out["value"] = {
        "commandId": command_id,
        "commandContext": "message",
        "requestId": uuid.uuid4().hex,
        "messagePayload": payload,
        "context": {"theme": "default"},
    }
    out["channelData"] = _channel_data(place, source={"name": "message"})
    out["entities"] = [dict(CLIENT_INFO)]
    return out

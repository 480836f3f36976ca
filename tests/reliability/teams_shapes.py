"""Teams activities for the bad-input corpus (`test_bad_input_teams.py`): every builder of
`testkit/teams/payloads.py`, the shapes Microsoft documents that alsbot does not build, and
mutations of each.

The documented shapes follow the Bot Framework activity schema and the Teams docs
("Conversation events", "Message edit/undelete/soft delete", "Meeting apps APIs" real-time
events, "Universal actions" `adaptiveCard/action`, task modules, search-based message
extensions, SSO's `signin/verifyState` and `signin/tokenExchange`, `installationUpdate`
`add-upgrade`/`remove-upgrade`): the fields Teams sends, around the ids a test gives.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from testkit.teams import payloads as p

JSON = dict[str, Any]

RTL = "\u202eمرحبا שלום\u202c \u200fعربي\u200f"
EMOJI = "👩‍👩‍👧🏳️‍🌈👍🏽✅\U0001fae0#️⃣"


def _deep(levels: int) -> Any:
    node: Any = {"x": "bottom"}
    for n in range(levels):
        node = {f"k{n}": node} if n % 2 else [node]
    return node


# One of these replaces a field, in turn (see `mutations`): wrong JSON types, huge and odd
# strings, and nesting deeper than any real activity.
REPLACEMENTS: list[Any] = [
    None,
    0,
    -1.5e308,
    True,
    [],
    {},
    ["29:x", None, 3],
    _deep(60),
    "",
    "x" * 60_000,
    f"{EMOJI} {RTL}",
    "<at>Everyone</at> <@U1> @everyone &lt;at&gt;",
    "\x00\x01\x7f\u2028\ud7ff",
]


def fresh_ids(activity: JSON) -> JSON:
    """A copy with a new activity id (so each case is a new event, not a duplicate)."""
    out = copy.deepcopy(activity)
    old = out.get("id")
    new = p.activity_id() if isinstance(old, str) and old.isdigit() else f"f:{uuid.uuid4()}"
    out["id"] = new
    conversation = out.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("id"), str):
        # A new channel post is its own reply chain's root: keep it so.
        if old and conversation["id"].endswith(f";messageid={old}"):
            conversation["id"] = conversation["id"].replace(
                f";messageid={old}", f";messageid={new}"
            )
    return out


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a JSON value (dict keys and list indexes)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*prefix, k))
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((*prefix, i))
            out.extend(paths(v, (*prefix, i)))
    return out


def _at(activity: JSON, path: tuple[Any, ...]) -> tuple[Any, Any]:
    parent = activity
    for step in path[:-1]:
        parent = parent[step]
    return parent, path[-1]


def mutations(name: str, base: JSON, per_path: int = 2) -> Iterator[tuple[str, JSON]]:
    """Each field removed in turn, and replaced by `per_path` of `REPLACEMENTS` (taken in
    rotation, so across a base's fields every replacement is used)."""
    turn = itertools.count()
    for path in paths(base):
        shown = "/".join(str(s) for s in path)
        gone = fresh_ids(base)
        parent, last = _at(gone, path)
        del parent[last]
        yield f"{name} -{shown}", gone
        for _ in range(per_path):
            n = next(turn) % len(REPLACEMENTS)
            swapped = fresh_ids(base)
            parent, last = _at(swapped, path)
            parent[last] = copy.deepcopy(REPLACEMENTS[n])
            yield f"{name} {shown}=R{n}", swapped


# ---------------------------------------------------------------------- the world


class Cast:
    """The ids one corpus uses: a tenant, a channel, a group chat, a 1:1 chat, people."""

    def __init__(self, tenant: str, service_url: str, bot_app_id: str) -> None:
        self.tenant = tenant
        self.place = replace(p.channel(tenant), service_url=service_url)
        self.group = replace(p.group_chat(tenant), service_url=service_url)
        self.personal = replace(p.personal_chat(tenant), service_url=service_url)
        self.bot = p.bot(bot_app_id)
        self.ana = p.person("Ana Alves")
        self.bob = p.person("Bob Builder")
        self.card = p.activity_id()  # a card the bot posted


def built(c: Cast) -> list[tuple[str, JSON]]:
    """Every builder in `testkit/teams/payloads.py`, as the tests use them."""
    saved = p.message_payload(
        p.activity_id(),
        f'<div><at id="0">{c.bob.name}</at> to call the funder by friday</div>',
        c.ana,
        mentions=(c.bob,),
        conversation=c.place.conversation,
    )
    form = {"als_form": "als_form:offer", "what": "A spare laptop", "als_channel": "x"}
    return [
        ("message", p.message(c.place, c.ana, "just talking", to=c.bot)),
        ("reply chain message", p.message(c.place, c.ana, "an update", to=c.bot, root=c.card)),
        ("command help", p.command(c.place, c.ana, "help", to=c.bot)),
        (
            "command start @Bob",
            p.command(c.place, c.ana, "start <at>Bob Builder</at>", to=c.bot, people=(c.bob,)),
        ),
        ("command offer (a form)", p.command(c.place, c.ana, "offer", to=c.bot)),
        ("personal command", p.command(c.personal, c.ana, "actions", to=c.bot)),
        ("direct message", p.message(c.personal, c.ana, "hello there", to=c.bot)),
        ("group chat command", p.command(c.group, c.ana, "help", to=c.bot)),
        ("button", p.button(c.place, c.ana, "round:next", "1", to=c.bot, card=c.card)),
        ("form submit", p.submit(c.personal, c.ana, form, to=c.bot, card=c.card)),
        ("reaction added", p.reaction(c.place, c.ana, c.card, to=c.bot)),
        (
            "reaction removed",
            p.reaction(
                c.place, c.ana, c.card, to=c.bot, added=(), removed=("2705_whiteheavycheckmark",)
            ),
        ),
        ("bot added to team", p.bot_added_to_team(c.place, c.ana, to=c.bot, added=(c.bob,))),
        ("members added", p.members_added(c.place, c.ana, to=c.bot, added=(c.bob,))),
        ("channel created", p.channel_created(c.place, c.ana, to=c.bot)),
        ("installed (personal)", p.installation_update(c.personal, c.ana, to=c.bot)),
        ("uninstalled (team)", p.installation_update(c.place, c.ana, to=c.bot, action="remove")),
        ("typing", p.typing(c.personal, c.ana, to=c.bot)),
        ("save as do (fetchTask)", p.save_as_do(c.place, c.ana, saved, to=c.bot)),
        ("save as do (submitAction)", p.save_as_do(c.place, c.ana, saved, to=c.bot, fetch=False)),
    ]


def _event(c: Cast, kind: str, place: p.Place, **fields: Any) -> JSON:
    base = p.message(place, c.ana, "", to=c.bot)
    for gone in ("text", "textFormat", "attachments", "entities", "replyToId"):
        base.pop(gone, None)
    base["type"] = kind
    base.update(fields)
    return base


def _team_event(c: Cast, event_type: str, **channel_data: Any) -> JSON:
    out = p.channel_created(c.place, c.ana, to=c.bot)
    out["channelData"]["eventType"] = event_type
    out["channelData"].update(channel_data)
    return out


def documented(c: Cast) -> list[tuple[str, JSON]]:
    """Shapes from Microsoft's documentation that alsbot neither builds nor acts on."""
    edited = p.message(c.place, c.ana, "edited: <at>alsbot</at> help", to=c.bot, mentions=(c.bot,))
    edited["type"] = "messageUpdate"
    edited["channelData"]["eventType"] = "editMessage"
    undeleted = dict(edited, channelData={**edited["channelData"], "eventType": "undeleteMessage"})
    deleted = _event(c, "messageDelete", c.place)
    deleted["channelData"]["eventType"] = "softDeleteMessage"
    removed = p.members_added(c.place, c.ana, to=c.bot, added=(c.bob,))
    removed["membersRemoved"] = removed.pop("membersAdded") + [{"id": c.bot.teams_id}]
    removed["channelData"]["eventType"] = "teamMemberRemoved"
    meeting = {"id": "MCMxOTptZWV0aW5nX05qazFa@thread.v2"}
    meeting_place = replace(c.group, conversation="19:meeting_NjkxZDk@thread.v2")
    card_action = {
        "action": {"type": "Action.Execute", "verb": "approve", "data": {"als_action": "x"}},
        "trigger": "manual",
    }
    query = {
        "commandId": "searchDos",
        "parameters": [{"name": "query", "value": "laptop"}],
        "queryOptions": {"skip": 0, "count": 25},
    }
    return [
        ("messageUpdate editMessage", edited),
        ("messageUpdate undeleteMessage", undeleted),
        ("messageDelete softDeleteMessage", deleted),
        ("teamRenamed", _team_event(c, "teamRenamed", team={"id": c.place.team, "name": "New"})),
        ("channelRenamed", _team_event(c, "channelRenamed")),
        ("channelDeleted", _team_event(c, "channelDeleted")),
        ("channelRestored", _team_event(c, "channelRestored")),
        ("teamArchived", _team_event(c, "teamArchived")),
        ("teamUnarchived", _team_event(c, "teamUnarchived")),
        ("teamDeleted", _team_event(c, "teamDeleted")),
        ("teamHardDeleted", _team_event(c, "teamHardDeleted")),
        ("membersRemoved (and the bot)", removed),
        (
            "installationUpdate add-upgrade",
            p.installation_update(c.place, c.ana, to=c.bot, action="add-upgrade"),
        ),
        (
            "installationUpdate remove-upgrade",
            p.installation_update(c.personal, c.ana, to=c.bot, action="remove-upgrade"),
        ),
        (
            "invoke adaptiveCard/action",
            _event(c, "invoke", c.place, name="adaptiveCard/action", value=card_action),
        ),
        (
            "invoke task/fetch",
            _event(
                c,
                "invoke",
                c.personal,
                name="task/fetch",
                value={
                    "type": "task/fetch",
                    "data": {"als_action": "x"},
                    "context": {"theme": "dark"},
                },
            ),
        ),  # fmt: skip
        (
            "invoke task/submit",
            _event(c, "invoke", c.personal, name="task/submit", value={"data": {"a": "b"}}),
        ),
        (
            "invoke composeExtension/query",
            _event(c, "invoke", c.place, name="composeExtension/query", value=query),
        ),
        (
            "invoke composeExtension/queryLink",
            _event(
                c,
                "invoke",
                c.place,
                name="composeExtension/queryLink",
                value={"url": "https://contoso.example/do/1"},
            ),
        ),  # fmt: skip
        (
            "invoke composeExtension/submitAction (another command)",
            _event(
                c,
                "invoke",
                c.place,
                name="composeExtension/submitAction",
                value={
                    "commandId": "createCard",
                    "commandContext": "compose",
                    "data": {"title": "x"},
                },
            ),
        ),  # fmt: skip
        (
            "invoke signin/verifyState",
            _event(c, "invoke", c.personal, name="signin/verifyState", value={"state": "123456"}),
        ),
        (
            "invoke signin/tokenExchange",
            _event(
                c,
                "invoke",
                c.personal,
                name="signin/tokenExchange",
                value={"id": "x", "connectionName": "graph", "token": "eyJ0eXAi.e30.sig"},
            ),
        ),  # fmt: skip
        (
            "invoke fileConsent/invoke",
            _event(
                c,
                "invoke",
                c.personal,
                name="fileConsent/invoke",
                value={"type": "fileUpload", "action": "decline", "context": {}},
            ),
        ),  # fmt: skip
        (
            "event meetingStart",
            _event(
                c,
                "event",
                meeting_place,
                name="application/vnd.microsoft.meetingStart",
                value={
                    "Id": "meeting-1",
                    "MeetingType": "Scheduled",
                    "Title": "Set A",
                    "JoinUrl": "https://teams.microsoft.com/l/meetup-join/x",
                    "StartTime": "2026-01-12T10:00:00Z",
                },
                channelData={"tenant": {"id": c.tenant}, "meeting": meeting},
            ),
        ),  # fmt: skip
        (
            "event meetingEnd",
            _event(
                c,
                "event",
                meeting_place,
                name="application/vnd.microsoft.meetingEnd",
                value={
                    "Id": "meeting-1",
                    "MeetingType": "Scheduled",
                    "Title": "Set A",
                    "EndTime": "2026-01-12T11:00:00Z",
                },
                channelData={"tenant": {"id": c.tenant}, "meeting": meeting},
            ),
        ),  # fmt: skip
        (
            "event meetingParticipantJoin",
            _event(
                c,
                "event",
                meeting_place,
                name="application/vnd.microsoft.meetingParticipantJoin",
                value={
                    "members": [
                        {
                            "user": {
                                "id": c.bob.teams_id,
                                "aadObjectId": c.bob.aad,
                                "name": c.bob.name,
                            },
                            "meeting": {"inMeeting": True, "role": "Attendee"},
                        }
                    ]
                },
                channelData={"tenant": {"id": c.tenant}, "meeting": meeting},
            ),
        ),  # fmt: skip
        ("event (no name)", _event(c, "event", c.personal, value={"x": 1})),
        ("an unknown type", _event(c, "somethingTeamsAddsNextYear", c.place)),
        (
            "endOfConversation",
            _event(c, "endOfConversation", c.personal, code="completedSuccessfully"),
        ),
    ]


def odd(c: Cast) -> list[tuple[str, JSON]]:
    """Hand-picked oddities: shapes a mutation of one field does not reach."""
    cmd = p.command(c.place, c.ana, "help", to=c.bot)
    out: list[tuple[str, JSON]] = []

    def case(name: str, base: JSON, **changes: Any) -> None:
        made = fresh_ids(base)
        made.update(changes)
        out.append((name, made))

    anonymous = fresh_ids(cmd)
    anonymous["from"].pop("aadObjectId")
    out.append(("no from.aadObjectId", anonymous))
    shouting = fresh_ids(cmd)
    shouting["from"]["aadObjectId"] = c.ana.aad.upper() if c.ana.aad else ""
    out.append(("an upper-case aadObjectId", shouting))
    case("value a string", p.button(c.place, c.ana, "x", to=c.bot, card=c.card), value="als_action")
    case(
        "value a list",
        p.button(c.place, c.ana, "x", to=c.bot, card=c.card),
        value=[{"als_action": 1}],
    )
    case(
        "emoji and RTL text", p.message(c.place, c.ana, f"{RTL} {EMOJI} <at>alsbot</at>", to=c.bot)
    )
    case(
        "emoji and RTL command",
        p.command(c.place, c.ana, f"action {RTL} {EMOJI} by friday", to=c.bot),
    )
    case("a 100 KB command", p.command(c.place, c.ana, "action " + "é" * 50_000, to=c.bot))
    case("a 300 KB message", p.message(c.place, c.ana, "x" * 300_000, to=c.bot))
    case("an unknown type", cmd, type="bogus")
    case("no type", {k: v for k, v in cmd.items() if k != "type"})
    case(
        "a typed mention tag", p.message(c.place, c.ana, "&lt;at&gt;Bob&lt;/at&gt; <@U1>", to=c.bot)
    )
    case("an unclosed mention", p.message(c.place, c.ana, "<at>alsbot help", to=c.bot))
    for n, conversation in enumerate(
        [
            "19:../../admin;messageid=;messageid=1",
            "19:x@thread.tacv2;messageid=",
            ";messageid=1767225600000",
            "a b\n\t\x00c%3A%25%",
            ":" * 500,
            f"19:{EMOJI}{RTL}@thread.tacv2",
            "19:" + "x" * 5000 + "@thread.tacv2",
            "<script>alert(1)</script>",
        ]
    ):
        made = fresh_ids(cmd)
        made["conversation"]["id"] = conversation
        out.append((f"odd conversation.id #{n}", made))
    for n, tenant in enumerate(["", "not-a-guid", "T" * 5000, EMOJI, c.tenant.upper()]):
        made = fresh_ids(cmd)
        made["conversation"]["tenantId"] = tenant
        made["channelData"]["tenant"]["id"] = tenant
        out.append((f"odd tenant #{n}", made))
    for n, ident in enumerate(["", "1" * 2000, f"{EMOJI}", "a;messageid=b", "../x"]):
        made = fresh_ids(cmd)
        made["id"] = ident
        out.append((f"odd activity id #{n}", made))
    long_id = fresh_ids(p.message(c.place, c.ana, "a long id", to=c.bot))
    long_id["id"] = "9" * 390
    out.append(("a message id of 390 digits", long_id))
    reaction = fresh_ids(p.reaction(c.place, c.ana, "8" * 390, to=c.bot))
    out.append(("a reaction on a 390-digit id", reaction))
    # The SDK's own model types these (a wrong type was its 500): each wrong type in turn.
    for field in ("id", "type", "serviceUrl"):
        for n, wrong in enumerate(REPLACEMENTS):
            if not isinstance(wrong, str):
                made = fresh_ids(cmd)
                made[field] = copy.deepcopy(wrong)
                out.append((f"{field} = R{n}", made))
    nul_sender = fresh_ids(cmd)
    nul_sender["from"]["id"] = "29:\x00x"
    out.append(("a NUL in from.id", nul_sender))
    nul_mention = fresh_ids(
        p.command(c.place, c.ana, "start <at>Bob Builder</at>", to=c.bot, people=(c.bob,))
    )
    nul_mention["entities"][1]["mentioned"]["id"] = "29:\x00" + c.bob.teams_id
    out.append(("a NUL in a mentioned id", nul_mention))
    nul_member = fresh_ids(p.members_added(c.place, c.ana, to=c.bot, added=(c.bob,)))
    nul_member["membersAdded"][0]["id"] = "29:\x00y"
    out.append(("a NUL in an added member's id", nul_member))
    case("serviceUrl not http", cmd, serviceUrl="file:///etc/passwd")
    case("entities deeply nested", cmd, entities=[_deep(400)])
    case("channelData deeply nested", cmd, channelData=_deep(400))
    case("a huge entity list", cmd, entities=[{"type": "mention", "text": "<at>x</at>",
                                              "mentioned": {"id": f"29:{n}", "name": "x"}}
                                             for n in range(2000)])  # fmt: skip
    return out


def size_of(activity: JSON) -> int:
    return len(json.dumps(activity).encode())

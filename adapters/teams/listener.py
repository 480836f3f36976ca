"""One Teams activity, after the ingress has validated its token: references kept,
mentions resolved, translated, recorded, then answered.

Teams retries an activity it got no 2xx for, with the same id, so the event goes into the
inbox before the answer (`Submitter.submit` returns once it is durable) and anything that
fails on the way raises: the ingress answers 500 (no error text reaches anyone in Teams)
and the retry finds the same idempotency key. A duplicate is answered as if new.

Every activity — an install, a member added, a channel created, a typing notice — also
refreshes the conversation references (`conversations.py`) a nudge weeks later needs.

A mention names a person by their app-scoped `29:` id only; the core's people are Entra
object ids. The listener asks `Conversations` first (everyone seen before), then the Bot
Connector (`GET /v3/conversations/{id}/members/{memberId}`, through the Teams SDK's
client); a mention neither can resolve stays unresolved, and the grammar refuses it as
unlinked rather than inventing a person.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import httpx
import pydantic
from microsoft_teams.api.clients.conversation.member import ConversationMemberClient
from microsoft_teams.common import Client, ClientOptions

from adapters.forms import asked_by, form_id
from adapters.teams import ids
from adapters.teams.conversations import ChannelAddress, Conversations, PersonAddress
from adapters.teams.credentials import BotTokens, TokenUnavailable
from adapters.teams.fields import (
    bot_ids,
    clean_id,
    conversation_of,
    dict_at,
    kind_of,
    mentioned_people,
    sender_object_id,
    str_at,
    tenant_of,
)
from adapters.teams.save_as_do import is_save_as_do
from adapters.teams.traits import OBJECT_ID
from adapters.teams.translate import Resolved, translate
from bot.events import CommandInvoked
from bot.ports import DeliveryFailed, Submitter
from bot.refs import ChannelRef, UserRef

log = logging.getLogger(__name__)

OpenForm = Callable[[UserRef, ChannelRef, str], Awaitable[None]]
SAVED = "Saving it as a do — I'll tell you in our chat."
NOT_SAVED = "I couldn't read that message to save it."
LOOKUP_TIMEOUT = 5.0  # Teams waits about 15 s for an answer; a slow lookup leaves room
# Connector lookups for one activity: a command names a few people; an activity with
# thousands of mention entities must not hold the answer past Teams' wait (and be
# retried, lookups and all). The rest stay unresolved, refused as unlinked.
LOOKUPS_PER_ACTIVITY = 25


class MemberLookup(Protocol):
    async def member(
        self, service_url: str, conversation_id: str, teams_id: str
    ) -> tuple[str, str] | None:
        """(Entra object id, display name) of a conversation's member, or None."""
        ...


class ConnectorMembers:
    """The Bot Connector's answer to "who is `29:…` in this conversation", through the
    Teams SDK's conversation member client with the bot's token."""

    def __init__(self, tokens: BotTokens, *, timeout: float = LOOKUP_TIMEOUT) -> None:
        self._http = Client(ClientOptions(token=tokens.bot_token, timeout=timeout))

    async def member(
        self, service_url: str, conversation_id: str, teams_id: str
    ) -> tuple[str, str] | None:
        client = ConversationMemberClient(service_url, http_client=self._http)
        try:
            found = await client.get_by_id(conversation_id, teams_id)
        except (httpx.HTTPError, TokenUnavailable, pydantic.ValidationError, ValueError) as err:
            # Unresolved, not a failure: the mention is refused as unlinked.
            log.info("teams: a mention could not be looked up (%s)", type(err).__name__)
            return None
        aad = (found.aad_object_id or "").lower()
        return (aad, found.name or "") if OBJECT_ID.fullmatch(aad) else None

    async def close(self) -> None:
        await self._http.http.aclose()


class Listener:
    """`OnActivity` for the ingress: `await listener(activity)` → (status, body)."""

    def __init__(
        self,
        submitter: Submitter,
        conversations: Conversations,
        bot_id: str | None,
        members: MemberLookup | None = None,
        open_form: OpenForm | None = None,
    ) -> None:
        self.submitter = submitter
        self.conversations = conversations
        self.bot_id = bot_id
        self.members = members
        self.open_form = open_form

    async def _open(self, event: CommandInvoked, ask_id: str) -> None:
        """The form, sent at once (nothing is recorded until it comes back). A person the
        bot cannot write to is answered 200 and logged: nowhere private is left to say
        so, and a retry would fail the same way. A failure for now raises, so the ingress
        answers 500 and Teams sends the command again."""
        assert self.open_form is not None
        try:
            await self.open_form(event.user, event.channel, ask_id)
        except DeliveryFailed as failed:
            log.info("teams: a form could not be sent to its person (%s)", failed)

    async def __call__(self, activity: dict[str, Any]) -> tuple[int, Any]:
        if not isinstance(activity, Mapping):
            return 400, None
        bots = bot_ids(activity, self.bot_id)
        await self.keep(activity, bots)
        resolved = Resolved(bots, await self.resolve(activity, bots))
        events = translate(activity, resolved)
        for event in events:
            if isinstance(event, CommandInvoked) and self.open_form is not None:
                spec = asked_by(event.text)
                if spec is not None:  # `offer` with no words: its form, in their 1:1 chat
                    await self._open(event, form_id(spec))
                    continue
            await self.submitter.submit(event)
        if is_save_as_do(activity):
            line = SAVED if events else NOT_SAVED
            return 200, {"task": {"type": "message", "value": line}}
        return 200, None

    # ------------------------------------------------------------------ references

    async def keep(self, activity: Mapping[str, Any], bots: frozenset[str]) -> None:
        """The conversation's and the people's references, from any activity."""
        tenant = tenant_of(activity)
        service_url = str_at(activity, "serviceUrl")
        if not tenant or not service_url.startswith(("https://", "http://")):
            return
        base, _ = conversation_of(activity)
        kind = kind_of(activity)
        data = dict_at(activity, "channelData")
        team = str_at(dict_at(data, "team"), "id") or None
        if base:
            name = str_at(dict_at(data, "channel"), "name") or str_at(
                dict_at(activity, "conversation"), "name"
            )
            if kind == "channel" and str_at(dict_at(data, "channel"), "id") not in ("", base):
                name = ""  # the event is about another channel (created, renamed)
            known = await self.conversations.channel(ids.channel(tenant, base))
            if not name and known is not None:
                name = known.name  # a message in a reply chain may not carry it
            await self.conversations.remember_channel(
                ids.channel(tenant, base),
                ChannelAddress(base, service_url, tenant, kind, team, name[:100]),
            )
        created = clean_id(str_at(dict_at(data, "channel"), "id"))
        if str_at(data, "eventType") == "channelCreated" and created:
            await self.conversations.remember_channel(
                ids.channel(tenant, created),
                ChannelAddress(created, service_url, tenant, "channel", team),
            )
        sender = dict_at(activity, "from")
        aad = sender_object_id(activity)
        if aad is not None and str_at(sender, "id") not in bots:
            await self._person(
                tenant,
                aad,
                str_at(sender, "id"),
                str_at(sender, "name"),
                service_url,
                base if kind == "personal" else None,
            )
        added = activity.get("membersAdded")
        for member in added if isinstance(added, list) else []:
            member_aad = str_at(member, "aadObjectId").lower()
            if OBJECT_ID.fullmatch(member_aad) and str_at(member, "id") not in bots:
                await self._person(
                    tenant, member_aad, str_at(member, "id"), str_at(member, "name"), service_url
                )

    async def _person(
        self,
        tenant: str,
        aad: str,
        teams_id: str,
        name: str,
        service_url: str,
        personal: str | None = None,
    ) -> None:
        if not clean_id(teams_id).startswith("29:"):
            return
        await self.conversations.remember_person(
            ids.person(tenant, aad),
            PersonAddress(teams_id, name, service_url, tenant, personal_conversation=personal),
        )

    # ------------------------------------------------------------------ mentions

    async def resolve(self, activity: Mapping[str, Any], bots: frozenset[str]) -> dict[str, str]:
        """The Entra object id of each person a message mentions, where one can be found."""
        if activity.get("type") != "message" or sender_object_id(activity) is None:
            return {}
        tenant = tenant_of(activity)
        base, _ = conversation_of(activity)
        service_url = str_at(activity, "serviceUrl")
        found: dict[str, str] = {}
        lookups = 0
        for teams_id in mentioned_people(activity, bots):
            known = await self.conversations.object_id(tenant, teams_id)
            if known is None and self.members is not None and base and service_url:
                lookups += 1
                if lookups > LOOKUPS_PER_ACTIVITY:
                    break
                member = await self.members.member(service_url, base, teams_id)
                if member is not None:
                    known, name = member
                    await self._person(tenant, known, teams_id, name, service_url)
            if known is not None:
                found[teams_id] = known
        return found

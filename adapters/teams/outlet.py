"""`bot.ports.Outlet` for Teams: each core reply sent through the Bot Connector API.

- `Post` → `POST {serviceUrl}/v3/conversations/{conversation}/activities`; in a reply
  chain the conversation is `{channel};messageid={root}` (Teams' way of answering in a
  channel thread); the `MessageRef` returned names the channel without the suffix;
- `Edit` → `PUT …/activities/{id}`: the card replaced in place (in its reply chain, which
  the kept post remembers);
- `Direct` → the person's 1:1 chat: the one the conversations store knows, else opened
  with `POST /v3/conversations` (their `29:` id, the tenant) and remembered;
- `Ephemeral` → a 1:1 message saying where it is from: Teams has no ephemeral messages,
  and a private answer must never become a public post;
- `GroupDirect` → a 1:1 message to each, naming the others (a bot cannot make a group chat);
- `File` → a card (`render.file`): a bot cannot attach a file without Graph or a consent
  card.

Why plain aiohttp rather than the SDK's `ConversationActivityClient`: the SDK client takes
its own pydantic `ActivityParams` and serialises them again (what `render.fit` measured
against Teams' 28 KB is then not what is sent), runs on httpx with its own token provider,
and raises `httpx` errors; here the rendered JSON bytes go out as measured, with the
`BotTokens` the listener shares, and every failure is sorted in one place, as the Slack and
Discord outlets sort theirs.

Errors are sorted for the delivery loop, which owns retries (Microsoft's list: "Status
codes from bot conversational APIs"): 429 → `DeliveryRetry(after=Retry-After,
rate_limited=True)`; 412 (concurrent writes), 5xx, timeouts and connection errors →
`DeliveryRetry`; 401 → the token dropped and fetched again once, then retried later;
403/404/400/413 → `DeliveryFailed` with a short reason (the bot removed, blocked, disabled
by an admin, the conversation or message gone, the message too large). A person with no
reference (never talked to the bot, app not installed for them) cannot be written to
first: `DeliveryFailed`, as an undeliverable DM is elsewhere.

Teams takes no client-chosen id to deduplicate a post, so a retry after a lost answer
may post twice (at-least-once, as on Slack without its metadata look-up); a group message
remembers, for the life of the process, whom it already reached.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from adapters.forms import ASKING, spec_for
from adapters.http_waits import retry_after
from adapters.teams import ids, render
from adapters.teams.conversations import ChannelAddress, Conversations, PersonAddress
from adapters.teams.credentials import BotTokens, TokenUnavailable
from adapters.teams.source import PostTexts
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef
from bot.replies import (
    Button,
    Direct,
    Edit,
    Ephemeral,
    File,
    GroupDirect,
    Mention,
    Post,
    Text,
    naming_the_others,
    text,
)

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0  # under the outbox's 60 s lease, so a row is never sent twice at once
SERVER_ERROR_WAIT = 5.0
NETWORK_ERROR_WAIT = 2.0
TOKEN_WAIT = 30.0
GROUPS_KEPT = 500
NOT_INSTALLED = "this person has not installed alsbot in Teams or never chatted with it"
REASONS = {
    "BotNotInConversationRoster": "alsbot is no longer in that conversation",
    "ConversationBlockedByUser": "the person blocked alsbot",
    "BotDisabledByAdmin": "an admin turned alsbot off for this person",
    "ForbiddenOperationException": "alsbot is not installed for this person",
    "MessageWritesBlocked": "the person blocked or uninstalled alsbot",
    "InvalidBotApiHost": "the conversation's service URL is out of date",
    "ConversationNotFound": "the conversation is gone",
    "ActivityNotFoundInConversation": "the message is gone",
    "MessageSizeTooBig": "the message is too large for Teams",
    "NotEnoughPermissions": "alsbot lacks a permission for this",
}


def error_code(body: bytes) -> str:
    """The connector's `{"error": {"code": …}}`, or "" when it sent none."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code else ""


def classify(status: int, headers: Any, body: bytes) -> DeliveryRetry | DeliveryFailed:
    """The connector's answer → the core's retry-or-give-up decision."""
    code = error_code(body)
    label = f"teams: {status}" + (f" {code}" if code else "")
    if status == 429:
        return DeliveryRetry(label, after=retry_after(headers), rate_limited=True)
    if status == 412 or status >= 500:
        return DeliveryRetry(label, after=SERVER_ERROR_WAIT)
    if status == 401:
        return DeliveryRetry(f"{label}: check TEAMS_CLIENT_ID and its secret", after=TOKEN_WAIT)
    reason = REASONS.get(code)
    return DeliveryFailed(f"{label}: {reason}" if reason else label)


def private_lead(address: ChannelAddress | None) -> str:
    """The line a private answer (an `Ephemeral`) starts with in the 1:1 chat, saying where
    it is from — Teams has no message only one person in a channel can see."""
    return f"(Only you can see this, from {_where(address)}.)\n"


def _where(address: ChannelAddress | None) -> str:
    kind = address.kind if address is not None else ""
    if kind == "channel" and address is not None and address.name:
        return f"the channel “{address.name}”"
    return {"channel": "a Teams channel", "groupChat": "a group chat"}.get(kind, "a chat")


class TeamsOutlet:
    """Implements `bot.ports.Outlet` for Teams (and `open_form` for the listener)."""

    platform = Platform.TEAMS

    def __init__(
        self,
        conversations: Conversations,
        tokens: BotTokens,
        *,
        bot_id: str,
        posts: PostTexts | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """`bot_id`: the app's client id (the bot is `28:<id>` when it opens a 1:1 chat).
        `posts`: where each post's text is kept for reactions (`source.py`). The cloud's
        endpoints matter to the tokens only: the connector's address is each reference's
        `serviceUrl`."""
        self.conversations = conversations
        self.tokens = tokens
        self.bot_id = bot_id
        self.posts = posts
        self._session = session
        self._own_session = session is None
        self.timeout = timeout
        self._group_sent: OrderedDict[str, set[UserRef]] = OrderedDict()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ the port

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        reply = delivery.reply
        if isinstance(reply, Post):
            return await self._post(reply, delivery)
        if isinstance(reply, Edit):
            return await self._edit(reply, delivery)
        if isinstance(reply, Direct):
            return await self._direct(reply.user, reply.text, reply.buttons)
        if isinstance(reply, Ephemeral):
            await self._ephemeral(reply)
            return None
        if isinstance(reply, GroupDirect):
            return await self._group_direct(reply, delivery)
        if isinstance(reply, File):
            await self._file(reply)
            return None
        raise DeliveryFailed(f"the Teams adapter cannot show a {type(reply).__name__}")

    async def open_form(self, user: UserRef, channel: ChannelRef, ask_id: str) -> None:
        """The form of a command (`ask_id`: its `adapters.forms` id, or the command's
        path) as a card in the person's 1:1 chat. Raises `DeliveryFailed` when the person
        cannot be written to, `DeliveryRetry` when Teams failed for now."""
        spec = spec_for(ask_id) or ASKING.get(ask_id)
        if spec is None:
            raise DeliveryFailed(f"no form named {ask_id!r}")
        address = await self._person(user)
        conversation = await self._personal_conversation(user, address)
        lead = None
        if ids.decode(channel.id) != conversation:
            where = _where(await self.conversations.channel(channel))
            lead = text(f"For what you typed in {where}. Only you can see this form.")
        activity = render.form(spec, channel, lead)
        await self._send(address.service_url, conversation, activity)

    # ------------------------------------------------------------ kinds of reply

    async def _post(self, reply: Post, delivery: Delivery) -> MessageRef:
        address = await self._channel(reply.channel)
        root = delivery.thread or reply.thread
        names = await self._names(reply.text)
        activity = render.message(reply.text, reply.buttons, names)
        conversation = ids.conversation_id(reply.channel, root)
        sent = MessageRef(
            reply.channel, await self._send(address.service_url, conversation, activity)
        )
        await self._keep(sent, render.plain(reply.text, names), root.id if root else None)
        return sent

    async def _edit(self, reply: Edit, delivery: Delivery) -> MessageRef:
        target = delivery.target
        if target is None:
            raise DeliveryFailed(f"nothing to edit for {reply.handle}")
        address = await self._channel(target.channel)
        kept = await self.posts.get(target) if self.posts is not None else None
        root = MessageRef(target.channel, kept.thread) if kept and kept.thread else None
        names = await self._names(reply.text)
        activity = {**render.message(reply.text, reply.buttons, names), "id": target.id}
        conversation = ids.conversation_id(target.channel, root)
        base = self._conversation_url(address.service_url, conversation)
        url = f"{base}/activities/{quote(target.id, safe='')}"
        await self._call("PUT", url, activity)
        if address.kind != "personal":  # see `_direct`
            await self._keep(target, render.plain(reply.text, names), kept.thread if kept else None)
        return target

    async def _direct(
        self, user: UserRef, body: Text, buttons: tuple[Button, ...] = ()
    ) -> MessageRef:
        address = await self._person(user)
        conversation = await self._personal_conversation(user, address)
        names = await self._names(body)
        activity = render.message(body, buttons, names)
        sent_id = await self._send(address.service_url, conversation, activity)
        # Not kept (`_keep`): what a kept row gives is the post's reply chain (for an edit in
        # place, and the thread of a reaction on it) — a 1:1 chat has none — and its text,
        # which capture never saves (the bot's own posts are not do's). Kept, every private
        # answer cost a write transaction of its own, contending with the inbox's.
        return MessageRef(ChannelRef(user.workspace, ids.encode(conversation)), sent_id)

    async def _ephemeral(self, reply: Ephemeral) -> None:
        address = await self._person(reply.user)
        body = reply.text
        if ids.decode(reply.channel.id) != address.personal_conversation:
            body = text(private_lead(await self.conversations.channel(reply.channel))) + body
        await self._direct(reply.user, body, reply.buttons)

    async def _group_direct(self, reply: GroupDirect, delivery: Delivery) -> MessageRef | None:
        """A 1:1 message to each person, in order. One Teams refuses for good does not
        stop the others; a passing failure stops the reply, to be tried again whole, and
        the people already reached (this process remembers) are not written to twice."""
        people = list(dict.fromkeys(reply.users))
        key = delivery.key or ""
        done = self._group_sent.setdefault(key, set()) if key else set()
        while len(self._group_sent) > GROUPS_KEPT:
            self._group_sent.popitem(last=False)
        first: MessageRef | None = None
        refused: list[str] = []
        for user in people:
            if user in done:
                continue
            try:
                sent = await self._direct(
                    user, naming_the_others(reply.text, user, people), reply.buttons
                )
            except DeliveryFailed as failed:
                refused.append(f"{user.id}: {failed}")
                continue
            done.add(user)
            first = first or sent
        if refused:
            reached = len(people) - len(refused)
            raise DeliveryFailed(
                f"group message reached {reached} of {len(people)}: {'; '.join(refused)}"
            )
        return first

    async def _file(self, reply: File) -> None:
        activity = render.file(reply)
        if reply.user is not None:
            address = await self._person(reply.user)
            conversation = await self._personal_conversation(reply.user, address)
            await self._send(address.service_url, conversation, activity)
            return
        channel = await self._channel(reply.channel)
        await self._send(channel.service_url, ids.conversation_id(reply.channel), activity)

    # ---------------------------------------------------------------- references

    async def _channel(self, channel: ChannelRef) -> ChannelAddress:
        address = await self.conversations.channel(channel)
        if address is None:
            raise DeliveryFailed("teams: alsbot has no reference for that conversation")
        return address

    async def _person(self, user: UserRef) -> PersonAddress:
        address = await self.conversations.person(user)
        if address is None:
            raise DeliveryFailed(f"teams: {NOT_INSTALLED}")
        return address

    async def _personal_conversation(self, user: UserRef, address: PersonAddress) -> str:
        """The person's 1:1 chat with the bot: known, else opened (Teams answers the same
        chat for the same person every time) and remembered."""
        if address.personal_conversation:
            return address.personal_conversation
        body = {
            "bot": {"id": f"28:{self.bot_id}"},
            "members": [{"id": address.teams_id}],
            "isGroup": False,
            "tenantId": address.tenant_id,
            "channelData": {"tenant": {"id": address.tenant_id}},
        }
        url = f"{address.service_url.rstrip('/')}/v3/conversations"
        answer = await self._call("POST", url, body)
        conversation = str(answer.get("id") or "")
        if not conversation:
            raise DeliveryRetry("teams: opening a 1:1 chat gave no id", after=SERVER_ERROR_WAIT)
        await self.conversations.remember_person(
            user, replace(address, personal_conversation=conversation)
        )
        await self.conversations.remember_channel(
            ChannelRef(user.workspace, ids.encode(conversation)),
            ChannelAddress(conversation, address.service_url, address.tenant_id, "personal"),
        )
        return conversation

    async def _names(self, body: Text) -> dict[UserRef, render.Person]:
        """Each mentioned person's `29:` id and name; their Entra object id (which Teams
        also takes) when the bot has not met them."""
        names: dict[UserRef, render.Person] = {}
        for part in body.parts:
            if isinstance(part, Mention) and part.user not in names:
                address = await self.conversations.person(part.user)
                if address is not None:
                    names[part.user] = render.Person(address.teams_id, address.name)
        return names

    async def _keep(self, message: MessageRef, plain: str, thread: str | None) -> None:
        """Kept for reactions on it. The message is out by now: failing to keep its text
        must not send it again, so a store error is logged, not raised."""
        if self.posts is None:
            return
        try:
            await self.posts.remember(message, plain, thread)
        except Exception:
            log.exception("could not keep the text of Teams message %s", message.id)

    # ---------------------------------------------------------------- HTTP

    @staticmethod
    def _conversation_url(service_url: str, conversation: str) -> str:
        return f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation, safe='')}"

    async def _send(self, service_url: str, conversation: str, activity: dict[str, Any]) -> str:
        url = f"{self._conversation_url(service_url, conversation)}/activities"
        answer = await self._call("POST", url, activity)
        sent = answer.get("id")
        if not sent:
            raise DeliveryFailed("teams: the connector took the message but gave no id")
        return str(sent)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _token(self) -> str:
        try:
            return await self.tokens.bot_token()
        except TokenUnavailable as error:
            raise DeliveryRetry(f"teams: no token ({error})", after=TOKEN_WAIT) from error

    async def _call(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = render.activity_bytes(body)
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {await self._token()}",
                "Content-Type": "application/json; charset=utf-8",
            }
            try:
                async with self._http().request(
                    method,
                    URL(url, encoded=True),
                    data=payload,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.timeout),
                ) as response:
                    status, answer = response.status, await response.read()
                    answer_headers = response.headers
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                raise DeliveryRetry(
                    f"teams: network: {type(error).__name__}", NETWORK_ERROR_WAIT
                ) from error
            if status == 401 and attempt == 1:
                log.info("the connector refused the bot's token; fetching a new one")
                self.tokens.invalidate()  # no longer good: the retry logs in again
                continue
            if 200 <= status < 300:
                try:
                    data = json.loads(answer or b"{}")
                except ValueError:
                    data = {}
                return data if isinstance(data, dict) else {}
            raise classify(status, answer_headers, answer)
        raise AssertionError("unreachable")  # pragma: no cover

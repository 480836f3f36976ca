"""`bot.ports.Outlet` for Discord: each core reply sent the native way.

- `Post` → a channel message; with a thread root → a message in the thread started from
  that message, created on first use (its id is the root's id, so nothing has to be
  remembered to find it again after a restart);
- `Edit` → an edit of the message the handle became;
- `Ephemeral` → on the interaction that caused it while its token is valid (the first
  such reply replaces the "thinking…" placeholder), otherwise a DM — never a public post;
  the token is this process's own or, when another process received the interaction,
  the one stored with the event (`adapters.discord.interactions.StoredInteraction`);
- `Direct` → a DM; `File` → an attachment (privately when it has a `user`);
- `GroupDirect` → a DM to each person, naming the others: bots cannot make group DMs on
  Discord. Each DM has its own nonce (the reply's key and the person), so a retry after
  a lost answer gets the DMs already sent back from Discord instead of sending them again.

Errors are sorted for the delivery loop, which owns retries: 429 (when discord.py did not
already wait it out) and 5xx/network → `DeliveryRetry`; a closed DM (50007), a missing
channel, message or permission → `DeliveryFailed`.  Every message is sent with
`AllowedMentions` naming only the core's `Mention`s (see `render.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Callable
from typing import Any, Literal

import aiohttp
import discord
from discord.webhook.async_ import AsyncWebhookAdapter

from adapters.discord.interactions import (
    ACK_WAIT,
    InteractionTokens,
    Pending,
    StoredInteraction,
    withhold_tokens,
)
from adapters.discord.render import Rendered, allowed_mentions, discord_user_id, render
from adapters.discord.transport import webhook_context
from adapters.discord.views import view_for
from bot.ports import Delivery, DeliveryFailed, DeliveryRetry
from bot.refs import ChannelRef, MessageRef, Platform, UserRef
from bot.replies import (
    Direct,
    Edit,
    Ephemeral,
    File,
    GroupDirect,
    Post,
    naming_the_others,
    text,
)
from bot.reply_handles import ReplyHandles

log = logging.getLogger(__name__)
# Only interactions have tokens (`translate`: `discord:interaction:<id>`).
INTERACTION_CAUSE = "discord:interaction:"
THREAD_NAME = "Action Learning session"
THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440
THREAD_EXISTS = 160004
UNKNOWN_MESSAGE = 10008
TOKEN_GONE = {10015, 10062, 50027}  # unknown webhook / interaction, invalid webhook token
DONE = "✓ Done."
# discord.py sets no timeout of its own (aiohttp's default is five minutes): a request that
# hangs would hold its lane that long.  This bounds one delivery, including discord.py's own
# waits for short 429s (at most `max_ratelimit_timeout`, 30 s), and stays under the outbox's
# 60 s lease so that a row is never claimed again while it is still being sent.
SEND_TIMEOUT = 45.0
DEFERRAL_POLL = 0.5  # seconds: look again for a deferral another process is making
NONCE_LENGTH = 25  # Discord's limit for a message nonce


def classify(exc: Exception) -> Exception:
    """Turn a discord.py/aiohttp failure into the core's retry-or-give-up verdict."""
    if isinstance(exc, discord.RateLimited):
        return DeliveryRetry(
            f"rate limited for {exc.retry_after:.1f}s", after=exc.retry_after, rate_limited=True
        )
    if isinstance(exc, discord.HTTPException):
        status, code = exc.status, exc.code
        if status == 429:
            after = _retry_after(exc)
            return DeliveryRetry(
                f"429 rate limited (retry after {after:.1f}s)", after=after, rate_limited=True
            )
        if status >= 500:
            return DeliveryRetry(f"Discord {status}: {exc.text[:100]}", after=2.0)
        if status == 401:
            return DeliveryRetry("401 unauthorized: check DISCORD_BOT_TOKEN", after=60.0)
        return DeliveryFailed(f"Discord {status} ({code}): {exc.text[:200]}")
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return DeliveryRetry(f"network: {exc!r}", after=2.0)
    return exc


def _retry_after(exc: discord.HTTPException) -> float:
    try:
        return max(float(exc.response.headers.get("Retry-After", 1.0)), 0.05)
    except (TypeError, ValueError, AttributeError):
        return 1.0


class DiscordOutlet:
    platform = Platform.DISCORD

    def __init__(
        self,
        client: discord.Client,
        tokens: InteractionTokens,
        webhooks: AsyncWebhookAdapter,
        remember_dm_home: Callable[[UserRef], None],
        timeout: float = SEND_TIMEOUT,
        handles: ReplyHandles | None = None,
    ) -> None:
        """The live client, and what alsbot's client adds to it: the interaction tokens it
        remembered, the webhook adapter aimed at its server, and where a DM's answer goes;
        `handles`, the tokens stored with the events, which any process received."""
        self.client = client
        self.tokens = tokens
        self.handles = handles
        withhold_tokens()
        self.webhooks = webhooks
        self.remember_dm_home = remember_dm_home
        self.timeout = timeout
        self._threads: set[int] = set()  # thread ids known to exist
        self._dm_channels: dict[str, int] = {}  # user id -> DM channel id

    async def deliver(self, delivery: Delivery) -> MessageRef | None:
        try:
            with webhook_context(self.webhooks):
                async with asyncio.timeout(self.timeout):
                    return await self._deliver(delivery)
        except (DeliveryRetry, DeliveryFailed):
            raise
        except Exception as exc:
            verdict = classify(exc)
            if verdict is exc:
                raise
            raise verdict from exc

    async def _deliver(self, delivery: Delivery) -> MessageRef | None:
        reply = delivery.reply
        if isinstance(reply, Post):
            return await self._post(reply, delivery)
        if isinstance(reply, Edit):
            return await self._edit(reply, delivery)
        if isinstance(reply, Ephemeral):
            await self._ephemeral(reply, delivery)
            return None
        if isinstance(reply, Direct):
            return await self._direct(
                reply.user, render(reply.text, reply.buttons), nonce=delivery.key
            )
        if isinstance(reply, GroupDirect):
            return await self._group_direct(reply, delivery)
        if isinstance(reply, File):
            await self._file(reply, delivery)
            return None
        raise DeliveryFailed(f"the Discord adapter cannot show a {type(reply).__name__}")

    # ------------------------------------------------------------------ kinds of reply

    async def _post(self, reply: Post, delivery: Delivery) -> MessageRef:
        root = delivery.thread or reply.thread
        channel_id = await self._thread_for(root) if root else int(reply.channel.id)
        sent = await self._send(channel_id, render(reply.text, reply.buttons), nonce=delivery.key)
        await self.settle_original(delivery.cause)
        return MessageRef(ChannelRef(reply.channel.workspace, str(channel_id)), str(sent.id))

    async def _edit(self, reply: Edit, delivery: Delivery) -> MessageRef:
        target = delivery.target
        if target is None:
            raise DeliveryFailed(f"nothing to edit for {reply.handle}")
        shown = render(reply.text, reply.buttons)
        channel = self.client.get_partial_messageable(int(target.channel.id))
        await channel.get_partial_message(int(target.id)).edit(
            content=shown.content,
            view=view_for(shown.buttons),
            allowed_mentions=shown.allowed_mentions,
        )
        await self.settle_original(delivery.cause)
        return target

    async def _ephemeral(self, reply: Ephemeral, delivery: Delivery) -> None:
        shown = render(reply.text, reply.buttons)
        pending = await self._interaction_for(delivery.cause, reply.user)
        if pending is not None:
            try:
                await self._on_interaction(pending, shown, cause=delivery.cause)
                return
            except discord.HTTPException as exc:
                if exc.code not in TOKEN_GONE:
                    raise
                log.info("interaction token for %s is gone; sending a DM", delivery.cause)
                self.tokens.forget(delivery.cause or "")
        where = text(f"(only you can see this, from #{self._channel_name(reply.channel)})\n")
        await self._direct(
            reply.user, render(where + reply.text, reply.buttons), nonce=delivery.key
        )

    async def _interaction_for(self, cause: str | None, user: UserRef | None) -> Pending | None:
        """The deferred interaction behind `cause` whose token can answer `user` privately
        (an interaction's followups are shown to the person who caused it, so another
        person's answer goes by DM): this process's own, else the one stored with the
        event by the process that received it."""
        pending = await self.tokens.ready(cause)
        if pending is None:
            pending = await self._stored(cause)
        if pending is None or user is None or pending.user_id in (None, user.id):
            return pending
        return None

    async def _stored(self, cause: str | None) -> Pending | None:
        """`DeliveryRetry` while the receiving process has not yet said whether it could
        defer (it records the event first): a DM now would be needless."""
        if cause is None or self.handles is None or not cause.startswith(INTERACTION_CAUSE):
            return None  # a reaction's or a message's reply: no token was ever stored
        stored = await self.handles.get(cause)
        if stored is None or stored.platform != Platform.DISCORD.value:
            return None
        if not stored.application_id or not stored.application_id.isdigit():
            return None
        if stored.deferred is None:
            since = self.handles.now() - (stored.created_at or self.handles.now())
            if since.total_seconds() < ACK_WAIT:
                raise DeliveryRetry(
                    "interaction not deferred yet", DEFERRAL_POLL, rate_limited=True
                )
            return None  # never settled: its process died before it could defer
        if not stored.deferred:
            return None
        interaction = StoredInteraction(self.client, int(stored.application_id), stored.secret)
        return Pending(
            interaction,
            created=0.0,
            thinking=stored.thinking,
            original_used=stored.original_used,
            deferred=True,
            user_id=stored.user_id,
        )

    async def _claim_original(self, pending: Pending, cause: str | None) -> bool:
        """Whether this process may edit the "thinking…" original: once per interaction,
        across processes, through the stored handle (or locally when none is stored)."""
        if not pending.thinking or pending.original_used:
            return False
        pending.original_used = True
        if cause is None or self.handles is None:
            return True
        claimed = await self.handles.claim_original(cause)
        return claimed is None or claimed

    async def _on_interaction(
        self, pending: Pending, shown: Rendered, *, cause: str | None, **extra: Any
    ) -> None:
        interaction = pending.interaction
        kwargs: dict[str, Any] = {"allowed_mentions": shown.allowed_mentions, **extra}
        view = view_for(shown.buttons)
        if view is not None:
            kwargs["view"] = view
        if "file" not in extra and await self._claim_original(pending, cause):
            await interaction.edit_original_response(content=shown.content, **kwargs)
        else:
            await interaction.followup.send(content=shown.content, ephemeral=True, **kwargs)
        if shown.full_text is not None:
            await interaction.followup.send(file=_text_file(shown.full_text), ephemeral=True)

    async def settle_original(self, cause: str | None) -> None:
        """A command whose visible result is public still owes its "thinking…" an answer.
        Cosmetic, so it never fails or delays the real reply it follows."""
        try:
            pending = await self._interaction_for(cause, None)
            if pending is None or not await self._claim_original(pending, cause):
                return
            with webhook_context(self.webhooks):
                await pending.interaction.edit_original_response(content=DONE)
        except DeliveryRetry:
            return  # not deferred yet: the receiving process's own settler answers it
        except discord.HTTPException as exc:
            log.info("could not settle the interaction for %s: %s", cause, exc)

    async def _direct(self, user: UserRef, shown: Rendered, nonce: str | None = None) -> MessageRef:
        channel_id = await self._dm_channel(user)
        sent = await self._send(channel_id, shown, private=True, nonce=nonce)
        self.remember_dm_home(user)
        return MessageRef(ChannelRef(user.workspace, str(channel_id)), str(sent.id))

    async def _group_direct(self, reply: GroupDirect, delivery: Delivery) -> MessageRef | None:
        """One DM to each person, in the order given. A person Discord refuses for good
        (DMs closed, gone) does not stop the others; a passing failure (429, 5xx) stops the
        reply, to be tried again whole, and the DMs already sent come back by their nonce."""
        people = list(dict.fromkeys(reply.users))
        if not people or any(discord_user_id(user) is None for user in people):
            raise DeliveryFailed("a group DM names someone who is not a Discord user")
        first: MessageRef | None = None
        refused: list[str] = []
        for user in people:
            shown = render(naming_the_others(reply.text, user, people), reply.buttons)
            try:
                sent = await self._direct(user, shown, nonce=_nonce(delivery.key, user))
            except discord.HTTPException as exc:
                verdict = classify(exc)
                if not isinstance(verdict, DeliveryFailed):
                    raise
                refused.append(f"{user.id}: {verdict}")
                continue
            first = first or sent
        if refused:
            reached = len(people) - len(refused)
            raise DeliveryFailed(
                f"group DM reached {reached} of {len(people)}: {'; '.join(refused)}"
            )
        return first

    async def _file(self, reply: File, delivery: Delivery) -> None:
        title = render(text(reply.title)) if reply.title else Rendered("")
        # An image's description is its alt text in Discord's clients (at most 1,024 chars).
        upload = discord.File(
            io.BytesIO(reply.content), filename=reply.filename, description=reply.alt[:1024] or None
        )
        if reply.user is None:
            await self.client.get_partial_messageable(int(reply.channel.id)).send(
                content=title.content or None, file=upload, allowed_mentions=allowed_mentions()
            )
            return
        pending = await self._interaction_for(delivery.cause, reply.user)
        if pending is not None:
            try:
                await self._on_interaction(pending, title, cause=delivery.cause, file=upload)
                await self.settle_original(delivery.cause)
                return
            except discord.HTTPException as exc:
                if exc.code not in TOKEN_GONE:
                    raise
                upload.reset()
        channel = self.client.get_partial_messageable(
            await self._dm_channel(reply.user), type=discord.ChannelType.private
        )
        await channel.send(
            content=title.content or None, file=upload, allowed_mentions=allowed_mentions()
        )

    # ------------------------------------------------------------------ plumbing

    async def _send(
        self, channel_id: int, shown: Rendered, *, private: bool = False, nonce: str | None = None
    ) -> Any:
        """One message.  `nonce` (the outbox row's key) is sent with `enforce_nonce` (discord.py
        always does): a retry after a lost answer gets the first message back, not a second."""
        kind = discord.ChannelType.private if private else None
        channel = self.client.get_partial_messageable(channel_id, type=kind)
        kwargs: dict[str, Any] = {"allowed_mentions": shown.allowed_mentions}
        if nonce is not None:
            kwargs["nonce"] = nonce
        view = view_for(shown.buttons)
        if view is not None:
            kwargs["view"] = view
        if shown.full_text is not None:
            kwargs["file"] = _text_file(shown.full_text)
        return await channel.send(content=shown.content, **kwargs)

    async def _thread_for(self, root: MessageRef) -> int:
        """The thread named by `root`: started from that message (created the first time),
        or a thread people made themselves and ran `/als` in (its id is not a message)."""
        thread_id = int(root.id)
        if thread_id in self._threads or isinstance(
            self.client.get_channel(thread_id), discord.Thread
        ):
            self._threads.add(thread_id)
            return thread_id
        try:
            created = await self.client.http.start_thread_with_message(
                int(root.channel.id),
                thread_id,
                name=THREAD_NAME,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                reason="alsbot: the session's thread",
            )
            thread_id = int(created["id"])
        except discord.HTTPException as exc:
            if exc.code == UNKNOWN_MESSAGE:
                found = await self.client.fetch_channel(thread_id)
                if not isinstance(found, discord.Thread):
                    raise
            elif exc.code != THREAD_EXISTS:
                raise
        self._threads.add(thread_id)
        return thread_id

    async def _dm_channel(self, user: UserRef) -> int:
        known = self._dm_channels.get(user.id)
        if known is None:
            data = await self.client.http.start_private_message(int(user.id))
            known = self._dm_channels[user.id] = int(data["id"])
        return known

    def _channel_name(self, channel: ChannelRef) -> str:
        found = self.client.get_channel(int(channel.id)) if channel.id.isdigit() else None
        return str(getattr(found, "name", None) or channel.id)


def _nonce(key: str | None, user: UserRef) -> str | None:
    """The nonce of one person's copy of a reply: the same on every attempt, different per
    person, within Discord's 25 characters."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{key}|{user.key}".encode()).hexdigest()
    return "g" + digest[: NONCE_LENGTH - 1]


def _text_file(full: str) -> discord.File:
    return discord.File(io.BytesIO(full.encode("utf-8")), filename="message.txt")

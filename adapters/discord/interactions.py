"""Which interaction caused which event, so a reply can go back through it.

An `Ephemeral` reply can only be private on Discord as a response to an interaction, and
the interaction's token is good for 15 minutes.  When the client defers an interaction it
records the token under the event's idempotency key (the `cause` the outbox hands back
with each reply); the outlet looks it up.

In memory, the `discord.Interaction` itself is kept: the fast path, when the process that
received the interaction also delivers its replies.  With several processes another one
may claim the reply, so the client also hands the application id and the token to
`submit` with the event (`bot.reply_handles`, deleted by retention once the token has
expired) and settles there whether the deferral worked; a process without the
interaction answers through `StoredInteraction`, the interaction's webhook rebuilt from
them as discord.py builds `Interaction.followup`.  The token is in no `repr`, and
`WithholdTokens` takes it out of discord.py's webhook log lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord.http import handle_message_parameters
from discord.utils import MISSING
from discord.webhook.async_ import async_context

from bot.refs import Platform
from bot.reply_handles import DISCORD_LIFETIME, Handle, ReplyHandles

if TYPE_CHECKING:  # discord.types cannot be imported first at run time (a cycle in it)
    from discord.types.webhook import Webhook as WebhookPayload

log = logging.getLogger(__name__)
TOKEN_LIFETIME = 15 * 60.0
# Do not start a followup that might land after the token has expired: the same margin
# as the tokens stored with the events (`bot.reply_handles`).
USABLE_FOR = DISCORD_LIFETIME.total_seconds()
MAX_REMEMBERED = 5000
ACK_WAIT = 5.0  # Discord wants the deferral within 3 s; after that it is not coming
# An interaction's token is in the path of its callback and webhook URLs.
TOKEN_IN_PATH = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?]+")


@dataclass
class Pending:
    """A deferred interaction; `thinking` means Discord shows "alsbot is thinking…" until
    the original response is edited, which the first reply for it does.

    It is remembered *before* it is deferred: the client records the event durably first
    and only then acknowledges it (Discord never redelivers an acknowledged interaction),
    so a reply can be ready before the deferral is. `answerable()` waits for it.
    """

    interaction: Any  # a discord.Interaction (or a `StoredInteraction`): its token answers
    created: float
    thinking: bool
    original_used: bool = False
    deferred: bool | None = None  # None until the client has tried to defer
    user_id: str | None = None  # who caused it: only they see what its token sends

    def __post_init__(self) -> None:
        self._settled = asyncio.Event()

    def settle(self, deferred: bool) -> None:
        self.deferred = deferred
        self._settled.set()

    async def answerable(self, within: float = ACK_WAIT) -> bool:
        """True once the interaction is deferred; False if deferring failed or never came."""
        if self.deferred is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._settled.wait()
        return bool(self.deferred)


class InteractionTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_cause: OrderedDict[str, Pending] = OrderedDict()

    def remember(
        self, cause: str, interaction: Any, *, thinking: bool, deferred: bool | None = True
    ) -> Pending:
        """`deferred=None`: not deferred yet — the client settles it once it has tried."""
        user = getattr(interaction, "user", None)
        user_id = str(user.id) if user is not None else None
        entry = Pending(interaction, self._clock(), thinking, deferred=deferred, user_id=user_id)
        self._by_cause[cause] = entry
        self._by_cause.move_to_end(cause)
        while len(self._by_cause) > MAX_REMEMBERED:
            self._by_cause.popitem(last=False)
        return entry

    def usable(self, cause: str | None) -> Pending | None:
        """The interaction behind `cause` if its token can still be used, else None."""
        if cause is None:
            return None
        entry = self._by_cause.get(cause)
        if entry is None:
            return None
        if self._clock() - entry.created > USABLE_FOR:
            del self._by_cause[cause]
            return None
        return entry

    async def ready(self, cause: str | None) -> Pending | None:
        """`usable`, once deferred: None if the deferral failed (the reply goes by DM)."""
        entry = self.usable(cause)
        if entry is None:
            return None
        if not await entry.answerable():
            self.forget(cause or "")
            return None
        return entry

    def forget(self, cause: str) -> None:
        self._by_cause.pop(cause, None)


def to_store(
    cause: str, interaction: discord.Interaction, thinking: bool, deferred: bool | None
) -> Handle:
    """What another process needs to answer `interaction` (`bot.reply_handles`)."""
    return Handle(
        cause,
        Platform.DISCORD.value,
        str(interaction.user.id),
        interaction.token,
        lifetime=DISCORD_LIFETIME,
        application_id=str(interaction.application_id),
        thinking=thinking,
        deferred=deferred,
    )


async def settle_stored(handles: ReplyHandles | None, cause: str, deferred: bool) -> None:
    """Tell the other processes whether the token can answer (they wait until then)."""
    if handles is None:
        return
    try:
        await handles.settle_deferred(cause, deferred)
    except Exception as exc:  # by its type: they fall back to a DM after a few seconds
        log.warning(
            "discord: could not store whether %s was deferred (%s)", cause, type(exc).__name__
        )


class StoredInteraction:
    """The parts of a `discord.Interaction` the outlet uses, rebuilt from what was stored
    with the event (`bot.reply_handles`) by a process that never saw the interaction."""

    def __init__(self, client: discord.Client, application_id: int, token: str) -> None:
        self._state = client._connection
        self.application_id = application_id
        self._token = token

    def __repr__(self) -> str:  # never the token
        return f"<StoredInteraction application_id={self.application_id}>"

    @property
    def followup(self) -> discord.Webhook:
        """As `discord.Interaction.followup` builds it: an application webhook (type 3)."""
        payload: WebhookPayload = {"id": self.application_id, "type": 3, "token": self._token}
        return discord.Webhook.from_state(data=payload, state=self._state)

    async def edit_original_response(
        self,
        *,
        content: str | None = MISSING,
        view: discord.ui.View | None = MISSING,
        allowed_mentions: discord.AllowedMentions | None = None,
    ) -> None:
        """`PATCH …/messages/@original`, as `Interaction.edit_original_response` sends it
        (through the webhook adapter in context, so a configured API base is honoured).
        The buttons need no stored view: alsbot's are dynamic items, routed by id."""
        hook = self.followup
        with handle_message_parameters(
            content=content,
            view=view,
            allowed_mentions=allowed_mentions,
            previous_allowed_mentions=self._state.allowed_mentions,
        ) as params:
            await async_context.get().edit_original_interaction_response(
                self.application_id,
                self._token,
                session=hook.session,
                proxy=hook.proxy,
                proxy_auth=hook.proxy_auth,
                payload=params.payload,
                multipart=params.multipart,
                files=params.files,
            )


class WithholdTokens(logging.Filter):
    """discord.py logs every webhook request's URL at DEBUG, and an interaction's token
    is part of it (anyone holding it can answer as the bot for 15 minutes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        withheld = TOKEN_IN_PATH.sub(r"\1<token>", message)
        if withheld != message:
            record.msg, record.args = withheld, ()
        return True


def withhold_tokens(logger: logging.Logger | None = None) -> None:
    """Put `WithholdTokens` on discord.py's webhook logger (once)."""
    logger = logger or logging.getLogger("discord.webhook.async_")
    if not any(isinstance(f, WithholdTokens) for f in logger.filters):
        logger.addFilter(WithholdTokens())

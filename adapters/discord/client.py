"""The Discord client: gateway events and interactions in, core events out.

Every interaction is acknowledged before anything slow happens — an app command is
deferred as a private "thinking…", a button press as a silent update — because Discord
gives 3 seconds.  Only then is the event handed to `alsbot.submit`, which returns once the
event is durable; the replies come later through the outlet (a followup on the same
interaction while its token lasts).  A replayed event (gateway RESUME) or a replayed
interaction has the same idempotency key, and `submit` returns False for it: no second
effect.

`serve_discord(alsbot, config)` is what `alsbot run` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord import translate, views
from adapters.discord.command_tree import AlsCommands
from adapters.discord.interactions import InteractionTokens
from adapters.discord.outlet import DiscordOutlet
from adapters.discord.source import DiscordMessageSource
from adapters.discord.sync import sync_commands
from adapters.discord.traits import DISCORD_TRAITS
from adapters.discord.transport import (
    CompatWebhookAdapter,
    Endpoints,
    replace_http,
    webhook_context,
)
from bot.events import Event
from bot.ports import Submitter
from bot.refs import UserRef

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 1.5  # the same person pressing the same button again this fast: a double-click
SETTLE_AFTER = 20.0  # a command with no private answer by then gets "✓ Done."
SORRY = "Sorry, I couldn't take that in just now. Please try again in a moment."
GUILD_ONLY = "Use `/als` in your set's channel on a server."
# Discord wants every interaction answered within 3 s: where the channel is (its parent, if
# a thread) may take a REST call, and the inbox commit must come before the deferral.
PLACE_BUDGET = 1.5
DEFER_BY = 2.5


def default_intents(read_content: bool = True) -> discord.Intents:
    """Only what alsbot reads: guild and DM messages and reactions, and message text."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.guild_reactions = True
    intents.dm_reactions = True
    intents.message_content = read_content  # privileged: see docs/DISCORD.md
    return intents


class AlsClient(discord.Client):
    def __init__(
        self,
        alsbot: Submitter,
        *,
        endpoints: Endpoints | None = None,
        dev_guild_id: int | None = None,
        read_content: bool = True,
        double_click_window: float = DEBOUNCE_SECONDS,
        settle_after: float = SETTLE_AFTER,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", 30.0)  # longer waits go back to the outbox
        super().__init__(intents=default_intents(read_content), **options)
        if endpoints is not None and endpoints.custom:
            replace_http(self, endpoints)
        self.alsbot = alsbot
        self.dev_guild_id = dev_guild_id or None
        self.webhooks = CompatWebhookAdapter(self.http)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(AlsCommands())
        self.tree.error(self._on_tree_error)
        self.tokens = InteractionTokens()
        self.outlet = DiscordOutlet(self, self.tokens, self.webhooks, self.remember_dm_home)
        self.source = DiscordMessageSource(self, lambda: self.can_read_content)
        self.can_read_content = read_content
        self._dm_homes: dict[str, str] = {}  # user id -> guild id their DMs belong to
        # channel id -> the thread's parent channel, or None when it is not a thread
        self._parents: dict[int, int | None] = {}
        self._presses: dict[tuple[int, int, str], float] = {}
        # Raw reaction payload (by id) -> "gateway session:sequence", taken in `dispatch`.
        self._occurrences: dict[int, str] = {}
        self.double_click_window = double_click_window
        self.settle_after = settle_after
        self._settlers: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()  # set on READY (and again after a fresh session)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        # Every event task is created from this one and inherits the webhook adapter.
        with webhook_context(self.webhooks):
            await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        views.register(self)
        flags = self.application_flags
        granted = flags.gateway_message_content or flags.gateway_message_content_limited
        if self.intents.message_content and not granted:
            log.warning(
                "discord: the MESSAGE_CONTENT intent is not enabled for this application; "
                "connecting without it. alsbot cannot read thread messages or collect do's "
                "until it is switched on (Developer Portal → Bot → Message Content Intent)."
            )
            self._connection._intents.message_content = False
            self.can_read_content = False
        await sync_commands(self, self.tree, self.dev_guild_id)

    # ------------------------------------------------------------------ interactions

    async def handle_command(self, interaction: discord.Interaction) -> None:
        """Record, then acknowledge: Discord never redelivers an acknowledged interaction,
        so deferring first would lose the command to a crash in between."""
        cause = f"discord:interaction:{interaction.id}"
        started = asyncio.get_running_loop().time()
        place = await self._place_within(interaction, PLACE_BUDGET)
        if place is None:  # Discord is slow to say where this is: answer it in time first
            await self._defer(cause, interaction, thinking=True)
            place = await self._place(interaction.channel_id, interaction.guild_id)
        event = translate.command_event(
            interaction.id,
            interaction.user.id,
            place,
            interaction.data or {},
            interaction.permissions.value if interaction.guild_id else None,
        )
        if event is None:
            await self._defer(cause, interaction, thinking=True)
            await self._say(interaction, GUILD_ONLY)
            return
        if await self._record_then_defer(cause, event, interaction, started, thinking=True):
            self._settle_later(cause)

    def _settle_later(self, cause: str) -> None:
        """Never leave "thinking…" up: if no reply has answered it by `settle_after` (a
        command whose effect is silent, or replies held up), say it was done."""

        async def settle() -> None:
            await asyncio.sleep(self.settle_after)
            await self.outlet.settle_original(cause)

        task = asyncio.create_task(settle(), name=f"alsbot-settle-{cause}")
        self._settlers.add(task)
        task.add_done_callback(self._settlers.discard)

    async def close(self) -> None:
        for task in list(self._settlers):
            task.cancel()
        await super().close()

    async def handle_press(self, interaction: discord.Interaction, action: str, value: str) -> None:
        cause = f"discord:interaction:{interaction.id}"
        started = asyncio.get_running_loop().time()
        message_id = interaction.message.id if interaction.message else 0
        now = time.monotonic()
        press = (interaction.user.id, message_id, f"{action}|{value}")
        last = self._presses.get(press)
        window = self.double_click_window
        self._presses = {k: t for k, t in self._presses.items() if now - t < window}
        if last is not None and now - last < window:
            log.info("discord: ignoring a double-click on %s", press)
            await self._defer(cause, interaction, thinking=False)
            return
        self._presses[press] = now
        place = await self._place_within(interaction, PLACE_BUDGET)
        if place is None:
            await self._defer(cause, interaction, thinking=False)
            place = await self._place(interaction.channel_id, interaction.guild_id)
        custom_id = f"{views.PREFIX}|{action}|{value}"
        event = translate.button_event(
            interaction.id, interaction.user.id, place, custom_id, message_id or None
        )
        if event is None:
            await self._defer(cause, interaction, thinking=False)
            return
        await self._record_then_defer(cause, event, interaction, started, thinking=False)

    async def _place_within(
        self, interaction: discord.Interaction, budget: float
    ) -> translate.Place | None:
        try:
            async with asyncio.timeout(budget):
                return await self._place(interaction.channel_id, interaction.guild_id)
        except TimeoutError:
            return None

    async def _record_then_defer(
        self,
        cause: str,
        event: Event,
        interaction: discord.Interaction,
        started: float,
        *,
        thinking: bool,
    ) -> bool:
        """Put `event` in the inbox, then defer — unless the inbox takes so long that
        Discord's 3 s would run out: then defer at that point and keep waiting for it."""
        # Already remembered: deferred above because Discord was slow, or a replay of an
        # interaction answered before (its token stays the one replies use).
        ours = self.tokens.usable(cause) is None
        pending = (
            self.tokens.remember(cause, interaction, thinking=thinking, deferred=None)
            if ours
            else None
        )
        recording = asyncio.ensure_future(self._submit(event))
        left = max(DEFER_BY - (asyncio.get_running_loop().time() - started), 0.0)
        done, _ = await asyncio.wait({recording}, timeout=left)
        if not done:
            log.warning("discord: %s not recorded within %.1f s; deferring first", cause, left)
        acknowledged = await self._acknowledge(interaction, thinking=thinking)
        if pending is not None:
            pending.settle(acknowledged)
        fresh = await recording
        if fresh is None:
            await self._say(interaction, SORRY)
            return False
        return fresh

    async def _acknowledge(self, interaction: discord.Interaction, *, thinking: bool) -> bool:
        """Defer at once.  False when this interaction was already answered (a replay)."""
        try:
            if thinking:
                await interaction.response.defer(ephemeral=True, thinking=True)
            else:
                await interaction.response.defer()
            return True
        except (discord.InteractionResponded, discord.HTTPException) as exc:
            log.info("discord: interaction %s not deferred (%s)", interaction.id, exc)
            return False

    async def _defer(self, cause: str, interaction: discord.Interaction, *, thinking: bool) -> None:
        if self.tokens.usable(cause) is not None:
            return
        pending = self.tokens.remember(cause, interaction, thinking=thinking, deferred=None)
        pending.settle(await self._acknowledge(interaction, thinking=thinking))

    async def _submit(self, event: Event) -> bool | None:
        """True for a new event, False for a duplicate, None if it could not be recorded."""
        try:
            fresh = await self.alsbot.submit(event)
        except Exception:
            log.exception("discord: could not record %s", event.key)
            return None
        if not fresh:
            log.info("discord: %s was already received; no second effect", event.key)
        return fresh

    async def _say(self, interaction: discord.Interaction, message: str) -> None:
        with contextlib.suppress(discord.HTTPException):
            await interaction.followup.send(message, ephemeral=True)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("discord: /als failed before reaching alsbot", exc_info=error)
        if not interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(SORRY, ephemeral=True)

    # ------------------------------------------------------------------ gateway events

    async def on_ready(self) -> None:
        self.connected.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        guild_id = message.guild.id if message.guild else None
        place = await self._place(message.channel.id, guild_id)
        home = None if guild_id else await self.dm_home(message.author.id)
        event = translate.message_event(
            message_id=message.id,
            author_id=message.author.id,
            author_is_bot=message.author.bot,
            content=message.content,
            place=place,
            message_type=message.type.value,
            dm_workspace=home,
        )
        if event is not None:
            await self._submit(event)
        elif guild_id is None:
            log.info("discord: a DM from %s shares no server with alsbot", message.author.id)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        """Stamp raw reactions with the gateway session and sequence they arrived under.

        discord.py calls this synchronously right after recording the sequence, so the
        stamp is exact. It is what tells a RESUME replay of a reaction (same stamp, so the
        inbox drops it) from someone adding it again after removing it (a new stamp).
        """
        ws = getattr(self, "ws", None)
        if event in ("raw_reaction_add", "raw_reaction_remove") and args and ws is not None:
            if len(self._occurrences) > 10_000:  # never consumed: a listener was missing
                self._occurrences.clear()
            self._occurrences[id(args[0])] = f"{ws.session_id}:{ws.sequence}"
        super().dispatch(event, *args, **kwargs)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=False)

    async def _reaction(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        place = await self._place(payload.channel_id, payload.guild_id)
        event = translate.reaction_event(
            added=added,
            message_id=payload.message_id,
            user_id=payload.user_id,
            emoji_name=payload.emoji.name,
            emoji_id=payload.emoji.id,
            place=place,
            bot_id=self.user.id if self.user else None,
            message_author_id=payload.message_author_id,
            occurrence=self._occurrences.pop(id(payload), None),
        )
        if event is not None:
            await self._submit(event)

    # ------------------------------------------------------------------ where things are

    async def _place(self, channel_id: int | None, guild_id: int | None) -> translate.Place:
        """A channel, or a thread and its parent: from the cache, else asked of Discord once."""
        channel_id = channel_id or 0
        if guild_id is None or not channel_id:
            return translate.Place(guild_id, channel_id)
        if channel_id not in self._parents:
            found: Any = self.get_channel(channel_id)
            if found is None:
                try:
                    found = await self.fetch_channel(channel_id)
                except discord.HTTPException as exc:
                    log.warning("discord: cannot look up channel %s: %s", channel_id, exc)
                    return translate.Place(guild_id, channel_id)
            is_thread = isinstance(found, discord.Thread)
            self._parents[channel_id] = found.parent_id if is_thread else None
        return translate.Place(guild_id, channel_id, self._parents[channel_id])

    def remember_dm_home(self, user: UserRef) -> None:
        """The outlet DMed `user` on behalf of this guild: their answer belongs there too."""
        self._dm_homes[user.id] = user.workspace.id

    async def dm_home(self, user_id: int) -> str | None:
        """Which server a DM belongs to: the one alsbot last wrote from, else the first
        server (by id) the person shares with alsbot, else None."""
        known = self._dm_homes.get(str(user_id))
        if known is not None:
            return known
        for guild in sorted(self.guilds, key=lambda g: g.id):
            if guild.get_member(user_id) is not None:
                return str(guild.id)
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                await guild.fetch_member(user_id)
                return str(guild.id)
        return None


def build_client(alsbot: Submitter, config: Any, **options: Any) -> AlsClient:
    """An `AlsClient` from the `[discord]` config section (extra options go to discord.py)."""
    section = config.discord
    return AlsClient(
        alsbot,
        endpoints=Endpoints.from_config(section.api_base_url, section.gateway_url),
        dev_guild_id=section.dev_guild_id or None,
        **options,
    )


async def serve_discord(
    alsbot: Any, config: Any, *, ready_timeout: float = 60.0, **options: Any
) -> Callable[[], Awaitable[None]]:
    """Connect, wait for READY, attach the outlet and source; return the stop function."""
    client = build_client(alsbot, config, **options)
    task = asyncio.create_task(
        client.start(config.secrets.discord_bot_token), name="alsbot-discord"
    )
    ready = asyncio.create_task(client.connected.wait())
    done, _ = await asyncio.wait(
        {task, ready}, timeout=ready_timeout, return_when="FIRST_COMPLETED"
    )
    if ready not in done:
        ready.cancel()
        await client.close()
        if task in done:
            task.result()  # LoginFailure, PrivilegedIntentsRequired, … with Discord's words
        raise TimeoutError(f"Discord did not get ready within {ready_timeout:.0f}s")
    alsbot.attach(client.outlet, client.source, traits=DISCORD_TRAITS)
    log.info("discord: connected as %s (application %s)", client.user, client.application_id)

    async def stop() -> None:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    stop.client = client  # type: ignore[attr-defined]  # tests and tools reach the client here
    return stop

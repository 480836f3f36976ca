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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discord import save_as_do, translate, views
from adapters.discord.catchup import CatchUpReader
from adapters.discord.command_tree import AlsCommands, AlsTree
from adapters.discord.connection import SupervisedGateway
from adapters.discord.forms import FormModal
from adapters.discord.gateway_events import GatewayEvents
from adapters.discord.gateway_lease import GatewayLease, NotReady
from adapters.discord.gateway_state import StateStore
from adapters.discord.guilds import allowed, refuse, warn_if_open
from adapters.discord.interactions import InteractionTokens, settle_stored, to_store
from adapters.discord.outlet import DiscordOutlet
from adapters.discord.save_as_do import SaveAsDo
from adapters.discord.source import DiscordMessageSource
from adapters.discord.startup import discord_refusal
from adapters.discord.traits import reading
from adapters.discord.transport import (
    CompatWebhookAdapter,
    Endpoints,
    replace_http,
    webhook_context,
)
from adapters.discord.typing_forms import TypingForms, is_submission
from adapters.forms import FORM_PREFIX, asked_by
from bot.events import Event
from bot.ports import Submitter
from bot.preflight import Refused
from bot.reply_handles import Handle, ReplyHandles
from bot.store.file_guard import StoreUnavailable
from bot.typed_in import opens_form, what_of

log = logging.getLogger(__name__)
# alsbot never joins a voice channel: discord.py's warnings that its voice libraries are not
# installed would be two WARNING lines on every start, about nothing.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
DEBOUNCE_SECONDS = 1.5  # the same person pressing the same button again this fast: a double-click
SETTLE_AFTER = 20.0  # a command with no private answer by then gets "✓ Done."
SORRY = "Sorry, I couldn't take that in just now. Please try again in a moment."
GUILD_ONLY = "Use `/als` in your set's channel on a server."
NO_CHANNEL = "I couldn't tell which channel that came from, so I did nothing. Please try again."
STALE = "That command is out of date. Try `/als help`."
NO_FORM = "That form is out of date, so I did nothing: type the command instead (`/als help`)."
WITHOUT_INTENT = (
    "discord: running without the Message Content intent ([discord] message_content = "
    "false): rounds take questions, actions and updates through buttons and forms, do's "
    "are saved with “Save as do”, and messages whose text Discord withholds are ignored"
)
STOP_WITHIN = 5.0  # SIGTERM → exit: closing the gateway and the HTTP session, at most
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


class AlsClient(GatewayEvents, TypingForms, SupervisedGateway, SaveAsDo, discord.Client):
    def __init__(
        self,
        alsbot: Submitter,
        *,
        endpoints: Endpoints | None = None,
        dev_guild_id: int | None = None,
        read_content: bool = True,
        double_click_window: float = DEBOUNCE_SECONDS,
        settle_after: float = SETTLE_AFTER,
        health: Any = None,
        state_store: StateStore | None = None,
        catch_up_emoji: str | None = None,
        reconnect_backoff: tuple[float, float] = (1.0, 60.0),
        identify_wait: float = 5.0,
        allowed_guild_ids: Iterable[int] = (),
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", 30.0)  # longer waits go back to the outbox
        # No message cache: alsbot reads raw events and fetches a reacted-to message over
        # REST, so the cache was only searched (a scan of up to 1,000 messages) on every
        # reaction and never found anything alsbot used — and it held people's words.
        options.setdefault("max_messages", None)
        super().__init__(intents=default_intents(read_content), **options)
        if endpoints is not None and endpoints.custom:
            replace_http(self, endpoints)
        self.alsbot = alsbot
        self.dev_guild_id = dev_guild_id or None
        self.allowed_guild_ids = frozenset(allowed_guild_ids)  # see guilds.py
        self._leaving: set[int] = set()
        self.webhooks = CompatWebhookAdapter(self.http)
        self.tree = AlsTree(self)
        self.tree.add_command(AlsCommands())
        self.tree.add_command(save_as_do.context_menu())  # beside /als, synced with it
        self.tree.error(self._on_tree_error)
        self.tokens = InteractionTokens()
        self.handles: ReplyHandles | None = getattr(alsbot, "reply_handles", None)
        self.outlet = DiscordOutlet(
            self, self.tokens, self.webhooks, self.remember_dm_home, handles=self.handles
        )
        self.source = DiscordMessageSource(self, lambda: self.can_read_content)
        self.can_read_content = read_content
        self._dm_homes: dict[str, str] = {}  # user id -> guild id their DMs belong to
        # channel id -> the thread's parent channel, or None when it is not a thread
        self._parents: dict[int, int | None] = {}
        self._presses: dict[tuple[int, int, str], float] = {}
        # What discord.py's objects drop, read from the raw dispatch (`_note_raw`): the
        # guild a message was sent in, the channel id of an interaction without `channel`.
        self._message_guilds: dict[int, int | None] = {}
        self._interaction_channels: dict[int, int] = {}
        store = getattr(state_store, "store", None)
        catch_up = (
            CatchUpReader(self, store, catch_up_emoji or "white_check_mark")
            if store is not None
            else None
        )
        self._init_gateway(
            health=health,
            state_store=state_store,
            catch_up=catch_up,
            backoff=reconnect_backoff,
            identify_wait=identify_wait,
        )
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
        warn_if_open(self.allowed_guild_ids)
        flags = self.application_flags
        granted = flags.gateway_message_content or flags.gateway_message_content_limited
        if self.intents.message_content and not granted:
            log.warning(
                "discord: the MESSAGE_CONTENT intent is not enabled for this application; "
                "connecting without it: rounds take what people type through buttons and "
                "forms, and do's are saved with “Save as do”. Switch it on (Developer Portal "
                "→ Bot → Message Content Intent) to read thread messages and reactions' text, "
                "or set [discord] message_content = false to say it is meant."
            )
            self._connection._intents.message_content = False
            self.can_read_content = False
        elif not self.intents.message_content:
            log.info(WITHOUT_INTENT)
        # `/als` is registered by the process that holds the gateway (`gateway_lease.py`).

    # ------------------------------------------------------------------ interactions

    async def handle_command(self, interaction: discord.Interaction) -> None:
        """Record, then acknowledge: Discord never redelivers an acknowledged interaction,
        so deferring first would lose the command to a crash in between."""
        if not allowed(interaction.guild_id, self.allowed_guild_ids):
            await refuse(interaction)
            return
        form = asked_by(translate.command_text(interaction.data or {}) or "")
        if form is not None and interaction.guild_id is not None:
            await self._open_form(interaction, FormModal(form))
            return

        def build(place: translate.Place) -> Event | str:
            event = translate.command_event(
                interaction.id,
                interaction.user.id,
                place,
                interaction.data or {},
                interaction.permissions.value if interaction.guild_id else None,
            )
            return GUILD_ONLY if event is None else event

        await self._take(interaction, build)

    async def _open_form(self, interaction: discord.Interaction, modal: FormModal) -> None:
        """The form as the interaction's first answer. Nothing is recorded: the command is
        what the submission makes (`handle_form`)."""
        try:
            await interaction.response.send_modal(modal)
        except (discord.InteractionResponded, discord.HTTPException) as exc:
            log.info("discord: form for %s not opened (%s)", interaction.id, exc)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions of alsbot's forms (app commands and buttons have their own
        routes: the command tree and the dynamic buttons)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Mapping[str, Any] = interaction.data or {}
        if str(data.get("custom_id") or "").startswith(FORM_PREFIX):
            await self.handle_form(interaction)
        elif is_submission(str(data.get("custom_id") or "")):
            await self.handle_typed(interaction)

    async def handle_form(self, interaction: discord.Interaction) -> None:
        """A form sent back: recorded as the command its answers make, then deferred, as
        a command is."""

        def build(place: translate.Place) -> Event | str:
            event = translate.form_event(
                interaction.id,
                interaction.user.id,
                place,
                interaction.data or {},
                interaction.permissions.value if interaction.guild_id else None,
            )
            if event is None:
                return NO_FORM if interaction.guild_id else GUILD_ONLY
            return event

        await self._take(interaction, build)

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
        """Within `STOP_WITHIN` whatever state the connection is in (a SIGTERM must not
        hang), leaving the session resumable for the next process."""
        for task in list(self._settlers):
            task.cancel()
        await self._close_gateway(STOP_WITHIN / 2)
        try:
            async with asyncio.timeout(STOP_WITHIN / 2):
                await super().close()
        except TimeoutError:
            log.warning("discord: closing took over %.0fs; stopping anyway", STOP_WITHIN)

    async def handle_press(self, interaction: discord.Interaction, action: str, value: str) -> None:
        if opens_form(action):  # a modal must be the first answer: `typing_forms.py`
            custom_id = f"{views.PREFIX}|{action}|{value}"
            await self.open_typing_form(interaction, what_of(action), custom_id, value)
            return
        if not allowed(interaction.guild_id, self.allowed_guild_ids):
            await refuse(interaction)
            return
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
        place = await self._where(cause, interaction, thinking=False)
        if place is None:
            return
        custom_id = f"{views.PREFIX}|{action}|{value}"
        home = await self.dm_home(interaction.user.id) if place.guild_id is None else None
        event = translate.button_event(
            interaction.id,
            interaction.user.id,
            place,
            custom_id,
            message_id or None,
            dm_workspace=home,
        )
        if event is None:
            await self._defer(cause, interaction, thinking=False)
            return
        await self._record_then_defer(cause, event, interaction, started, thinking=False)

    async def _where(
        self, cause: str, interaction: discord.Interaction, *, thinking: bool
    ) -> translate.Place | None:
        """Where an interaction happened; None once it is refused for having no channel.
        When Discord is slow to say, the interaction is deferred first, so it is answered in
        time whatever follows."""
        channel_id = self._channel_of(interaction)
        if channel_id is None:
            await self._refuse(cause, interaction, NO_CHANNEL)
            return None
        place = await self._place_within(interaction, PLACE_BUDGET)
        if place is None:
            await self._defer(cause, interaction, thinking=thinking)
            place = await self._place(channel_id, interaction.guild_id)
        return place

    def _channel_of(self, interaction: discord.Interaction) -> int | None:
        """The interaction's channel: from its `channel` object, else its `channel_id`
        (discord.py reads only the object; Discord documents both as optional)."""
        return interaction.channel_id or self._interaction_channels.get(interaction.id)

    async def _take(
        self,
        interaction: discord.Interaction,
        build: Callable[[translate.Place], Event | str],
        *,
        thinking: bool = True,
        settle: bool = True,
    ) -> None:
        """Every interaction that becomes an event: on an allowed server, placed, made
        (`build` answers the event, or what to tell the person instead), recorded, then
        acknowledged — Discord never redelivers an acknowledged interaction."""
        if not allowed(interaction.guild_id, self.allowed_guild_ids):
            await refuse(interaction)
            return
        cause = f"discord:interaction:{interaction.id}"
        started = asyncio.get_running_loop().time()
        place = await self._where(cause, interaction, thinking=thinking)
        if place is None:
            return
        made = build(place)
        if isinstance(made, str):
            await self._refuse(cause, interaction, made)
            return
        recorded = await self._record_then_defer(
            cause, made, interaction, started, thinking=thinking
        )
        if recorded and settle:
            self._settle_later(cause)

    async def _refuse(self, cause: str, interaction: discord.Interaction, message: str) -> None:
        log.info("discord: interaction %s refused: %s", interaction.id, message)
        await self._defer(cause, interaction, thinking=True)
        await self._say(interaction, message)

    async def _place_within(
        self, interaction: discord.Interaction, budget: float
    ) -> translate.Place | None:
        channel_id = self._channel_of(interaction)
        try:
            async with asyncio.timeout(budget):
                return await self._place(channel_id, interaction.guild_id)
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
        known = self.tokens.usable(cause)
        pending = (
            self.tokens.remember(cause, interaction, thinking=thinking, deferred=None)
            if known is None
            else None
        )
        # With the event, for whichever process delivers its replies.
        handle = to_store(cause, interaction, thinking, None if known is None else known.deferred)
        recording = asyncio.ensure_future(self._submit(event, handle))
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
        if pending is not None and fresh:  # a replay must not overwrite the first's answer
            await settle_stored(self.handles, cause, acknowledged)
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

    async def _submit(self, event: Event, handle: Handle | None = None) -> bool | None:
        """True for a new event, False for a duplicate, None if it could not be recorded."""
        try:
            fresh = await self.alsbot.submit(event, handle)
        except StoreUnavailable:  # the core logged the lost database once; nothing recorded
            return None
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
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            # A client that still shows an older /als (or another bot's old command).
            log.info("discord: interaction %s for an out-of-date command", interaction.id)
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await interaction.response.send_message(STALE, ephemeral=True)
            return
        log.error("discord: /als failed before reaching alsbot", exc_info=error)
        if not interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(SORRY, ephemeral=True)


def build_client(alsbot: Submitter, config: Any, **options: Any) -> AlsClient:
    """An `AlsClient` from the `[discord]` config section (extra options go to discord.py)."""
    section = config.discord
    store = getattr(alsbot, "store", None)
    options.setdefault("health", getattr(alsbot, "health", None))
    options.setdefault("state_store", StateStore(store) if store is not None else None)
    options.setdefault("catch_up_emoji", config.defaults.do_emoji)
    options.setdefault("allowed_guild_ids", section.allowed_guild_ids)
    options.setdefault("read_content", section.message_content)
    return AlsClient(
        alsbot,
        endpoints=Endpoints.from_config(section.api_base_url, section.gateway_url),
        dev_guild_id=section.dev_guild_id or None,
        **options,
    )


async def serve_discord(
    alsbot: Any, config: Any, *, ready_timeout: float = 60.0, **options: Any
) -> Callable[[], Awaitable[None]]:
    """Log in, attach the outlet and source; connect the gateway (waiting for READY) if
    this process holds the gateway lease, else stand by for it. Returns the stop function."""
    client = build_client(alsbot, config, **options)
    lease = GatewayLease.for_client(client, alsbot, config)
    try:
        with webhook_context(client.webhooks):
            await client.login(config.secrets.discord_bot_token)
        await lease.begin(ready_timeout)
    except BaseException as error:
        await lease.stop()  # nothing left pending at exit
        if isinstance(error, NotReady):
            raise Refused(
                str(error),
                "Discord accepted the connection but never said it was ready: check "
                "https://discordstatus.com, the network to Discord's gateway, and "
                "[discord] gateway_url if set",
            ) from None
        if isinstance(error, Exception):
            # LoginFailure, PrivilegedIntentsRequired, unreachable: one line with the fix
            refused = discord_refusal(error, config.discord.api_base_url)
            if refused is not None:
                raise refused from None
        raise
    alsbot.attach(client.outlet, client.source, traits=reading(lambda: client.can_read_content))
    log.info("discord: logged in as %s (application %s)", client.user, client.application_id)

    async def stop() -> None:
        await lease.stop()

    stop.client = client  # type: ignore[attr-defined]  # tests and tools reach the client here
    stop.task = lease.task  # type: ignore[attr-defined]  # cancelled: as if the process died
    stop.lease = lease  # type: ignore[attr-defined]
    return stop

"""Buttons that keep working after a restart: persistent, template-matched components.

A core `Button(action_id, label, value)` becomes a Discord button whose `custom_id` is
`als|{action_id}|{value}`.  The value carries state (a session id), so the ids are not a
fixed list a `View` could name up front; discord.py's persistent mechanism for that case is
a `DynamicItem` with a `template`: `register` adds the template to the client's view store
at every start (`setup_hook`), with no timeout, so a press on a message posted before a
restart is still dispatched to `AlsButton.callback`.

Idempotency is not decided here: the press becomes a `ButtonPressed` keyed by the
interaction id, and the core's inbox drops a replayed one.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol, runtime_checkable

import discord

from bot.replies import Button

log = logging.getLogger(__name__)

PREFIX = "als"
TEMPLATE = r"als\|(?P<action>[^|]{1,64})\|(?P<value>[^|]{0,64})"
CUSTOM_ID = re.compile(TEMPLATE)
MAX_CUSTOM_ID = 100  # Discord's limit
MAX_BUTTONS = 25  # 5 rows of 5
_STYLES: dict[str | None, discord.ButtonStyle] = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    None: discord.ButtonStyle.secondary,
}


@runtime_checkable
class PressHandler(Protocol):
    """What a press does is the client's business; the view store only finds the callback."""

    async def handle_press(
        self, interaction: discord.Interaction, action: str, value: str
    ) -> None: ...


def custom_id(button: Button) -> str:
    value = f"{PREFIX}|{button.action_id}|{button.value}"
    if len(value) > MAX_CUSTOM_ID or not CUSTOM_ID.fullmatch(value):
        raise ValueError(f"button {button.action_id!r} cannot be encoded as a custom_id")
    return value


def parse_custom_id(value: str) -> tuple[str, str] | None:
    """(action_id, value) from a custom_id this adapter made, else None."""
    match = CUSTOM_ID.fullmatch(value or "")
    return (match["action"], match["value"]) if match else None


class AlsButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """Every alsbot button, however old: the template, not the message, finds it."""

    def __init__(
        self,
        action: str,
        value: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80] or "…",
                style=style,
                custom_id=f"{PREFIX}|{action}|{value}",
            )
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AlsButton:
        label = getattr(item, "label", None) or "…"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(match["action"], match["value"], label, style)

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        if not isinstance(client, PressHandler):  # pragma: no cover - a foreign client
            log.error("an alsbot button reached a client that cannot handle it")
            return
        await client.handle_press(interaction, self.action, self.value)


def register(client: discord.Client) -> None:
    """Re-register the persistent buttons; call from `setup_hook` on every start."""
    client.add_dynamic_items(AlsButton)


def view_for(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    """A timeout-free view of the core's buttons, five to a row, or None for no buttons.

    More than Discord's 25 are dropped with a warning rather than failing the message.
    """
    if not buttons:
        return None
    if len(buttons) > MAX_BUTTONS:
        log.warning("dropping %d buttons beyond Discord's 25", len(buttons) - MAX_BUTTONS)
    view = discord.ui.View(timeout=None)
    for button in buttons[:MAX_BUTTONS]:
        custom_id(button)  # validate before building
        view.add_item(
            AlsButton(
                button.action_id,
                button.value,
                button.label,
                _STYLES.get(button.style, discord.ButtonStyle.secondary),
            )
        )
    return view

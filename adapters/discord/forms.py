"""A command's form (`Ask`) as a Discord modal, and a modal's answers read back.

`/als offer add` without its `text` option is answered with the form as the interaction's
first response (`send_modal`, callback type 9) instead of a deferral: nothing is recorded
then, since the command is what the form's submission makes. The submission arrives as its
own interaction (MODAL_SUBMIT, type 5) and is recorded like a command
(`AlsClient.handle_form`), with its own idempotency key.

The modal's `custom_id` names the command (`als_form:offer add`, `adapters.forms`), so any
process holding the gateway can read a submission: the `Modal` object discord.py keeps in
memory is not what handles it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from adapters.forms import ask_of, form_id
from bot.commands.spec import CommandSpec

TITLE_LIMIT = 45  # a modal's title and a text input's label
PLACEHOLDER_LIMIT = 100
INPUT_MAX_LENGTH = 4000
MODAL_TIMEOUT = 900.0  # seconds discord.py keeps its copy of an unanswered modal


def _cut(value: str, limit: int) -> str:
    value = value.strip() or "…"
    return value if len(value) <= limit else value[: limit - 1] + "…"


class FormModal(discord.ui.Modal):
    """The form; its submission is read from the raw interaction by the client, so this
    copy only has to exist long enough to be sent."""

    def __init__(self, spec: CommandSpec) -> None:
        ask = ask_of(spec)
        super().__init__(
            title=_cut(ask.title, TITLE_LIMIT), custom_id=form_id(spec), timeout=MODAL_TIMEOUT
        )
        for field in ask.fields:
            self.add_item(
                discord.ui.TextInput(
                    label=_cut(field.label, TITLE_LIMIT),
                    custom_id=field.name,
                    style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                    placeholder=_cut(field.placeholder, PLACEHOLDER_LIMIT)
                    if field.placeholder
                    else None,
                    required=field.required,
                    max_length=max(1, min(field.max_length, INPUT_MAX_LENGTH)),
                )
            )


def answers(data: Mapping[str, Any]) -> dict[str, str]:
    """A MODAL_SUBMIT's `data.components` → the text inputs' values by custom id: each in
    an action row (type 1) or a label (type 18), as discord.py and Discord send them."""
    found: dict[str, str] = {}

    def walk(components: Any) -> None:
        for component in components if isinstance(components, list) else []:
            if not isinstance(component, Mapping):
                continue
            kind = component.get("type")
            if kind == 1:
                walk(component.get("components"))
            elif kind == 18:
                walk([component.get("component")])
            elif kind == 4:
                name, value = component.get("custom_id"), component.get("value")
                if isinstance(name, str) and isinstance(value, str):
                    found[name] = value

    walk(data.get("components"))
    return found
